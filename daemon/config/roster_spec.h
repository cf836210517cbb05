// Builds the schedules module's input from a loaded Config.
//
// Pure; thread-safe.
#pragma once

#include <vector>

#include "config/config.h"
#include "schedule/roster.h"

namespace rota::config {

// REQUIRES: `config` came from Load() (references resolved, zones set).
// `runtime_overrides` (added through the API) follow the config's own.
schedule::RosterSpec ToRosterSpec(const Config& config,
                                  std::vector<schedule::OverrideSpec> runtime_overrides = {});

}  // namespace rota::config
