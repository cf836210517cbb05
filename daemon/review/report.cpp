#include "review/report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

namespace rota::review {
namespace {

std::int64_t Seconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

std::int64_t Total(const schedule::SpanList& spans) {
  Duration d{0};
  for (const auto& s : spans) {
    d += s.end - s.start;
  }
  return Seconds(d);
}

// The (weekday * 24 + hour) cell of `t` on `zone`'s wall clock.
int CellOf(const date::time_zone& zone, TimePoint t) {
  const auto local = zone.to_local(date::sys_time<std::chrono::milliseconds>(t.time_since_epoch()));
  const auto day = date::floor<date::days>(local);
  const auto hour = std::chrono::duration_cast<std::chrono::hours>(local - day).count();
  return static_cast<int>(date::weekday(day).c_encoding()) * 24 + static_cast<int>(hour);
}

// Calls fn(cell, start, end) for the pieces of [a, b) that lie in one hour
// of `zone`'s wall clock each, in order. A DST change cuts a piece where
// the offset changes.
void ForEachHour(const date::time_zone& zone, TimePoint a, TimePoint b,
                 const std::function<void(int, TimePoint, TimePoint)>& fn) {
  TimePoint t = a;
  while (t < b) {
    const auto sys = date::sys_time<std::chrono::milliseconds>(t.time_since_epoch());
    const auto info = zone.get_info(sys);
    const auto local = sys + info.offset;  // the wall clock, as a sys_time
    const auto next_local = date::floor<std::chrono::hours>(local) + std::chrono::hours(1);
    TimePoint next(std::chrono::duration_cast<std::chrono::milliseconds>(
        (next_local - info.offset).time_since_epoch()));
    TimePoint e = std::min(b, next);
    // The offset changes first (info.end is the far future in a zone without
    // changes, so compare before converting).
    if (info.end < date::floor<std::chrono::seconds>(
                       date::sys_time<std::chrono::milliseconds>(e.time_since_epoch()))) {
      e = TimePoint(
          std::chrono::duration_cast<std::chrono::milliseconds>(info.end.time_since_epoch()));
    }
    fn(CellOf(zone, t), t, e);
    t = e;
  }
}

// The covered length of [s, e) in `covered` (sorted, disjoint); `j` walks on.
Duration CoveredIn(const schedule::SpanList& covered, std::size_t& j, TimePoint s, TimePoint e) {
  while (j < covered.size() && covered[j].end <= s) {
    ++j;
  }
  Duration d{0};
  for (std::size_t k = j; k < covered.size() && covered[k].start < e; ++k) {
    d += std::min(e, covered[k].end) - std::max(s, covered[k].start);
  }
  return d;
}

}  // namespace

Stats StatsOf(std::vector<std::int64_t> v) {
  Stats s;
  s.count = v.size();
  if (v.empty()) {
    return s;
  }
  std::sort(v.begin(), v.end());
  const auto rank = [&](double q) {
    const auto r = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::max<std::size_t>(r, 1) - 1];
  };
  s.p50_s = rank(0.5);
  s.p90_s = rank(0.9);
  s.max_s = v.back();
  return s;
}

