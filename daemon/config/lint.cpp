#include "config/lint.h"

#include <set>
#include <tuple>

#include "config/roster_spec.h"
#include "config/zones.h"
#include "core/time.h"
#include "schedule/hours.h"
#include "schedule/roster.h"

namespace rota::config {
namespace {

using std::chrono::days;
using std::chrono::minutes;

constexpr std::array<int, 13> kMaxDays = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

std::string Clock(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

// True if some month allowed by `ti` has a day its days_of_month accept.
bool CanMatch(const schedule::TimeInterval& ti) {
  if (ti.days_of_month.empty()) {
    return true;
  }
  for (int m = 1; m <= 12; ++m) {
    const bool month_ok =
        ti.months.empty() || std::any_of(ti.months.begin(), ti.months.end(),
                                         [m](const auto& r) { return m >= r.begin && m <= r.end; });
    if (!month_ok) {
      continue;
    }
    const int dim = kMaxDays[static_cast<std::size_t>(m)];
    for (const auto& r : ti.days_of_month) {
      const int begin = r.begin < 0 ? dim + r.begin + 1 : r.begin;
      if (begin <= dim) {
        return true;
      }
    }
  }
  return false;
}

std::string Describe(const std::vector<schedule::InclusiveRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    out += out.empty() ? "" : ", ";
    out += std::to_string(r.begin);
    if (r.end != r.begin) {
      out += ":" + std::to_string(r.end);
    }
  }
  return "[" + out + "]";
}

// Warns once per (entry, zone, boundary) about a boundary inside a DST gap.
void CheckDstGaps(const schedule::TimeInterval& ti, const date::time_zone& zone, TimePoint now,
                  std::set<std::tuple<std::string, std::string, int>>& seen,
                  std::vector<Diagnostic>& warnings) {
  if (ti.times.empty()) {
    return;
  }
  const auto& z = ti.zone != nullptr ? *ti.zone : zone;
  date::sys_seconds t = date::floor<std::chrono::seconds>(
      date::sys_time<std::chrono::milliseconds>(now.time_since_epoch()));
  const date::sys_seconds end = t + days(366);
  while (t < end) {
    const auto info = z.get_info(t);
    if (info.end >= end || info.end <= t) {
      break;
    }
    const auto next = z.get_info(info.end);
    if (next.offset > info.offset) {
      // Wall-clock times [before, after) do not exist on this date.
      const auto before = date::local_seconds{info.end.time_since_epoch() + info.offset};
      const auto after = date::local_seconds{info.end.time_since_epoch() + next.offset};
      const auto day = date::floor<days>(before);
      const auto gap_from = static_cast<int>(date::floor<minutes>(before - day).count());
      const auto gap_to = static_cast<int>(date::floor<minutes>(after - day).count());
      for (const auto& r : ti.times) {
        for (int b : {r.start_minute, r.end_minute}) {
          if (b <= gap_from || b >= gap_to || b == 1440) {
            continue;
          }
          if (!seen.insert({ti.pos.ToString(), std::string(z.name()), b}).second) {
            continue;
          }
          warnings.push_back({ti.pos, "times boundary " + Clock(b) + " falls in the DST gap of " +
                                          std::string(z.name()) + " on " + date::format("%F", day) +
                                          " (" + Clock(gap_from) + "-" + Clock(gap_to) +
                                          " does not exist); that day the window " +
                                          (b == r.start_minute ? "starts" : "ends") + " at " +
                                          Clock(gap_to)});
        }
      }
    }
    t = info.end;
  }
}

}  // namespace

LintResult Lint(const Config& config, TimePoint now) {
  LintResult out;
  // Entries that never match, wherever they are written (named or inline).
  std::set<std::string> reported;
  const auto check_entries = [&](const std::vector<schedule::TimeInterval>& entries) {
    for (const auto& ti : entries) {
      if (!CanMatch(ti) && reported.insert(ti.pos.ToString()).second) {
        out.warnings.push_back({ti.pos, "time interval entry never matches: days_of_month " +
                                            Describe(ti.days_of_month) +
                                            " never occurs in months " +
                                            (ti.months.empty() ? "[any]" : Describe(ti.months))});
      }
    }
  };
  for (const auto& ni : config.time_intervals) {
    check_entries(ni.intervals);
  }
  // Zone names that load but were likely meant otherwise (an alias, EST).
  std::set<std::string> zone_seen;
  const auto check_zone = [&](const SourcePos& pos, const std::string& name) {
    if (auto advice = ZoneAdvice(name); advice && zone_seen.insert(name + pos.ToString()).second) {
      out.warnings.push_back({pos, *advice});
    }
  };
  check_zone({config.path, 1, 1}, config.global.timezone);
  for (const auto& p : config.people) {
    check_zone(p.pos, p.timezone);
  }
  for (const auto& t : config.teams) {
    check_zone(t.pos, t.timezone);
  }
  // A value in single quotes: Alertmanager's matcher syntax quotes with '"'
  // only, so the quotes are part of the value and it never matches.
  for (const auto& route : config.routes) {
    for (const auto& m : route.matchers) {
      const std::string& v = m.value();
      if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
        out.warnings.push_back(
            {route.pos,
             "route \"" + route.name + "\": matcher " + m.ToString() +
                 " has single quotes in its value, which are part of the value (only double quotes "
                 "quote a matcher value), so it matches only values that start and end with '; "
                 "write " +
                 m.name() + std::string(rules::MatchOpString(m.op())) + "\"" +
                 v.substr(1, v.size() - 2) + "\""});
      }
    }
  }
  std::set<std::tuple<std::string, std::string, int>> dst_seen;
  for (const auto& p : config.people) {
    check_entries(p.hours.intervals);
    for (const auto& ti : p.hours.intervals) {
      CheckDstGaps(ti, *p.zone, now, dst_seen, out.warnings);
    }
    if (p.contacts.empty()) {
      out.warnings.push_back(
          {p.pos, "person \"" + p.id + "\" has no contacts and cannot be notified"});
    }
    if (p.hours.intervals.empty()) {
      out.warnings.push_back({p.pos, "person \"" + p.id + "\" has no hours and is never on duty"});
    }
  }
  for (const auto& t : config.teams) {
    check_entries(t.support_hours.intervals);
    if (t.members.empty()) {
      out.warnings.push_back({t.pos, "team \"" + t.id + "\" has no members"});
    }
  }

