// The matcher parser (routes, silences, inhibit rules, ?filter=): whatever
// parses prints in canonical form, and that form parses back to the same
// matchers that match the same values.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "rules/matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = rota::rules::ParseMatchers(text);
  if (!parsed) {
    ROTA_FUZZ_CHECK(!parsed.error().message().empty(), "an error says what is wrong");
    return 0;
  }
  std::string canonical = "{";
  for (std::size_t i = 0; i < parsed->size(); ++i) {
    canonical += (i ? ", " : "") + (*parsed)[i].ToString();
  }
  canonical += "}";
  auto again = rota::rules::ParseMatchers(canonical);
  ROTA_FUZZ_CHECK(again.has_value(), "the canonical form parses");
  ROTA_FUZZ_CHECK(again->size() == parsed->size(), "the canonical form keeps every matcher");
  for (std::size_t i = 0; i < parsed->size(); ++i) {
    const auto& a = (*parsed)[i];
    const auto& b = (*again)[i];
    ROTA_FUZZ_CHECK(a.name() == b.name() && a.op() == b.op() && a.value() == b.value(),
                    "the canonical form round-trips");
    ROTA_FUZZ_CHECK(rota::rules::IsValidLabelName(a.name()), "names are valid label names");
    for (std::string_view probe : {std::string_view(), text, std::string_view(a.value())}) {
      ROTA_FUZZ_CHECK(a.Matches(probe) == b.Matches(probe), "the same values match");
    }
  }
  return 0;
}
