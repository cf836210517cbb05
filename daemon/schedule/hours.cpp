#include "schedule/hours.h"

#include <algorithm>

namespace rota::schedule {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

// No zone is further than this from UTC (the widest real offsets are -12h/+14h).
constexpr hours kMaxOffset{15};

TimePoint ToInstant(date::sys_seconds s) { return TimePoint{s.time_since_epoch()}; }

int DaysInMonth(date::year_month_day d) {
  return static_cast<int>(static_cast<unsigned>((d.year() / d.month() / date::last).day()));
}

bool InRanges(const std::vector<InclusiveRange>& ranges, int v) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [v](const InclusiveRange& r) { return v >= r.begin && v <= r.end; });
}

bool DayOfMonthMatches(const std::vector<InclusiveRange>& ranges, date::year_month_day d) {
  const int dim = DaysInMonth(d);
  const int day = static_cast<int>(static_cast<unsigned>(d.day()));
  for (const auto& r : ranges) {
    int begin = r.begin < 0 ? dim + r.begin + 1 : r.begin;
    int end = r.end < 0 ? dim + r.end + 1 : r.end;
    if (begin > dim) {
      continue;  // e.g. 31 in a 30-day month: nothing to clamp to
    }
    begin = std::clamp(begin, -dim, dim);
    end = std::clamp(end, -dim, dim);
    if (day >= begin && day <= end) {
      return true;
    }
  }
  return false;
}

const date::time_zone& ZoneOf(const TimeInterval& ti, const date::time_zone& default_zone) {
  return ti.zone != nullptr ? *ti.zone : default_zone;
}

}  // namespace

SpanList LocalRangeToSpans(const date::time_zone& zone, LocalMinutes a, LocalMinutes b) {
  SpanList out;
  if (b <= a) {
    return out;
  }
  const date::sys_seconds lo{
      std::chrono::duration_cast<std::chrono::seconds>(a.time_since_epoch() - kMaxOffset)};
  const date::sys_seconds hi{
      std::chrono::duration_cast<std::chrono::seconds>(b.time_since_epoch() + kMaxOffset)};
  date::sys_seconds t = lo;
  while (t < hi) {
    const date::sys_info info = zone.get_info(t);
    // Within this period local = sys + offset, so sys = local - offset.
    const date::sys_seconds s{a.time_since_epoch() - info.offset};
    const date::sys_seconds e{b.time_since_epoch() - info.offset};
    const date::sys_seconds start = std::max(s, info.begin);
    const date::sys_seconds end = std::min(e, info.end);
    if (start < end) {
      out.push_back({ToInstant(start), ToInstant(end)});
    }
    if (info.end <= t) {
      break;  // defensive: the database's last period
    }
    t = info.end;
  }
  return Normalize(std::move(out));
}

TimePoint FirstInstantAtOrAfter(const date::time_zone& zone, LocalMinutes local) {
  const auto spans = LocalRangeToSpans(zone, local, local + days(3));
  return spans.empty() ? TimePoint{local.time_since_epoch()} : spans.front().start;
}

bool DayMatches(const TimeInterval& ti, date::year_month_day day) {
  if (!ti.weekdays.empty()) {
    const int wd = static_cast<int>(date::weekday(date::sys_days(day)).c_encoding());
    if (!InRanges(ti.weekdays, wd)) {
      return false;
    }
  }
  if (!ti.days_of_month.empty() && !DayOfMonthMatches(ti.days_of_month, day)) {
    return false;
  }
  if (!ti.months.empty() &&
      !InRanges(ti.months, static_cast<int>(static_cast<unsigned>(day.month())))) {
    return false;
  }
  if (!ti.years.empty() && !InRanges(ti.years, static_cast<int>(day.year()))) {
    return false;
  }
  return true;
}

bool Contains(const TimeInterval& ti, const date::time_zone& default_zone, TimePoint t) {
  const auto& zone = ZoneOf(ti, default_zone);
  const auto local = zone.to_local(date::sys_time<std::chrono::milliseconds>(t.time_since_epoch()));
  const auto local_day = date::floor<days>(local);
  const date::year_month_day today{local_day};
  const int minute =
      static_cast<int>(std::chrono::duration_cast<minutes>(local - local_day).count());
  if (ti.times.empty()) {
    return DayMatches(ti, today);
  }
  const date::year_month_day yesterday{local_day - days(1)};
  for (const auto& r : ti.times) {
    if (!r.Wraps()) {
      if (minute >= r.start_minute && minute < r.end_minute && DayMatches(ti, today)) {
        return true;
      }
    } else {
      if (minute >= r.start_minute && DayMatches(ti, today)) {
        return true;
      }
      if (minute < r.end_minute && DayMatches(ti, yesterday)) {
        return true;
      }
    }
  }
  return false;
}

bool ContainsAny(const std::vector<TimeInterval>& intervals, const date::time_zone& default_zone,
                 TimePoint t) {
  return std::any_of(intervals.begin(), intervals.end(),
                     [&](const TimeInterval& ti) { return Contains(ti, default_zone, t); });
}

SpanList IntervalSpans(const std::vector<TimeInterval>& intervals,
                       const date::time_zone& default_zone, TimePoint from, TimePoint to) {
  SpanList out;
  if (to <= from) {
    return out;
  }
  for (const auto& ti : intervals) {
    const auto& zone = ZoneOf(ti, default_zone);
    const auto first = date::floor<days>(zone.to_local(
                           date::sys_time<std::chrono::milliseconds>(from.time_since_epoch()))) -
                       days(1);
    const auto last = date::floor<days>(zone.to_local(
                          date::sys_time<std::chrono::milliseconds>(to.time_since_epoch()))) +
                      days(1);
    for (auto day = first; day <= last; day += days(1)) {
      if (!DayMatches(ti, date::year_month_day{day})) {
        continue;
      }
      const LocalMinutes midnight{day.time_since_epoch()};
      if (ti.times.empty()) {
        auto s = LocalRangeToSpans(zone, midnight, midnight + days(1));
        out.insert(out.end(), s.begin(), s.end());
        continue;
      }
      for (const auto& r : ti.times) {
        const LocalMinutes a = midnight + minutes(r.start_minute);
        const LocalMinutes b = midnight + minutes(r.end_minute) + (r.Wraps() ? days(1) : days(0));
        auto s = LocalRangeToSpans(zone, a, b);
        out.insert(out.end(), s.begin(), s.end());
      }
    }
  }
  return Clip(Normalize(std::move(out)), from, to);
}

}  // namespace rota::schedule
