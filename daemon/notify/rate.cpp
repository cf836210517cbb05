#include "notify/rate.h"

#include <algorithm>
#include <cmath>

namespace rota::notify {

TokenBucket::TokenBucket(double rate, int burst, Clock::time_point now)
    : rate_(rate), burst_(std::max(1, burst)), tokens_(std::max(1, burst)), last_(now) {}

void TokenBucket::Refill(Clock::time_point now) {
  if (now > last_) {
    const double seconds = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + seconds * rate_);
    last_ = now;
  }
}

bool TokenBucket::TryTake(Clock::time_point now) {
  if (rate_ <= 0) {
    return true;
  }
  Refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  return false;
}

TokenBucket::Clock::time_point TokenBucket::NextAt(Clock::time_point now) const {
  if (rate_ <= 0) {
    return now;
  }
  const double seconds = std::chrono::duration<double>(now - last_).count();
  const double have = std::min(burst_, tokens_ + std::max(0.0, seconds) * rate_);
  if (have >= 1.0) {
    return now;
  }
  const auto wait = std::chrono::duration<double>((1.0 - have) / rate_);
  return now + std::chrono::ceil<Clock::duration>(wait);
}

void TokenBucket::Reset(double rate, int burst, Clock::time_point now) {
  Refill(now);
  rate_ = rate;
  burst_ = std::max(1, burst);
  tokens_ = std::min(tokens_, burst_);
}

}  // namespace rota::notify
