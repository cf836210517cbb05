// Clock: the one way the shell learns "now".
//
// Pure modules (schedule, rules, engine) never read a clock; they take "now"
// as an argument. The shell holds a Clock and reads it once per decision pass
// (docs/architecture.md "Modules": the pure core). Tests use ManualClock to move time by hand.
//
// Thread-safety: SystemClock is stateless; ManualClock is not synchronised and
// belongs to one thread.
#pragma once

#include <chrono>

namespace rota {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] TimePoint Now() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  [[nodiscard]] TimePoint Now() const override { return now_; }
  void Advance(std::chrono::milliseconds d) { now_ += d; }
  void Set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_;
};

}  // namespace rota
