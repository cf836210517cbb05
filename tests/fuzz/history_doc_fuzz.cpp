// A stored history record (review::DecodeFacts): whatever decodes encodes to
// a document that decodes to the same encoding; anything else is an error
// with a message, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "review/facts.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto f = rota::review::DecodeFacts(text);
  if (!f) {
    ROTA_FUZZ_CHECK(!f.error().message().empty(), "an error says what is wrong");
    return 0;
  }
  const std::string doc = rota::review::EncodeFacts(*f);
  auto again = rota::review::DecodeFacts(doc);
  ROTA_FUZZ_CHECK(again.has_value(), "an encoded record decodes");
  ROTA_FUZZ_CHECK(rota::review::EncodeFacts(*again) == doc, "encoding is stable");
  return 0;
}
