// Review digests: when each schedule is due (checked against libc's own
// reading of the tz database, localtime_r under TZ, not the date library
// the code uses), DST gaps and repeats, the 4-week phase and the first
// weekday of a month; the config's errors with file:line:col; what a
// digest is made of (hours are law for people, channels have none) and how
// the built-in templates show it.
#include "review/digest.h"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <ctime>
#include <random>

#include "../test_util.h"
#include "config/roster_spec.h"
#include "notify/compose.h"
#include "notify/template.h"

using namespace rota;
using namespace std::chrono_literals;
using rota::testing::At;

namespace {

config::Review MakeReview(config::Review::Every every, int weekday, int minute, const char* zone) {
  config::Review r;
  r.team = "ops";
  r.every = every;
  r.weekday = weekday;
  r.minute_of_day = minute;
  r.timezone = zone;
  r.zone = *schedule::FindZone(zone);
  return r;
}

// libc's wall clock of `t` in `zone`: weekday (0 = Sunday), minute of day,
// day of month.
struct Wall {
  int weekday;
  int minute;
  int mday;
};
Wall LibcWall(const char* zone, TimePoint t) {
  const char* old = std::getenv("TZ");
  const std::string saved = old != nullptr ? old : "";
  setenv("TZ", zone, 1);
  tzset();
  const std::time_t secs =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::tm tm{};
  localtime_r(&secs, &tm);
  if (old != nullptr) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  return {tm.tm_wday, tm.tm_hour * 60 + tm.tm_min, tm.tm_mday};
}

}  // namespace

TEST_CASE("review occurrences: weekly, at the wall-clock minute, across DST") {
  // Monday 09:00 Europe/Berlin: 08:00Z in winter, 07:00Z in summer.
  const auto r = MakeReview(config::Review::Every::kWeek, 1, 9 * 60, "Europe/Berlin");
  CHECK(review::LastOccurrence(r, At("2027-03-31T12:00:00Z")) == At("2027-03-29T07:00:00Z"));
  CHECK(review::PreviousOccurrence(r, At("2027-03-29T07:00:00Z")) == At("2027-03-22T08:00:00Z"));
  CHECK(review::NextOccurrence(r, At("2027-03-29T07:00:00Z")) == At("2027-04-05T07:00:00Z"));
  // Exactly at an occurrence: it is the last one, not the next.
  CHECK(review::LastOccurrence(r, At("2027-03-29T07:00:00Z")) == At("2027-03-29T07:00:00Z"));
  CHECK(review::NextOccurrence(r, At("2027-03-29T06:59:59Z")) == At("2027-03-29T07:00:00Z"));
}

TEST_CASE("review occurrences: a time in a DST gap is the gap's end; a repeated one the first") {
  // Sunday 02:30 Berlin: 2027-03-28 has no 02:30 (02:00 -> 03:00 CEST = 01:00Z);
  // 2027-10-31 has two (00:30Z and 01:30Z).
  const auto r = MakeReview(config::Review::Every::kWeek, 0, 2 * 60 + 30, "Europe/Berlin");
  CHECK(review::NextOccurrence(r, At("2027-03-27T00:00:00Z")) == At("2027-03-28T01:00:00Z"));
  CHECK(review::NextOccurrence(r, At("2027-10-30T00:00:00Z")) == At("2027-10-31T00:30:00Z"));
  CHECK(review::NextOccurrence(r, At("2027-10-31T00:30:00Z")) == At("2027-11-07T01:30:00Z"));
}

