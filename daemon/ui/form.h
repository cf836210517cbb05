// Pure helpers of the web console: form bodies, where a form may send the
// browser back to, instants typed into forms, and times written for people.
//
// Pure; thread-safe.
#pragma once

#include <date/tz.h>

#include <map>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace rota::ui {

// application/x-www-form-urlencoded, decoded; the last value of a name wins.
std::map<std::string, std::string> FormFields(std::string_view body);
std::string Field(const std::map<std::string, std::string>& f, const std::string& name);

// A path to come back to: only this console's own pages.
std::string SafeBack(std::string_view back, std::string_view fallback);

// Times for people: "Wed 09:00" in `zone`, with the date when not within
// the next six days; "in 11 h" / "3 min ago" relative to `now`.
std::string LocalTime(const date::time_zone& zone, TimePoint t, TimePoint now);
std::string Relative(TimePoint t, TimePoint now);
// "14:05" on the zone's wall clock now.
std::string ClockTime(const date::time_zone& zone, TimePoint t);

// A datetime-local form value ("2026-12-03T09:00") in `zone`, or an RFC 3339 instant.
Result<TimePoint> ParseLocalInput(std::string_view value, const date::time_zone& zone);

// Percent-decoding with '+' as a space (forms, cookies); a malformed escape
// is kept as it is.
std::string Decode(std::string_view s);

}  // namespace rota::ui
