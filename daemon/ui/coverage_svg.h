// The coverage timeline of the Now page: one row per day on the viewer's
// wall clock, 24 hours wide; on-duty windows, gaps inside the team's
// support hours (which need attention) and gaps outside them (expected)
// drawn apart, each rect carrying its exact instants as data-start/data-end
// (RFC 3339) and a <title> for a tooltip. Styled only by CSS classes
// (on, gap-in, gap-out), so the page's Content-Security-Policy holds and
// dark mode recolours it.
//
// A day with a DST change is 23 or 25 hours long and is drawn at the same
// width: positions are proportional within the day.
//
// Pure; thread-safe.
#pragma once

#include <string>

#include "date/tz.h"
#include "schedule/roster.h"

namespace rota::ui {

// REQUIRES: coverage of [from, from + days).
std::string CoverageSvg(const schedule::Coverage& coverage, const date::time_zone& zone,
                        TimePoint from, int days, TimePoint now);

}  // namespace rota::ui
