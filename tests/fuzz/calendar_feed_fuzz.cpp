// A calendar feed of people whose weekly hours come from the input: the
// feed never holds more than its limits (events, names), its events are
// ordered, non-empty and inside what it looked at, a feed that is not full
// holds every window the roster has in its span, and its rendering keeps
// RFC 5545's line rule. Small limits here, so that cutting is reached.
//
// Input: byte 0 the number of people (1-6); then per person 4 bytes: a
// weekday mask, the start (quarter hours), the length (quarter hours), a
// zone; then one byte for each limit.
#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "config/config.h"
#include "fuzz_check.h"
#include "schedule/roster.h"
#include "schedule/time_interval.h"
#include "ui/calendar.h"

namespace {

using namespace rota;

std::string WallClock(int minutes) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  static const char* zones[] = {"UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney"};
  const std::size_t n = 1 + data[0] % 6;
  if (size < 1 + 4 * n + 2) {
    return 0;
  }
  config::Config c;
  schedule::RosterSpec spec;
  schedule::TeamSpec team;
  team.id = "t";
  team.zone = date::locate_zone("UTC");
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* p = data + 1 + 4 * i;
    schedule::PersonSpec person;
    person.id = "p" + std::to_string(i);
    person.zone = date::locate_zone(zones[p[3] % 4]);
    schedule::TimeInterval ti;
    const int start = (p[1] % 96) * 15;
    const int length = 15 + (p[2] % 96) * 15;
    auto range =
        schedule::ParseTimeRange(WallClock(start), WallClock(std::min(start + length, 24 * 60)));
    if (!range) {
      continue;  // start == end, refused by the parser
    }
    ti.times.push_back(*range);
    for (int d = 0; d < 7; ++d) {
      if ((p[0] >> d) & 1U) {
        ti.weekdays.push_back({d, d});
      }
    }
    person.hours.push_back(ti);
    team.members.push_back(person.id);
    config::Person cp;
    cp.id = person.id;
    c.people.push_back(cp);
    spec.people.push_back(std::move(person));
  }
  if (team.members.empty()) {
    return 0;
  }
  spec.teams.push_back(team);
  config::Team ct;
  ct.id = "t";
  c.teams.push_back(ct);
  const schedule::Roster roster(std::move(spec));
  const ui::FeedLimits limits{1 + data[1 + 4 * n] % 40u, 1 + data[2 + 4 * n] % 80u};
  const TimePoint now = date::sys_days{date::year{2026} / 3 / 20} + std::chrono::hours(13);
  const ui::FeedSpan span{now - std::chrono::hours(24 * 14), now + std::chrono::hours(24 * 37),
                          now - std::chrono::hours(24 * 7), now + std::chrono::hours(24 * 30), now};
  for (const char* kind : {"team", "person"}) {
    const std::string id = std::string(kind) == "team" ? "t" : team.members.front();
    const auto feed = ui::ComputeFeed(
        c, roster, kind, id, span, [] { return false; }, limits);
    ROTA_FUZZ_CHECK(!feed.stopped, "nothing asked it to stop");
    ROTA_FUZZ_CHECK(feed.events.size() <= limits.max_events, "at most max_events");
    std::size_t names = 0;
    for (std::size_t i = 0; i < feed.events.size(); ++i) {
      const auto& e = feed.events[i];
      ROTA_FUZZ_CHECK(e.start < e.end, "an event is not empty");
      ROTA_FUZZ_CHECK(e.start < span.to && e.end > span.from, "an event overlaps what is shown");
      ROTA_FUZZ_CHECK(e.start >= span.query_from && e.end <= span.query_to,
                      "inside what it looked at");
      ROTA_FUZZ_CHECK(i == 0 || feed.events[i - 1].end <= e.start, "in order, not overlapping");
      names +=
          std::string(kind) == "team" ? 1 + std::count(e.summary.begin(), e.summary.end(), ',') : 1;
    }
    ROTA_FUZZ_CHECK(names <= limits.max_names, "at most max_names");
    if (!feed.full) {
      // Not cut: every window of the roster's own answer is there.
      std::size_t want = 0;
      if (std::string(kind) == "team") {
        const auto cov = roster.TeamCoverage("t", span.query_from, span.query_to);
        ROTA_FUZZ_CHECK(cov.has_value(), "the team's coverage");
        for (const auto& w : cov->windows) {
          want += (w.start < span.to && w.end > span.from) ? 1 : 0;
        }
      } else {
        const auto spans = roster.PersonDutySpans(id, span.query_from, span.query_to);
        ROTA_FUZZ_CHECK(spans.has_value(), "the person's spans");
        for (const auto& s : *spans) {
          want += (s.start < span.to && s.end > span.from) ? 1 : 0;
        }
      }
      ROTA_FUZZ_CHECK(feed.events.size() == want, "a feed that is not full is whole");
    }
    const std::string ics = ui::RenderCalendar(kind, kind, feed.events, now);
    std::size_t line_start = 0;
    while (line_start < ics.size()) {
      const auto end = ics.find("\r\n", line_start);
      ROTA_FUZZ_CHECK(end != std::string::npos, "every line ends in CRLF");
      ROTA_FUZZ_CHECK(end - line_start <= 75, "lines are folded at 75 octets");
      line_start = end + 2;
    }
  }
  return 0;
}
