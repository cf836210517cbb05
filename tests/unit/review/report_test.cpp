// A simulated month through the engine with moving time (alerts in and out
// of hours, holds, acks, escalations, a DST change), then the report; every
// figure is checked against a computation made here from what the engine
// emitted and what the test did, with its own hours check and a
// minute-by-minute walk, never the report's own code.
//
// Team ops (Europe/Berlin): alice Mon-Fri 09:00-17:00, bob Sat 10:00-12:00;
// support hours Mon-Fri 08:00-18:00. Unacknowledged after 30 minutes, an
// alert goes to dave (24/7, not in the team), and a shift's end keeps an
// alert with whoever had it (no handover), so an alert is held only when it
// arrives outside hours, and once. 2027-03-15 is a Monday; Berlin moves
// to summer time on 2027-03-28.
#include "review/report.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>

#include "../test_util.h"
#include "config/roster_spec.h"

using namespace rota;
using namespace rota::engine;
using namespace std::chrono_literals;
using rota::testing::At;

namespace {

constexpr const char* kConfig = R"(
people:
  - id: alice
    timezone: Europe/Berlin
    hours: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '17:00'}]}]
  - id: bob
    timezone: Europe/Berlin
    hours: [{weekdays: ['saturday'], times: [{start_time: '10:00', end_time: '12:00'}]}]
  - {id: dave, timezone: Europe/Berlin, hours: [{}]}
teams:
  - id: ops
    timezone: Europe/Berlin
    members: [alice, bob]
    support_hours: [{weekdays: ['monday:friday'], times: [{start_time: '08:00', end_time: '18:00'}]}]
    required_coverage: {level: off}
routes:
  - {name: all, group_by: ['...'], group_wait: 0s, escalation: ops}
escalations:
  - name: ops
    on_shift_end: keep
    steps:
      - {notify: ['team:ops'], escalate_after: 30m}
      - {notify: ['person:dave'], escalate_after: 30m}
)";

const date::time_zone& Berlin() { return *date::locate_zone("Europe/Berlin"); }

// Berlin wall clock: weekday (0 = Sunday) and minute of the day.
std::pair<int, int> Local(TimePoint t) {
  const auto local =
      Berlin().to_local(date::sys_time<std::chrono::milliseconds>(t.time_since_epoch()));
  const auto day = date::floor<date::days>(local);
  return {static_cast<int>(date::weekday(day).c_encoding()),
          static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - day).count())};
}

bool OnDuty(TimePoint t) {
  const auto [wd, m] = Local(t);
  return (wd >= 1 && wd <= 5 && m >= 9 * 60 && m < 17 * 60) ||
         (wd == 6 && m >= 10 * 60 && m < 12 * 60);
}

bool InSupport(TimePoint t) {
  const auto [wd, m] = Local(t);
  return wd >= 1 && wd <= 5 && m >= 8 * 60 && m < 18 * 60;
}

int Cell(TimePoint t) {
  const auto [wd, m] = Local(t);
  return wd * 24 + m / 60;
}

std::int64_t S(Duration d) { return std::chrono::duration_cast<std::chrono::seconds>(d).count(); }

review::Stats Expect(std::vector<std::int64_t> v) {
  review::Stats s;
  s.count = v.size();
  if (v.empty()) {
    return s;
  }
  std::sort(v.begin(), v.end());
  // nearest rank: the smallest value with at least q of the values at or below it
  const auto at = [&](double q) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (static_cast<double>(i + 1) >= q * static_cast<double>(v.size())) {
        return v[i];
      }
    }
    return v.back();
  };
  s.p50_s = at(0.5);
  s.p90_s = at(0.9);
  s.max_s = v.back();
  return s;
}

void CheckStats(const review::Stats& got, const review::Stats& want) {
  CHECK(got.count == want.count);
  CHECK(got.p50_s == want.p50_s);
  CHECK(got.p90_s == want.p90_s);
  CHECK(got.max_s == want.max_s);
}

// What the test does and sees of one alert.
struct Sent {
  TimePoint received;
  bool drill = false;
  std::optional<TimePoint> seen;  // first notification naming it
  std::optional<TimePoint> acked;
  std::optional<TimePoint> resolved;
  bool held_at_ingest = false;
  bool step2 = false;
  int failed = 0;
};

