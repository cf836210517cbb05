// Time intervals in Alertmanager's `time_intervals` syntax: the building block
// of a person's hours and a team's support hours.
//
// This header holds the data model and the parsers for each field's string
// form, with Alertmanager's validation rules and messages. Evaluation (is an
// instant inside?) lives beside it in the schedules module.
//
// One extension over Alertmanager: a `times` range whose end is before its
// start wraps past midnight and belongs to the day it starts on
// ("22:00"-"02:00"). Equal start and end is still an error.
//
// Pure; thread-safe. Zone objects come from the system tz database through
// Howard Hinnant's date/tz and live for the whole process.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/source_pos.h"

namespace date {
class time_zone;
}

namespace rota::schedule {

// [start_minute, end_minute) in minutes since local midnight; 0..1440.
// end_minute < start_minute means the range wraps past midnight.
struct TimeRange {
  int start_minute = 0;
  int end_minute = 0;
  [[nodiscard]] bool Wraps() const { return end_minute < start_minute; }
  bool operator==(const TimeRange&) const = default;
};

// Inclusive range. Weekdays 0..6 with 0 = Sunday; days of month -31..31 without 0
// (negative counts back from the month's end, -1 = last day); months 1..12; years > 0.
struct InclusiveRange {
  int begin = 0;
  int end = 0;
  bool operator==(const InclusiveRange&) const = default;
};

// One entry of a `time_intervals` list. Fields are AND'ed; an empty field
// matches everything. Entries of a list are OR'ed.
struct TimeInterval {
  std::vector<TimeRange> times;
  std::vector<InclusiveRange> weekdays;
  std::vector<InclusiveRange> days_of_month;
  std::vector<InclusiveRange> months;
  std::vector<InclusiveRange> years;
  // IANA zone name; empty means "the zone of whoever uses the interval".
  std::string location;
  const date::time_zone* zone = nullptr;  // resolved `location`, or null
  SourcePos pos;                          // where the entry was written (for lint)
};

// "HH:MM" with 00:00..23:59, or "24:00". Returns minutes since midnight.
Result<int> ParseClockTime(std::string_view text);
Result<TimeRange> ParseTimeRange(std::string_view start, std::string_view end);
// "monday", "monday:friday" (case-insensitive).
Result<InclusiveRange> ParseWeekdayRange(std::string_view text);
// "1", "1:15", "-3:-1".
Result<InclusiveRange> ParseDayOfMonthRange(std::string_view text);
// "january", "1", "march:may", "3:5".
Result<InclusiveRange> ParseMonthRange(std::string_view text);
// "2026", "2026:2028".
Result<InclusiveRange> ParseYearRange(std::string_view text);

// Looks a zone up in the system tz database (/usr/share/zoneinfo).
Result<const date::time_zone*> FindZone(std::string_view name);

}  // namespace rota::schedule
