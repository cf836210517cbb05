// Describe: a timeline entry in English, the one formatter at the edge
// (`rotactl explain`, the API's "what", logs). Instants in RFC 3339 UTC.
//
// Pure; thread-safe.
#pragma once

#include <string>

#include "engine/timeline.h"

namespace rota::engine {

std::string Describe(const Timeline::Entry& e);

}  // namespace rota::engine
