// What every rota fuzz target shares: ROTA_FUZZ_CHECK stops the run with
// the property and where it is written, so libFuzzer records the input as a
// crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace rota::fuzz {

inline void CheckAt(bool ok, std::string_view what, const char* file, int line) {
  if (!ok) {
    std::fprintf(stderr, "%s:%d: fuzz check failed: %.*s\n", file, line,
                 static_cast<int>(what.size()), what.data());
    std::abort();
  }
}

}  // namespace rota::fuzz

#define ROTA_FUZZ_CHECK(ok, what) ::rota::fuzz::CheckAt((ok), (what), __FILE__, __LINE__)
