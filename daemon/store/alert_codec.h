// The stored form of engine state: one compact JSON document per alert
// (routes by name, so a reload that reorders routes keeps them), and per
// silence. Times are Unix milliseconds.
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "core/error.h"
#include "engine/engine.h"

namespace rota::store {

std::string EncodeAlert(const engine::Alert& a, const config::Config& config);
// Routes no longer in `config` decode as removed (route -1).
Result<engine::Alert> DecodeAlert(std::string_view doc, const config::Config& config);

std::string EncodeSilence(const rules::Silence& s);
Result<rules::Silence> DecodeSilence(std::string_view doc);

}  // namespace rota::store
