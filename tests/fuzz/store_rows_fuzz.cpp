// The store's decoders for what it reads back at start-up: an alert document,
// a silence, an override (first byte picks which). A row that decodes must
// encode to a document that decodes to the same thing (encode, decode,
// encode again: the same bytes), so a restart never changes state.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "config/loader.h"
#include "fuzz_check.h"
#include "store/alert_codec.h"

namespace {

using namespace rota;

constexpr std::string_view kConfig = R"(people:
  - {id: alice, timezone: Europe/Berlin, hours: [{}]}
  - {id: bob, timezone: Asia/Kolkata}
teams:
  - {id: payments, members: [alice, bob]}
routes:
  - {name: payments, matchers: ['service="payments"'], escalation: payments}
  - {name: db, matchers: ['team=~"db|dba"'], escalation: payments, group_by: [alertname]}
escalations:
  - name: payments
    steps: [{notify: ['team:payments'], escalate_after: 15m}, {notify: ['person:bob']}]
)";

const config::Config& TheConfig() {
  static const std::shared_ptr<const config::Config> config = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "rota-fuzz-store-XXXXXX").string();
    ROTA_FUZZ_CHECK(mkdtemp(dir.data()) != nullptr, "a private temp folder");
    const std::string path = dir + "/rota.yaml";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ROTA_FUZZ_CHECK(f != nullptr &&
                        std::fwrite(kConfig.data(), 1, kConfig.size(), f) == kConfig.size() &&
                        std::fclose(f) == 0,
                    "the config is written");
    auto loaded = config::Load(path);
    ROTA_FUZZ_CHECK(loaded.ok(), "the config loads");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return loaded.config;
  }();
  return *config;
}

template <typename Decode, typename Encode>
void RoundTrip(std::string_view doc, Decode decode, Encode encode) {
  auto first = decode(doc);
  if (!first) {
    ROTA_FUZZ_CHECK(!first.error().message().empty(), "an error says what is wrong");
    return;
  }
  const std::string encoded = encode(*first);
  auto second = decode(encoded);
  ROTA_FUZZ_CHECK(second.has_value(), "what was encoded decodes");
  ROTA_FUZZ_CHECK(encode(*second) == encoded, "encode, decode, encode gives the same bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view doc(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto& config = TheConfig();
  switch (data[0] % 4) {
    case 0:
      RoundTrip(
          doc, [&](std::string_view d) { return store::DecodeAlert(d, config); },
          [&](const engine::Alert& a) { return store::EncodeAlert(a, config); });
      break;
    case 1:
      RoundTrip(doc, store::DecodeSilence, store::EncodeSilence);
      break;
    case 2:
      RoundTrip(doc, store::DecodeOverride, store::EncodeOverride);
      break;
    default:
      RoundTrip(doc, store::DecodeReroute, store::EncodeReroute);
      break;
  }
  return 0;
}
