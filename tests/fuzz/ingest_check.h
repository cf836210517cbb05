// The invariants of a decoded event that every ingest decoder must keep:
// what passes a decoder is within the limits it was given, so it is what the
// engine and the store may trust.
#pragma once

#include <vector>

#include "engine/types.h"
#include "fuzz_check.h"
#include "ingest/decode.h"

namespace rota::fuzz {

// A decoded event is within the limits the decoder was given: what passes
// here is what the engine and the store may trust.
inline void CheckWithinLimits(const engine::Event& e, const ingest::Limits& limits,
                              std::size_t extra_labels = 0) {
  ROTA_FUZZ_CHECK(e.labels.size() <= limits.max_labels + extra_labels, "too many labels");
  for (const auto& [name, value] : e.labels.pairs()) {
    ROTA_FUZZ_CHECK(!name.empty() && name.size() <= limits.max_label_name_bytes, "label name size");
    ROTA_FUZZ_CHECK(value.size() <= limits.max_label_value_bytes, "label value size");
  }
  for (const auto& [name, value] : e.annotations) {
    ROTA_FUZZ_CHECK(value.size() <= limits.max_annotation_bytes, "annotation size");
  }
  // PagerDuty's dedup_key has PagerDuty's own limit (255 bytes), checked by its target.
  ROTA_FUZZ_CHECK(e.source == "pagerduty" || e.dedup_key.size() <= limits.max_label_value_bytes,
                  "dedup_key size");
  ROTA_FUZZ_CHECK(e.actor.size() <= limits.max_label_value_bytes, "actor size");
  ROTA_FUZZ_CHECK(e.generator_url.size() <= limits.max_label_value_bytes, "generator_url size");
  if (e.starts_at && e.ends_at && e.action == engine::Action::kTrigger) {
    ROTA_FUZZ_CHECK(
        *e.ends_at >= *e.starts_at || e.source == "alertmanager" || e.source == "prometheus",
        "ends_at before starts_at");
  }
}

inline void CheckAll(const std::vector<engine::Event>& events, const ingest::Limits& limits) {
  ROTA_FUZZ_CHECK(events.size() <= limits.max_alerts, "too many alerts");
  for (const auto& e : events) {
    CheckWithinLimits(e, limits);
  }
}

// Small limits, so the fuzzer reaches them with short inputs.
inline ingest::Limits SmallLimits() {
  ingest::Limits l;
  l.max_alerts = 8;
  l.max_labels = 8;
  l.max_label_name_bytes = 32;
  l.max_label_value_bytes = 64;
  l.max_annotation_bytes = 128;
  return l;
}

}  // namespace rota::fuzz
