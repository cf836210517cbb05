// What the console does about refused sign-ins: slow an address that keeps
// failing, and keep the journal readable while somebody guesses.
//
// Each address's run of refusals counts (the address without its port:
// "192.0.2.7:51234" is 192.0.2.7); the 5th in a row and every one after
// it lock the address out of sign-in for 10 s, doubling per refusal up to
// 5 min (answered 429 with Retry-After, the token not even checked). A
// success ends the run; a run with no refusal for 15 min is forgotten. At
// most 4,096 addresses are tracked: when full, the quietest half is dropped.
//
// Logging: the first refusal logs one warning line; later ones are counted
// and the next line, at most one a minute, says how many were refused since
// and from how many addresses.
//
// Thread-safety: every method may be called from any thread. "now" is an
// argument; nothing here reads a clock.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "core/clock.h"
#include "core/duration.h"

namespace rota::ui {

class SignInGuard {
 public:
  static constexpr int kFreeTries = 4;
  static constexpr Duration kFirstLock = std::chrono::seconds(10);
  static constexpr Duration kMaxLock = std::chrono::minutes(5);
  static constexpr Duration kForget = std::chrono::minutes(15);
  static constexpr Duration kLogEvery = std::chrono::minutes(1);
  static constexpr std::size_t kMaxAddresses = 4096;

  // How long `remote` must still wait before trying, or nothing.
  [[nodiscard]] std::optional<Duration> LockedFor(const std::string& remote, TimePoint now);

  // One log line to write for this refusal, if one is due.
  struct Line {
    std::uint64_t refused = 0;  // refusals this line reports (this one included)
    std::size_t addresses = 0;  // from how many addresses
    std::string last_remote;
  };
  std::optional<Line> Refused(const std::string& remote, TimePoint now);
  void Succeeded(const std::string& remote);

 private:
  struct Run {
    int failures = 0;
    TimePoint last{};
    TimePoint locked_until{};
  };
  void Trim(TimePoint now);

  std::mutex mu_;
  std::map<std::string, Run> runs_;
  std::optional<TimePoint> last_line_;
  std::uint64_t unlogged_ = 0;
  std::set<std::string> unlogged_from_;
};

}  // namespace rota::ui
