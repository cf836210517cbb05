// Evaluating hours: which instants a set of time intervals covers.
//
// The one rule: an instant t is inside an interval when the wall-clock time
// of t in the interval's zone (its `location`, else the owner's zone)
// satisfies it, Alertmanager's semantics, plus wrapping `times` ranges
// (22:00-02:00) that belong to the day they start on. Every DST behaviour
// follows from that rule:
//  - spring forward: a window over the missing hour is shorter by it; a
//    boundary inside the missing hour takes effect at the first valid instant
//    (the transition itself);
//  - fall back: wall-clock times in the repeated hour happen twice, so a window
//    over them covers both passes.
//
// Two implementations of the rule live here: Contains() evaluates one instant
// directly; IntervalSpans() computes the exact spans of a time range by taking
// preimages of local ranges under each UTC-offset period of the zone, so its
// cost grows with the number of windows, not with the length of the range.
// Tests check each against the other and against Python's zoneinfo.
//
// Pure; thread-safe.
#pragma once

#include <date/tz.h>

#include <vector>

#include "schedule/spans.h"
#include "schedule/time_interval.h"

namespace rota::schedule {

using LocalMinutes = date::local_time<std::chrono::minutes>;

// The instants whose wall-clock time in `zone` lies in [a, b).
SpanList LocalRangeToSpans(const date::time_zone& zone, LocalMinutes a, LocalMinutes b);

// The earliest instant whose wall-clock time in `zone` is >= `local`
// (a time inside a DST gap maps to the end of the gap).
TimePoint FirstInstantAtOrAfter(const date::time_zone& zone, LocalMinutes local);

// Whether the day-level fields (weekdays, days_of_month, months, years) of
// `ti` accept the local calendar date `day`.
bool DayMatches(const TimeInterval& ti, date::year_month_day day);

// Direct evaluation of one instant.
bool Contains(const TimeInterval& ti, const date::time_zone& default_zone, TimePoint t);
bool ContainsAny(const std::vector<TimeInterval>& intervals, const date::time_zone& default_zone,
                 TimePoint t);

// The exact spans, within [from, to), of the OR of `intervals`.
SpanList IntervalSpans(const std::vector<TimeInterval>& intervals,
                       const date::time_zone& default_zone, TimePoint from, TimePoint to);

}  // namespace rota::schedule
