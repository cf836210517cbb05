// POST /v2/enqueue: PagerDuty Events API v2.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/decode.h"
#include "ingest_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto limits = rota::fuzz::SmallLimits();
  static const rota::ingest::PagerDutyKeys keys{{{"k1", {{"service", "payments"}}}, {"k2", {}}}};
  if (auto r = rota::ingest::DecodePagerDuty(body, limits, keys)) {
    rota::fuzz::CheckWithinLimits(r->event, limits, 1);  // + the routing key's label
    ROTA_FUZZ_CHECK(r->dedup_key.size() <= 255, "dedup_key over PagerDuty's 255 bytes");
  } else {
    ROTA_FUZZ_CHECK(!r.error().message().empty(), "an error says what is wrong");
  }
  return 0;
}
