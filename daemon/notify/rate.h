// A token bucket: at most `rate` events per second, bursts of `burst`.
// Pure: time is an argument, so tests move it by hand.
#pragma once

#include <chrono>

namespace rota::notify {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // rate <= 0 means unlimited.
  TokenBucket(double rate, int burst, Clock::time_point now);

  // Takes one token if there is one at `now`.
  bool TryTake(Clock::time_point now);
  // When the next token will be there (now if there is one).
  [[nodiscard]] Clock::time_point NextAt(Clock::time_point now) const;
  // Changes the rate and burst, keeping the tokens saved so far (capped).
  void Reset(double rate, int burst, Clock::time_point now);

 private:
  void Refill(Clock::time_point now);

  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace rota::notify