Report MakeReport(const config::Config& config, const schedule::Roster& roster,
                  const std::vector<AlertFacts>& facts, const std::string& team, TimePoint from,
                  TimePoint to, TimePoint now) {
  Report r;
  r.team = team;
  r.from = from;
  r.to = to;
  const date::time_zone& zone = *config.FindTeam(team)->zone;
  const TimePoint hold_end = std::min(to, now);

  // Coverage: who was on, and the support hours it met.
  schedule::SpanList covered;
  if (auto cov = roster.TeamCoverage(team, from, to)) {
    std::map<std::string, Duration> by_person;
    for (const auto& w : cov->windows) {
      covered.push_back({w.start, w.end});
      for (const auto& p : w.on_duty) {
        by_person[p] += w.end - w.start;
      }
    }
    for (const auto& g : cov->gaps) {
      if (g.in_support_hours) {
        r.gaps.push_back(g);
      }
    }
    for (const auto& [p, d] : by_person) {
      r.covered_by_person.emplace_back(p, Seconds(d));
    }
  }
  covered = schedule::Normalize(std::move(covered));
  schedule::SpanList support_hours;
  if (auto support = roster.SupportHours(team, from, to)) {
    r.support_hours_s = Total(*support);
    r.covered_s = Total(schedule::Intersect(*support, covered));
    support_hours = std::move(*support);
  }

  // Each hour of the week: how much of it the period had, and how much was covered.
  for (int c = 0; c < 7 * 24; ++c) {
    r.by_hour_of_week[static_cast<std::size_t>(c)].weekday = c / 24;
    r.by_hour_of_week[static_cast<std::size_t>(c)].hour = c % 24;
  }
  std::array<Duration, 7 * 24> cell_len{};
  std::array<Duration, 7 * 24> cell_covered{};
  std::array<Duration, 7 * 24> cell_support{};
  std::size_t j = 0;
  std::size_t k = 0;
  ForEachHour(zone, from, to, [&](int c, TimePoint s, TimePoint e) {
    cell_len[static_cast<std::size_t>(c)] += e - s;
    cell_covered[static_cast<std::size_t>(c)] += CoveredIn(covered, j, s, e);
    cell_support[static_cast<std::size_t>(c)] += CoveredIn(support_hours, k, s, e);
  });

  // The alerts.
  std::vector<std::int64_t> seen;
  std::vector<std::int64_t> acked;
  std::vector<std::int64_t> seen_in_hours;
  std::vector<std::int64_t> seen_held;
  std::array<std::int64_t, 7 * 24> saved{};
  for (const auto& f : facts) {
    if (f.received < from || f.received >= to ||
        !std::binary_search(f.teams.begin(), f.teams.end(), team)) {
      continue;
    }
    ++r.alerts;
    const std::optional<std::int64_t> to_seen =
        f.first_notified ? std::optional(Seconds(*f.first_notified - f.received)) : std::nullopt;
    if (to_seen) {
      seen.push_back(*to_seen);
    }
    if (f.acked) {
      acked.push_back(Seconds(*f.acked - f.received));
    }
    auto on = roster.TeamOnDutyPeople(team, f.received);
    if (on && !on->empty()) {
      ++r.in_hours_alerts;
      if (to_seen) {
        seen_in_hours.push_back(*to_seen);
      }
    }
    ++r.by_hour_of_week[static_cast<std::size_t>(CellOf(zone, f.received))].alerts;
    if (f.was_held) {
      ++r.held_alerts;
      std::int64_t held = 0;
      for (const auto& h : HoldsUntil(f, hold_end)) {
        held += Seconds(h.end - h.start);
        // Fit: had this hour been covered, the hold would have ended at its
        // first instant in the stretch.
        std::array<bool, 7 * 24> counted{};
        ForEachHour(zone, h.start, h.end, [&](int c, TimePoint s, TimePoint) {
          if (!counted[static_cast<std::size_t>(c)]) {
            counted[static_cast<std::size_t>(c)] = true;
            saved[static_cast<std::size_t>(c)] += Seconds(h.end - s);
          }
        });
      }
      r.held_total_s += held;
      r.held_max_s = std::max(r.held_max_s, held);
      if (to_seen) {
        seen_held.push_back(*to_seen);
      }
    }
    r.resolved_while_held += f.resolved_while_held ? 1 : 0;
    r.dropped += f.dropped ? 1 : 0;
    r.capped += f.capped ? 1 : 0;
    r.escalated_beyond_first_step += f.escalated_beyond_first_step ? 1 : 0;
    r.failed_notifications += static_cast<std::size_t>(f.failed_notifications);
    r.refused_off_duty += static_cast<std::size_t>(f.refused_off_duty);
    if (f.drill) {
      r.drills.push_back({f.id, f.received, to_seen});
    }
  }
  r.time_to_seen = StatsOf(std::move(seen));
  r.time_to_ack = StatsOf(std::move(acked));
  r.in_hours_time_to_seen = StatsOf(std::move(seen_in_hours));
  r.held_time_to_seen = StatsOf(std::move(seen_held));
  std::sort(r.drills.begin(), r.drills.end(),
            [](const Drill& a, const Drill& b) { return a.at < b.at; });

  for (std::size_t c = 0; c < r.by_hour_of_week.size(); ++c) {
    HourCell& cell = r.by_hour_of_week[c];
    cell.seen = cell_len[c].count() > 0;
    cell.support_ratio = cell.seen ? static_cast<double>(cell_support[c].count()) /
                                         static_cast<double>(cell_len[c].count())
                                   : 0;
    cell.covered_ratio = cell.seen ? static_cast<double>(cell_covered[c].count()) /
                                         static_cast<double>(cell_len[c].count())
                                   : 0.0;
    if (cell.seen && cell_covered[c].count() > 0 && cell.alerts == 0) {
      r.idle_covered_hours.push_back(cell);
    }
    if (saved[c] > 0) {
      r.fit.push_back({cell.weekday, cell.hour, saved[c]});
    }
  }
  std::stable_sort(r.fit.begin(), r.fit.end(),
                   [](const Fit& a, const Fit& b) { return a.held_s_saved > b.held_s_saved; });
  if (r.fit.size() > kFitRows) {
    r.fit.resize(kFitRows);
  }
  return r;
}

}  // namespace rota::review