TEST_CASE("review occurrences: 4w keeps its phase, 1mo is the month's first such weekday") {
  // Weeks since the week of Monday 1970-01-05, multiples of 4: 2027-03-01
  // begins week 2982 (not), 2027-03-15 week 2984 (yes).
  const auto four = MakeReview(config::Review::Every::kFourWeeks, 1, 9 * 60, "UTC");
  CHECK(review::NextOccurrence(four, At("2027-03-01T00:00:00Z")) == At("2027-03-15T09:00:00Z"));
  CHECK(review::NextOccurrence(four, At("2027-03-15T09:00:00Z")) == At("2027-04-12T09:00:00Z"));
  CHECK(review::PreviousOccurrence(four, At("2027-03-15T09:00:00Z")) == At("2027-02-15T09:00:00Z"));
  const auto month = MakeReview(config::Review::Every::kMonth, 1, 9 * 60, "America/New_York");
  // First Mondays: 2027-03-01, 2027-04-05 (09:00 EST = 14:00Z, EDT = 13:00Z).
  CHECK(review::NextOccurrence(month, At("2027-02-27T00:00:00Z")) == At("2027-03-01T14:00:00Z"));
  CHECK(review::NextOccurrence(month, At("2027-03-01T14:00:00Z")) == At("2027-04-05T13:00:00Z"));
  CHECK(review::LastOccurrence(month, At("2027-04-04T23:00:00Z")) == At("2027-03-01T14:00:00Z"));
}

TEST_CASE("review occurrences: property against libc's tz reading over random instants") {
  std::mt19937_64 rng(17);
  const char* zones[] = {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                         "Asia/Kolkata",  "Pacific/Chatham",  "UTC"};
  const auto lo = At("2020-01-01T00:00:00Z").time_since_epoch().count();
  const auto hi = At("2037-12-31T00:00:00Z").time_since_epoch().count();
  for (int i = 0; i < 3000; ++i) {
    const char* zone = zones[rng() % std::size(zones)];
    const auto every = static_cast<config::Review::Every>(rng() % 3);
    const int weekday = static_cast<int>(rng() % 7);
    const int minute = static_cast<int>(rng() % (24 * 60));
    const auto r = MakeReview(every, weekday, minute, zone);
    const TimePoint t{std::chrono::milliseconds(
        lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo)))};
    const TimePoint last = review::LastOccurrence(r, t);
    const TimePoint next = review::NextOccurrence(r, t);
    CAPTURE(zone);
    CAPTURE(static_cast<int>(every));
    CAPTURE(weekday);
    CAPTURE(minute);
    CAPTURE(FormatRfc3339(t));
    REQUIRE(last <= t);
    REQUIRE(t < next);
    // Nothing in between: the next after the last is the next.
    CHECK(review::NextOccurrence(r, last) == next);
    CHECK(review::PreviousOccurrence(r, next) == last);
    for (const TimePoint occ : {last, next}) {
      const Wall w = LibcWall(zone, occ);
      // The wall clock says the weekday and minute asked for, except where
      // that minute does not exist (then just after it, the same day).
      CHECK(w.weekday == weekday);
      CHECK(w.minute >= minute);
      CHECK(w.minute - minute <= 60);
      if (w.minute != minute) {
        // A gap: one minute earlier on the wall clock is before the gap.
        const Wall before = LibcWall(zone, occ - 1min);
        CHECK(before.minute < minute);
      }
      if (every == config::Review::Every::kMonth) {
        CHECK(w.mday <= 7);
      }
    }
    const double days = std::chrono::duration<double, std::ratio<86400>>(next - last).count();
    switch (every) {
      case config::Review::Every::kWeek:
        CHECK(days > 6.9);
        CHECK(days < 7.1);
        break;
      case config::Review::Every::kFourWeeks:
        CHECK(days > 27.9);
        CHECK(days < 28.1);
        break;
      case config::Review::Every::kMonth:
        CHECK(days > 27.9);
        CHECK(days < 35.1);
        break;
    }
  }
}

