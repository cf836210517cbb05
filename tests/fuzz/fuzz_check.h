// What every rota fuzz target shares: a check that stops the run with a
// message, so libFuzzer records the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace rota::fuzz {

inline void Check(bool ok, std::string_view what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz check failed: %.*s\n", static_cast<int>(what.size()), what.data());
    std::abort();
  }
}

}  // namespace rota::fuzz
