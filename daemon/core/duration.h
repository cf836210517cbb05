// Durations in Prometheus' notation ("30s", "1h30m", "500ms", "2d", "1w").
//
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.h"

namespace rota {

using Duration = std::chrono::milliseconds;

// Parses a duration made of one or more <integer><unit> parts, units in
// descending order, each at most once: y (365d), w, d, h, m, s, ms.
// "0" alone is accepted as zero, as Prometheus does.
Result<Duration> ParseDuration(std::string_view text);

// Formats the shortest Prometheus-style form, e.g. 5400000ms -> "1h30m".
std::string FormatDuration(Duration d);

}  // namespace rota