TEST_CASE("reviews in the config: defaults, references and errors with file:line:col") {
  const std::string base = R"(channels:
  - {name: hooks, type: webhook, url: "http://127.0.0.1:8099/notify"}
  - {name: mail, type: email, smarthost: 'localhost:25', from: rota@example.org}
  - {name: list, type: email, smarthost: 'localhost:25', from: rota@example.org, to: ops@example.org}
people:
  - {id: alice, timezone: Europe/Berlin, hours: [{}], contacts: [{channel: hooks, to: alice}]}
teams:
  - {id: ops, timezone: America/New_York, members: [alice]}
)";
  const auto ok = rota::testing::LoadConfig(base + R"(reviews:
  - {team: ops, at: 'mon 09:00', to: ['person:alice', 'channel:list', 'channel:hooks']}
  - {team: ops, every: 1mo, at: 'friday 16:30', timezone: Europe/Berlin, to: ['channel:hooks']}
)");
  REQUIRE(ok->reviews.size() == 2);
  const auto& weekly = ok->reviews[0];
  CHECK(weekly.every == config::Review::Every::kWeek);
  CHECK(weekly.weekday == 1);
  CHECK(weekly.minute_of_day == 9 * 60);
  CHECK(weekly.timezone == "America/New_York");  // the team's
  CHECK(weekly.key == "ops 1w mon 09:00 America/New_York");
  CHECK(ok->reviews[1].weekday == 5);
  CHECK(ok->reviews[1].minute_of_day == 16 * 60 + 30);
  CHECK(ok->reviews[1].timezone == "Europe/Berlin");

  rota::testing::TempDir dir;
  const auto r = config::Load(dir.Write("rota.yaml", base + R"(reviews:
  - {team: nobody, at: 'mon 09:00', to: ['channel:hooks']}
  - {team: ops, every: 2w, at: 'mon 9am', timezone: Mars/Olympus, to: ['person:zed', 'channel:mail', 'team:ops', 'channel:nope']}
  - {team: ops, at: 'mon 09:00', to: ['channel:hooks']}
  - {team: ops, at: 'mon 09:00', to: ['person:alice']}
  - {team: ops, to: []}
  - {at: 'mon 09:00', to: ['channel:hooks']}
)"));
  std::vector<std::string> errors;
  for (const auto& e : r.errors) {
    errors.push_back(std::to_string(e.pos.line) + ":" + std::to_string(e.pos.column) + ": " +
                     e.message);
  }
  const auto has = [&](const std::string& pos, const std::string& fragment) {
    for (const auto& e : errors) {
      if (e.starts_with(pos + ": ") && e.find(fragment) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  std::string all;
  for (const auto& e : errors) {
    all += e + "\n";
  }
  INFO(all);
  CHECK(has("10:12", "unknown team \"nobody\""));
  CHECK(has("11:24", "every must be 1w, 4w or 1mo"));
  CHECK(has("11:32", "at must be a weekday and a time"));
  CHECK(has("11:53", "Mars/Olympus"));
  CHECK(has("11:72", "unknown person \"zed\""));
  CHECK(has("11:86", "email channel \"mail\" has no address of its own"));
  CHECK(has("11:102", "a review goes to person:ID or channel:NAME"));
  CHECK(has("11:114", "unknown channel \"nope\""));
  CHECK(has("13:5", "listed twice"));
  CHECK(has("14:5", "missing required key \"at\""));
  CHECK(has("14:21", "at least one recipient"));
  CHECK(has("15:5", "missing required key \"team\""));  // no crash (a fuzz find)
}

namespace {

constexpr const char* kDigestConfig = R"(
global: {external_url: 'https://rota.example.org'}
channels:
  - {name: hooks, type: webhook, url: "http://127.0.0.1:8099/notify"}
  - {name: slack, type: slack, url: "http://127.0.0.1:8099/slack"}
  - {name: list, type: email, smarthost: 'localhost:25', from: rota@example.org, to: ops@example.org}
people:
  - id: alice
    timezone: Europe/Berlin
    hours: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '17:00'}]}]
    contacts: [{channel: hooks, to: alice}, {channel: slack, to: '@alice'}]
  - id: nemo
    timezone: UTC
    hours: [{years: ['2020']}]
    contacts: [{channel: hooks, to: nemo}]
teams:
  - {id: ops, name: Operations, timezone: Europe/Berlin, members: [alice], support_hours: [{}]}
reviews:
  - {team: ops, at: 'sun 08:00', to: ['person:alice', 'channel:list', 'person:nemo']}
)";

}  // namespace