  // Required coverage: gaps inside support hours within the next N weeks.
  const schedule::Roster roster(ToRosterSpec(config));
  for (const auto& t : config.teams) {
    if (t.support_hours.intervals.empty() ||
        t.required_coverage.level == RequiredCoverage::Level::kOff) {
      continue;
    }
    const TimePoint to = now + days(7L * t.required_coverage.weeks);
    const auto cov = roster.TeamCoverage(t.id, now, to).value();
    std::vector<schedule::CoverageGap> gaps;
    Duration total{0};
    for (const auto& g : cov.gaps) {
      if (g.in_support_hours) {
        gaps.push_back(g);
        total += g.end - g.start;
      }
    }
    if (gaps.empty()) {
      continue;
    }
    auto& sink =
        t.required_coverage.level == RequiredCoverage::Level::kError ? out.errors : out.warnings;
    std::string msg = "team \"" + t.id + "\": nobody on duty during support hours for " +
                      FormatDuration(std::chrono::duration_cast<minutes>(total)) + " in " +
                      std::to_string(gaps.size()) + " gap" + (gaps.size() == 1 ? "" : "s") +
                      " in the next " + std::to_string(t.required_coverage.weeks) +
                      " weeks; first: ";
    const std::size_t shown = std::min<std::size_t>(gaps.size(), 3);
    for (std::size_t i = 0; i < shown; ++i) {
      msg += (i > 0 ? ", " : "") + schedule::FormatLocalTime(*t.zone, gaps[i].start, now) +
             " for " +
             FormatDuration(std::chrono::duration_cast<minutes>(gaps[i].end - gaps[i].start));
    }
    msg += " (rotactl coverage --team " + t.id + ")";
    sink.push_back({t.pos, msg});
  }
  return out;
}

}  // namespace rota::config