// Functions, not constants: parsing at static initialisation would run
// before what it needs is set up.
TimePoint From() { return At("2027-03-15T00:00:00Z"); }
TimePoint To() { return At("2027-04-12T00:00:00Z"); }

struct Month {
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<schedule::Roster> roster;
  std::map<AlertId, Sent> sent;
  std::vector<review::AlertFacts> facts;
};

// The month through the engine: the same alerts and actions for any config.
Month Simulate(const std::string& yaml) {
  const auto config = rota::testing::LoadConfig(yaml);
  const auto roster = std::make_shared<schedule::Roster>(config::ToRosterSpec(*config));
  Engine engine(Model::Build(config, roster));
  const TimePoint from = From();
  const TimePoint to = To();
  std::map<AlertId, Sent> sent;
  const auto collect = [&] {
    for (const auto& n : engine.TakeNotifications()) {
      for (AlertId id : n.alerts) {
        auto& s = sent[id];
        if (!s.seen) {
          s.seen = n.at;
        }
        s.step2 |= n.step == 2;
      }
    }
  };
  const auto tick_to = [&](TimePoint t) {
    while (auto next = engine.NextDeadline()) {
      if (*next > t) {
        break;
      }
      engine.Tick(*next);
      collect();
    }
  };

  // Actions at whole minutes, in time order.
  std::mt19937 rng(7);
  std::multimap<TimePoint, std::pair<AlertId, int>> later;  // 1 ack, 2 resolve
  TimePoint t = from + 37min;
  int n = 0;
  while (t < to - 24h) {
    while (!later.empty() && later.begin()->first <= t) {
      const auto [at, what] = *later.begin();
      later.erase(later.begin());
      tick_to(at);
      const Alert* a = engine.Find(what.first);
      if (a != nullptr && a->state != AlertState::kResolved) {
        if (what.second == 1 && a->state == AlertState::kFiring) {
          REQUIRE(engine.Acknowledge(what.first, "alice", "", at));
          sent[what.first].acked = at;
        } else if (what.second == 2) {
          REQUIRE(engine.Resolve(what.first, "alice", "", at));
          sent[what.first].resolved = at;
        }
      }
      collect();
    }
    tick_to(t);
    Event e;
    e.source = "test";
    const bool drill = n % 17 == 5;
    e.labels = LabelSet({{"alertname", drill ? "RotaDrill" : "Disk"}, {"n", std::to_string(n)}});
    const auto r = engine.Ingest(e, t);
    collect();
    auto& s = sent[r.id];
    s.received = t;
    s.drill = drill;
    s.held_at_ingest = r.status == Outcome::kHeld;
    // Some are acknowledged a few minutes after they are seen (or, held, by
    // someone who looked at the console); some resolve on their own.
    const int kind = static_cast<int>(rng() % 4);
    if (kind <= 1) {
      later.emplace(t + std::chrono::minutes(5 + rng() % 50), std::pair{r.id, 1});
    }
    if (kind >= 1) {
      later.emplace(t + std::chrono::minutes(20 + rng() % 1500), std::pair{r.id, 2});
    }
    if (n % 11 == 3) {  // a delivery that failed, as the shell reports it
      engine.Annotate(r.id, t + 1min,
                      Note(EntryKind::kFailed).Set(engine::Field::kPerson, "alice"));
      s.failed++;
    }
    t += std::chrono::minutes(131 + rng() % 300);
    ++n;
  }
  tick_to(to);
  collect();
  REQUIRE(n > 100);

  std::vector<review::AlertFacts> facts;
  engine.ForEachAlert([&](const Alert& a) { facts.push_back(review::FactsOf(engine.model(), a)); });
  return Month{config, roster, std::move(sent), std::move(facts)};
}

}  // namespace

