// The stored form of engine state: one compact JSON document per alert
// (routes by name, so a reload that reorders routes keeps them), and per
// silence and run-time override. Times are Unix milliseconds.
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.h"
#include "core/error.h"
#include "engine/engine.h"

namespace rota::store {

std::string EncodeAlert(const engine::Alert& a, const config::Config& config);

// Decodes many documents against one config: route names are looked up in a
// table built once (a config may have 10,000 routes, a store a million
// alerts). Routes no longer in the config decode as removed (route -1).
// Thread-safety: Decode is const and may run on several threads at once.
class AlertDecoder {
 public:
  explicit AlertDecoder(const config::Config& config);
  [[nodiscard]] Result<engine::Alert> Decode(std::string_view doc) const;

 private:
  std::unordered_map<std::string_view, int> route_by_name_;  // views into the config
};

// One document; AlertDecoder for many.
Result<engine::Alert> DecodeAlert(std::string_view doc, const config::Config& config);

std::string EncodeSilence(const rules::Silence& s);
Result<rules::Silence> DecodeSilence(std::string_view doc);
// A run-time reroute (stored in meta as "reroute:<id>").
std::string EncodeReroute(const engine::Reroute& r);
Result<engine::Reroute> DecodeReroute(std::string_view doc);

std::string EncodeOverride(const schedule::OverrideSpec& o);
Result<schedule::OverrideSpec> DecodeOverride(std::string_view doc);

// A run-time silence or override as both backends store it: its id, when it
// ends (Unix ms) and its document.
struct DocRow {
  std::string id;
  std::int64_t end = 0;
  std::string doc;
};
DocRow SilenceRow(const rules::Silence& s);
DocRow OverrideRow(const schedule::OverrideSpec& o);

// N of a run-time id "<prefix>N" ("s-12", "o-3"), or 0.
std::uint64_t IdSerial(std::string_view id, std::string_view prefix);

}  // namespace rota::store
