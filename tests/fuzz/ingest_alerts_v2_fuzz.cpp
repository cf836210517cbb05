// POST /api/v2/alerts: what Prometheus sends (Alertmanager API v2).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/decode.h"
#include "ingest_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto limits = rota::fuzz::SmallLimits();
  const rota::TimePoint now{std::chrono::seconds(1795000000)};
  if (auto events = rota::ingest::DecodeAlertsV2(body, limits, std::chrono::minutes(5), now)) {
    rota::fuzz::CheckAll(*events, limits);
    for (const auto& e : *events) {
      // Alertmanager's defaulting: every alert leaves with both instants.
      ROTA_FUZZ_CHECK(e.starts_at.has_value() && e.ends_at.has_value(), "instants defaulted");
    }
  } else {
    ROTA_FUZZ_CHECK(!events.error().message().empty(), "an error says what is wrong");
  }
  return 0;
}