TEST_CASE("a month's report agrees with a computation made from the engine's decisions") {
  const Month month = Simulate(kConfig);
  const auto& config = month.config;
  const auto& roster = month.roster;
  const auto& sent = month.sent;
  const auto& facts = month.facts;
  const TimePoint from = From();
  const TimePoint to = To();
  const TimePoint now = to + 1h;
  const review::Report r = review::MakeReport(*config, *roster, facts, "ops", from, to, now);

  // --- the expectations, made here ---
  std::vector<std::int64_t> seen;
  std::vector<std::int64_t> acked;
  std::vector<std::int64_t> seen_in_hours;
  std::vector<std::int64_t> seen_held;
  std::size_t in_hours = 0;
  std::size_t held = 0;
  std::size_t resolved_while_held = 0;
  std::size_t step2 = 0;
  std::size_t failed = 0;
  std::int64_t held_total = 0;
  std::int64_t held_max = 0;
  std::array<std::size_t, 168> by_cell{};
  std::array<std::int64_t, 168> saved{};
  std::vector<AlertId> drills;
  for (const auto& [id, s] : sent) {
    if (s.seen) {
      seen.push_back(S(*s.seen - s.received));
    }
    if (s.acked) {
      acked.push_back(S(*s.acked - s.received));
    }
    if (OnDuty(s.received)) {
      ++in_hours;
      if (s.seen) {
        seen_in_hours.push_back(S(*s.seen - s.received));
      }
    }
    ++by_cell[static_cast<std::size_t>(Cell(s.received))];
    step2 += s.step2 ? 1 : 0;
    failed += static_cast<std::size_t>(s.failed);
    if (s.drill) {
      drills.push_back(id);
    }
    if (!s.held_at_ingest) {
      CHECK(OnDuty(s.received));  // the engine holds exactly when nobody is on
      continue;
    }
    CHECK_FALSE(OnDuty(s.received));
    ++held;
    // Held until someone was told, it was acknowledged or resolved: the first of these.
    TimePoint end = now < to ? now : to;
    for (const auto& x : {s.seen, s.acked, s.resolved}) {
      if (x && *x < end) {
        end = *x;
      }
    }
    if (s.resolved && end == *s.resolved && (!s.seen || *s.seen > end) &&
        (!s.acked || *s.acked > end)) {
      ++resolved_while_held;
    }
    const std::int64_t h = S(end - s.received);
    held_total += h;
    held_max = std::max(held_max, h);
    if (s.seen) {
      seen_held.push_back(S(*s.seen - s.received));
    }
    // Fit, minute by minute: the first minute of each hour of the week in the hold.
    std::set<int> counted;
    for (TimePoint m = s.received; m < end; m += 1min) {
      if (counted.insert(Cell(m)).second) {
        saved[static_cast<std::size_t>(Cell(m))] += S(end - m);
      }
    }
  }
  CHECK(r.alerts == sent.size());
  CheckStats(r.time_to_seen, Expect(seen));
  CheckStats(r.time_to_ack, Expect(acked));
  CHECK(r.in_hours_alerts == in_hours);
  CheckStats(r.in_hours_time_to_seen, Expect(seen_in_hours));
  CHECK(r.held_alerts == held);
  CHECK(held > 10);
  CHECK(r.held_total_s == held_total);
  CHECK(r.held_max_s == held_max);
  CHECK(r.resolved_while_held == resolved_while_held);
  CHECK(resolved_while_held > 0);
  CheckStats(r.held_time_to_seen, Expect(seen_held));
  CHECK(r.escalated_beyond_first_step == step2);
  CHECK(step2 > 0);
  CHECK(r.failed_notifications == failed);
  CHECK(r.dropped == 0);
  CHECK(r.refused_off_duty == 0);
  REQUIRE(r.drills.size() == drills.size());
  for (std::size_t i = 0; i < drills.size(); ++i) {
    CHECK(r.drills[i].alert == drills[i]);
  }

  // Coverage and the hours of the week, minute by minute.
  std::int64_t support = 0;
  std::int64_t covered = 0;
  std::array<std::int64_t, 168> minutes{};
  std::array<std::int64_t, 168> covered_minutes{};
  std::int64_t alice = 0;
  for (TimePoint m = from; m < to; m += 1min) {
    const auto c = static_cast<std::size_t>(Cell(m));
    ++minutes[c];
    if (OnDuty(m)) {
      ++covered_minutes[c];
      alice += Local(m).first != 6 ? 60 : 0;
    }
    if (InSupport(m)) {
      support += 60;
      covered += OnDuty(m) ? 60 : 0;
    }
  }
  CHECK(r.support_hours_s == support);
  CHECK(r.covered_s == covered);
  // Gaps inside support hours: 08:00-09:00 and 17:00-18:00 each weekday, 20 weekdays.
  CHECK(r.gaps.size() == 40);
  REQUIRE(r.covered_by_person.size() == 2);
  CHECK(r.covered_by_person[0] == std::pair<std::string, std::int64_t>{"alice", alice});
  std::size_t idle = 0;
  for (std::size_t c = 0; c < 168; ++c) {
    INFO("cell " << c);
    CHECK(r.by_hour_of_week[c].alerts == by_cell[c]);
    CHECK(r.by_hour_of_week[c].seen == (minutes[c] > 0));
    CHECK(r.by_hour_of_week[c].covered_ratio ==
          doctest::Approx(minutes[c] ? static_cast<double>(covered_minutes[c]) /
                                           static_cast<double>(minutes[c])
                                     : 0.0));
    idle += covered_minutes[c] > 0 && by_cell[c] == 0 ? 1U : 0U;
  }
  CHECK(r.idle_covered_hours.size() == idle);
  // Fit: the best one-hour additions, ranked.
  std::vector<std::pair<std::int64_t, std::size_t>> ranked;
  for (std::size_t c = 0; c < 168; ++c) {
    if (saved[c] > 0) {
      ranked.emplace_back(saved[c], c);
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  REQUIRE(r.fit.size() == std::min<std::size_t>(review::kFitRows, ranked.size()));
  for (std::size_t i = 0; i < r.fit.size(); ++i) {
    INFO("fit row " << i);
    CHECK(r.fit[i].held_s_saved == ranked[i].first);
    CHECK(r.fit[i].weekday * 24 + r.fit[i].hour == static_cast<int>(ranked[i].second));
  }
}

TEST_CASE("nearest-rank percentiles") {
  CHECK(review::StatsOf({}).count == 0);
  const auto s = review::StatsOf({5, 1, 4, 2, 3, 10, 9, 8, 7, 6});
  CHECK(s.count == 10);
  CHECK(s.p50_s == 5);
  CHECK(s.p90_s == 9);
  CHECK(s.max_s == 10);
  CHECK(review::StatsOf({42}).p90_s == 42);
}

TEST_CASE("facts: a handover to nobody is a hold that ends when someone is told") {
  auto yaml = std::string(kConfig);
  yaml.replace(yaml.find("    on_shift_end: keep\n"),
               std::string("    on_shift_end: keep\n").size(), "");
  const auto config = rota::testing::LoadConfig(yaml);
  const auto roster = std::make_shared<schedule::Roster>(config::ToRosterSpec(*config));
  Engine engine(Model::Build(config, roster));
  // Tuesday 2027-03-16, 16:50 Berlin (15:50Z): alice is told and takes it;
  // her hours end at 17:00, so it is handed over, to nobody, and held until
  // she is back at 09:00 (08:00Z).
  Event e;
  e.source = "test";
  e.labels = LabelSet({{"alertname", "Late"}});
  const auto r = engine.Ingest(e, At("2027-03-16T15:50:00Z"));
  REQUIRE(r.status == Outcome::kNotified);
  REQUIRE(engine.Acknowledge(r.id, "alice", "", At("2027-03-16T15:55:00Z")));
  auto facts = review::FactsOf(engine.model(), *engine.Find(r.id));
  CHECK_FALSE(facts.was_held);
  while (auto next = engine.NextDeadline()) {
    if (*next > At("2027-03-17T12:00:00Z")) {
      break;
    }
    engine.Tick(*next);
  }
  facts = review::FactsOf(engine.model(), *engine.Find(r.id));
  CHECK(facts.was_held);
  CHECK(facts.first_notified == At("2027-03-16T15:50:00Z"));
  CHECK(facts.acked == At("2027-03-16T15:55:00Z"));
  CHECK(facts.teams == std::vector<std::string>{"ops"});
  CHECK(facts.route == "all");
  CHECK_FALSE(facts.held_since.has_value());
  REQUIRE(facts.holds.size() == 1);
  CHECK(facts.holds[0].start == At("2027-03-16T16:00:00Z"));
  CHECK(facts.holds[0].end == At("2027-03-17T08:00:00Z"));
  CHECK(review::HoldsUntil(facts, At("2027-03-18T00:00:00Z")).size() == 1);
}

TEST_CASE("fit: the month again with its best hour covered saves the held time the report said") {
  const Month before = Simulate(kConfig);
  const review::Report r =
      review::MakeReport(*before.config, *before.roster, before.facts, "ops", From(), To(), To());
  REQUIRE_FALSE(r.fit.empty());
  const review::Fit best = r.fit.front();
  // One more member, on duty for that hour of the week only (Berlin).
  static constexpr const char* kNames[] = {"sunday",   "monday", "tuesday", "wednesday",
                                           "thursday", "friday", "saturday"};
  char hour[96];
  std::snprintf(hour, sizeof hour,
                "{weekdays: ['%s'], times: [{start_time: '%02d:00', end_time: '%02d:00'}]}",
                kNames[best.weekday], best.hour, best.hour + 1);
  std::string yaml = kConfig;
  yaml.replace(
      yaml.find("teams:"), 6,
      std::string("  - {id: erin, timezone: Europe/Berlin, hours: [") + hour + "]}\nteams:");
  yaml.replace(yaml.find("members: [alice, bob]"), 21, "members: [alice, bob, erin]");
  const Month after = Simulate(yaml);
  REQUIRE(after.sent.size() == before.sent.size());
  const review::Report r2 =
      review::MakeReport(*after.config, *after.roster, after.facts, "ops", From(), To(), To());
  CHECK(r2.alerts == r.alerts);
  CHECK(r2.held_total_s == r.held_total_s - best.held_s_saved);
}

TEST_CASE("history: facts encode and decode to themselves; bad records are errors") {
  review::AlertFacts f;
  f.id = 42;
  f.route = "all";
  f.teams = {"ops", "web"};
  f.received = At("2027-03-16T15:50:00Z");
  f.first_notified = At("2027-03-16T16:00:00Z");
  f.resolved = At("2027-03-16T18:00:00Z");
  f.holds = {{At("2027-03-16T15:50:00Z"), At("2027-03-16T16:00:00Z")}};
  f.was_held = true;
  f.capped = true;
  f.failed_notifications = 2;
  f.drill = true;
  const std::string doc = review::EncodeFacts(f);
  const auto back = review::DecodeFacts(doc);
  REQUIRE(back.has_value());
  CHECK(review::EncodeFacts(*back) == doc);
  CHECK(back->id == 42);
  CHECK(back->teams == f.teams);
  CHECK(back->holds.size() == 1);
  CHECK_FALSE(back->acked.has_value());
  for (
      const char* bad :
      {"", "[]", "{}", R"({"v":2})", "not json",
       R"({"v":1,"id":-1,"route":"","teams":[],"received":0,"first_notified":null,"acked":null,"resolved":null,"holds":[],"held_since":null,"was_held":false,"resolved_while_held":false,"dropped":false,"capped":false,"escalated":false,"failed":0,"refused":0,"drill":false})",
       R"({"v":1,"id":1,"route":"","teams":[1],"received":0,"first_notified":null,"acked":null,"resolved":null,"holds":[],"held_since":null,"was_held":false,"resolved_while_held":false,"dropped":false,"capped":false,"escalated":false,"failed":0,"refused":0,"drill":false})",
       R"({"v":1,"id":1,"route":"","teams":[],"received":0,"first_notified":null,"acked":null,"resolved":null,"holds":[[5,1]],"held_since":null,"was_held":false,"resolved_while_held":false,"dropped":false,"capped":false,"escalated":false,"failed":0,"refused":0,"drill":false})"}) {
    CAPTURE(bad);
    CHECK_FALSE(review::DecodeFacts(bad).has_value());
  }
  // Live facts win over history of the same alert; bad history is counted.
  review::AlertFacts live = f;
  live.acked = At("2027-03-16T17:00:00Z");
  review::AlertFacts other = f;
  other.id = 7;
  std::size_t skipped = 0;
  const auto merged =
      review::WithHistory({live}, {doc, review::EncodeFacts(other), "junk"}, &skipped);
  REQUIRE(merged.size() == 2);
  CHECK(merged[0].acked.has_value());
  CHECK(merged[1].id == 7);
  CHECK(skipped == 1);
}
