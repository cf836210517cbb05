// Wall-clock microseconds shared by loadgen (stamps sent_us) and sink
// (subtracts it on arrival): both run on the same machine and clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace rota::bench {

inline std::int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace rota::bench