TEST_CASE("a digest: hours are law for people, channels have none; ids stable; templates show it") {
  const auto cfg = rota::testing::LoadConfig(kDigestConfig);
  const schedule::Roster roster(config::ToRosterSpec(*cfg, {}));
  const auto& review = cfg->reviews.at(0);
  // Sunday 2027-03-21 08:00 Berlin = 07:00Z; alice is next on Monday 09:00 = 08:00Z.
  const TimePoint occ = At("2027-03-21T07:00:00Z");
  const TimePoint now = occ + 3s;
  const TimePoint from = review::PreviousOccurrence(review, occ);
  CHECK(from == At("2027-03-14T07:00:00Z"));
  const review::Report report = review::MakeReport(*cfg, roster, {}, "ops", from, occ, now);
  const auto data = review::DigestData(*cfg, report, "https://rota.example.org/ui/report?team=ops");
  const auto json = review::ReportJson(report);
  const auto has_channel = [&](const std::string& c) { return cfg->FindChannel(c) != nullptr; };
  const auto d = notify::ComposeReview(*cfg, roster, review, data, json, occ, now, has_channel);
  REQUIRE(d.out.size() == 3);  // alice by hooks and slack, the list's address
  CHECK(d.unreachable == std::vector<std::string>{"nemo"});
  CHECK(d.out[0].channel == "hooks");
  CHECK(d.out[1].channel == "slack");
  CHECK(d.at[0] == At("2027-03-22T08:00:00Z"));
  CHECK(d.at[1] == At("2027-03-22T08:00:00Z"));
  CHECK(d.out[0].message.created_ms == d.at[0].time_since_epoch().count());
  CHECK(d.out[2].channel == "list");
  CHECK(d.out[2].message.recipient == "channel:list");
  CHECK(d.out[2].message.to == "ops@example.org");
  CHECK(d.at[2] == now);
  for (const auto& o : d.out) {
    CHECK(o.message.kind == "review");
    CHECK(o.message.id.starts_with("review-"));
  }
  // The same occurrence composed again (after a crash) has the same ids.
  const auto again =
      notify::ComposeReview(*cfg, roster, review, data, json, occ, now + 1h, has_channel);
  REQUIRE(again.out.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(again.out[i].message.id == d.out[i].message.id);
  }
  // The body: the report under "report", the figures for people under "review".
  const auto& body = d.out[2].message.body->data.as_object();
  CHECK(body.at("kind").as_string() == "review");
  CHECK(body.at("report").at("team").as_string() == "ops");
  CHECK(body.at("report").at("to").as_string() == "2027-03-21T07:00:00Z");
  CHECK(body.at("review").at("team_name").as_string() == "Operations");
  CHECK(body.at("review").at("from").as_string() == "Sun 14 Mar 2027 08:00");
  // alice covers 40 of the week's 168 support hours: 23.8 %.
  CHECK(body.at("review").at("coverage").as_string() == "23.8 % of support hours");
  // Built-in templates.
  const auto slack = notify::Render(notify::DefaultTemplate(config::ChannelType::kSlack),
                                    d.out[1].message.body->data);
  REQUIRE(slack.has_value());
  CHECK(slack->find("*Review of Operations*, Sun 14 Mar 2027 08:00 to Sun 21 Mar 2027 08:00 "
                    "(Europe/Berlin)") != std::string::npos);
  CHECK(slack->find("<https://rota.example.org/ui/report?team=ops|Open the report>") !=
        std::string::npos);
  const auto subject = notify::Render(notify::DefaultEmailSubject(), d.out[2].message.body->data,
                                      notify::Escape::kNone);
  REQUIRE(subject.has_value());
  CHECK(*subject == "[rota] Review of Operations, Sun 14 Mar 2027 08:00 to Sun 21 Mar 2027 08:00");
  const auto html = notify::Render(notify::DefaultEmailHtml(), d.out[2].message.body->data);
  REQUIRE(html.has_value());
  CHECK(html->find("<tr><td>Mon</td>") != std::string::npos);
  CHECK(html->find("<td>23</td>") != std::string::npos);  // the hours header
  CHECK(html->find("<ul>") == std::string::npos);         // no alert list
}
