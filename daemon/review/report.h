// A team's review over a period (docs/reviews.md): how fast
// alerts were seen and acknowledged, what was held and for how long, how
// much of the support hours were covered, when alerts came by hour of the
// week, and the one-hour additions to coverage that would have cut the most
// held time ("fit").
//
// Built from AlertFacts (facts.h) and the roster: no clock, no I/O. Weekdays
// and hours are on the team's wall clock. Percentiles are nearest-rank.
//
// Pure; thread-safety: plain values and functions of their arguments.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "review/facts.h"
#include "schedule/roster.h"

namespace rota::review {

struct Stats {
  std::size_t count = 0;
  std::int64_t p50_s = 0;
  std::int64_t p90_s = 0;
  std::int64_t max_s = 0;
};
// Nearest-rank percentiles of `seconds` (any order).
Stats StatsOf(std::vector<std::int64_t> seconds);

struct HourCell {
  int weekday = 0;  // 0 = Sunday, as date::weekday
  int hour = 0;
  std::size_t alerts = 0;
  double covered_ratio = 0;  // of this hour's instants in the period, the share someone was on duty
  double support_ratio = 0;  // ... and the share inside the team's support hours
  bool seen = false;         // the period holds at least one instant of this hour
};

struct Fit {
  int weekday = 0;
  int hour = 0;
  std::int64_t held_s_saved = 0;
};

struct Drill {
  engine::AlertId alert = 0;
  TimePoint at{};
  std::optional<std::int64_t> time_to_seen_s;
};

struct Report {
  std::string team;
  TimePoint from{};
  TimePoint to{};
  std::size_t alerts = 0;
  Stats time_to_seen;
  Stats time_to_ack;
  std::size_t in_hours_alerts = 0;
  Stats in_hours_time_to_seen;
  std::size_t held_alerts = 0;
  std::int64_t held_total_s = 0;
  std::int64_t held_max_s = 0;
  std::size_t resolved_while_held = 0;
  std::size_t dropped = 0;
  std::size_t capped = 0;
  Stats held_time_to_seen;
  std::size_t escalated_beyond_first_step = 0;
  std::size_t failed_notifications = 0;
  std::size_t refused_off_duty = 0;
  std::int64_t support_hours_s = 0;
  std::int64_t covered_s = 0;               // of the support hours
  std::vector<schedule::CoverageGap> gaps;  // in support hours only
  std::vector<std::pair<std::string, std::int64_t>>
      covered_by_person;                           // seconds on duty for the team
  std::array<HourCell, 7 * 24> by_hour_of_week{};  // index weekday * 24 + hour
  std::vector<Fit> fit;                      // the best first, at most kFitRows, each saving > 0
  std::vector<HourCell> idle_covered_hours;  // covered at some point, no alert
  std::vector<Drill> drills;
};

inline constexpr std::size_t kFitRows = 10;

// The report of `team` over [from, to) from `facts` (any order; those of
// other teams or outside the period are skipped). Holds still open are
// counted until min(to, now). REQUIRES: from < to, the team exists.
Report MakeReport(const config::Config& config, const schedule::Roster& roster,
                  const std::vector<AlertFacts>& facts, const std::string& team, TimePoint from,
                  TimePoint to, TimePoint now);

}  // namespace rota::review
