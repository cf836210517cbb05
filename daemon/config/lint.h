// Schedule lint: problems in a config that loads but will not do what its
// author meant. Run by `rotactl check config` (and logged by rotad at start
// and reload).
//
//  - a time interval entry that can never match (days_of_month: [31] with
//    months: [february]);
//  - a `times` boundary that falls into a DST gap of the zone it is read in
//    within the next year (the window then starts or ends at the first valid
//    instant, documented, but rarely what was meant);
//  - people without contacts, teams without members;
//  - gaps in a team's support hours within required_coverage.weeks, reported
//    at the team's required_coverage.level (warning by default, or error).
//
// Pure: "now" is an argument. Thread-safety: reentrant.
#pragma once

#include <vector>

#include "config/config.h"
#include "config/loader.h"

namespace rota::config {

struct LintResult {
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
};

LintResult Lint(const Config& config, TimePoint now);

}  // namespace rota::config
