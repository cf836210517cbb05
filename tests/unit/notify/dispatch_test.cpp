#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "notify/dispatcher.h"
#include "notify/rate.h"

using rota::notify::TokenBucket;
using namespace std::chrono_literals;

TEST_CASE("a token bucket allows its burst, then one per 1/rate") {
  const TokenBucket::Clock::time_point t0{};
  TokenBucket b(2.0, 3, t0);
  CHECK(b.TryTake(t0));
  CHECK(b.TryTake(t0));
  CHECK(b.TryTake(t0));
  CHECK_FALSE(b.TryTake(t0));
  CHECK(b.NextAt(t0) == t0 + 500ms);
  CHECK_FALSE(b.TryTake(t0 + 499ms));
  CHECK(b.TryTake(t0 + 500ms));
  CHECK_FALSE(b.TryTake(t0 + 500ms));
  // A long quiet spell refills to the burst, not beyond.
  CHECK(b.TryTake(t0 + 1h));
  CHECK(b.TryTake(t0 + 1h));
  CHECK(b.TryTake(t0 + 1h));
  CHECK_FALSE(b.TryTake(t0 + 1h));
  // Rate 0 is unlimited.
  TokenBucket open(0, 1, t0);
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(open.TryTake(t0));
  }
  CHECK(open.NextAt(t0) == t0);
  // Reset keeps what was saved, capped at the new burst.
  b.Reset(10.0, 1, t0 + 2h);
  CHECK(b.TryTake(t0 + 2h));
  CHECK_FALSE(b.TryTake(t0 + 2h));
  CHECK(b.NextAt(t0 + 2h) == t0 + 2h + 100ms);
}

namespace {

rota::notify::Message Msg(std::string id) {
  rota::notify::Message m;
  m.id = std::move(id);
  return m;
}

// A channel whose sends block until released, counting how many run at once.
class GatedChannel final : public rota::notify::Channel {
 public:
  GatedChannel(std::string name, int limit) : name_(std::move(name)) {
    set_limits({limit, 0, 1});
  }
  rota::notify::SendResult Send(const rota::notify::Message&) override {
    std::unique_lock lock(mu_);
    ++in_flight_;
    peak_ = std::max(peak_, in_flight_);
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
    --in_flight_;
    ++sent_;
    return {rota::notify::SendOutcome::kDelivered, 1, "ok"};
  }
  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string_view type() const override { return "test"; }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool WaitInFlight(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 30s, [&] { return in_flight_ >= n; });
  }
  int InFlight() {
    std::lock_guard lock(mu_);
    return in_flight_;
  }
  int Peak() {
    std::lock_guard lock(mu_);
    return peak_;
  }

 private:
  std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int in_flight_ = 0;
  int peak_ = 0;
  int sent_ = 0;
};

}  // namespace

TEST_CASE("each channel is its own lane: a blocked channel holds only itself") {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, int> done;
  rota::notify::Dispatcher d(1, [&](const rota::notify::Message&, const rota::notify::Channel& ch,
                                    const rota::notify::SendResult&) {
    std::lock_guard lock(mu);
    ++done[ch.name()];
    cv.notify_all();
  });
  auto slow = std::make_shared<GatedChannel>("slow", 3);
  auto fast = std::make_shared<GatedChannel>("fast", 1);
  fast->Open();
  for (int i = 0; i < 10; ++i) {
    d.Submit(Msg(std::to_string(i)), slow);
  }
  REQUIRE(slow->WaitInFlight(3));
  d.Submit(Msg("f"), fast);
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 30s, [&] { return done["fast"] == 1; }));
  }
  CHECK(slow->InFlight() == 3);
  CHECK(d.Queued() == 7);
  CHECK(d.Workers() >= 4);
  slow->Open();
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 30s, [&] { return done["slow"] == 10; }));
  }
  CHECK(slow->Peak() == 3);
  d.Stop(0ms);
}
