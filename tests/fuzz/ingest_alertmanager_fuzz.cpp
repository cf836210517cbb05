// POST /api/v1/alertmanager: Alertmanager's webhook body (version 4).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/decode.h"
#include "ingest_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto limits = rota::fuzz::SmallLimits();
  if (auto events = rota::ingest::DecodeAlertmanagerWebhook(body, limits)) {
    rota::fuzz::CheckAll(*events, limits);
  } else {
    ROTA_FUZZ_CHECK(!events.error().message().empty(), "an error says what is wrong");
  }
  return 0;
}
