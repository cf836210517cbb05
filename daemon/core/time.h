// Instants and their text forms (RFC 3339, always UTC on output).
//
// Pure; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace rota {

// Accepts "2026-11-23T09:00:00Z", "...T09:00:00.250Z", "...T10:00:00+01:00".
Result<TimePoint> ParseRfc3339(std::string_view text);
// "2026-11-23T09:00:00Z" (milliseconds shown only when non-zero).
std::string FormatRfc3339(TimePoint t);
// "2026-12-24" → a calendar date.
Result<std::chrono::year_month_day> ParseDate(std::string_view text);
// "2026-01-05T09:00" (or with a space) → a wall-clock date and time, no zone.
// Returns minutes since 1970-01-01T00:00 on that wall clock.
Result<std::chrono::minutes> ParseLocalDateTime(std::string_view text);

}  // namespace rota
