#include "ui/sign_in_guard.h"

#include <doctest/doctest.h>

#include "../test_util.h"

using namespace rota;
using namespace rota::ui;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {
TimePoint T0() { return rota::testing::At("2026-12-07T10:00:00Z"); }
}  // namespace

TEST_CASE("sign-in guard: four free tries, then a lock that doubles up to five minutes") {
  SignInGuard g;
  TimePoint t = T0();
  for (int i = 0; i < SignInGuard::kFreeTries; ++i) {
    CHECK_FALSE(g.LockedFor("10.0.0.1", t).has_value());
    (void)g.Refused("10.0.0.1", t);
    t += seconds(1);
  }
  CHECK_FALSE(g.LockedFor("10.0.0.1", t).has_value());
  (void)g.Refused("10.0.0.1", t);  // the fifth
  REQUIRE(g.LockedFor("10.0.0.1", t).has_value());
  CHECK(*g.LockedFor("10.0.0.1", t) == seconds(10));
  CHECK(*g.LockedFor("10.0.0.1", t + seconds(4)) == seconds(6));
  CHECK_FALSE(g.LockedFor("10.0.0.1", t + seconds(10)).has_value());
  CHECK_FALSE(g.LockedFor("10.0.0.2", t).has_value());  // another address is not touched
  CHECK(g.LockedFor("10.0.0.1:40000", t).has_value());  // another port of the same one is
  Duration want = seconds(10);
  for (int i = 0; i < 8; ++i) {
    t += seconds(400);  // after each lock ran out
    (void)g.Refused("10.0.0.1", t);
    want = std::min<Duration>(want * 2, minutes(5));
    CHECK(*g.LockedFor("10.0.0.1", t) == want);
  }
  CHECK(want == minutes(5));
  // A success ends the run: the next refusal is free again.
  g.Succeeded("10.0.0.1");
  (void)g.Refused("10.0.0.1", t);
  CHECK_FALSE(g.LockedFor("10.0.0.1", t).has_value());
}

TEST_CASE("sign-in guard: a run with no refusal for 15 minutes is forgotten") {
  SignInGuard g;
  TimePoint t = T0();
  for (int i = 0; i < SignInGuard::kFreeTries; ++i) {
    (void)g.Refused("a", t);
  }
  t += minutes(15);
  (void)g.Refused("a", t);
  CHECK_FALSE(g.LockedFor("a", t).has_value());
}

TEST_CASE(
    "sign-in guard: one log line a minute at most, saying how many and from how many addresses") {
  SignInGuard g;
  const TimePoint t = T0();
  auto first = g.Refused("a", t);
  REQUIRE(first.has_value());
  CHECK(first->refused == 1);
  int lines = 0;
  for (int i = 0; i < 1000; ++i) {
    lines += g.Refused(i % 2 ? "a" : "b", t + std::chrono::milliseconds(i)).has_value() ? 1 : 0;
  }
  CHECK(lines == 0);
  const auto next = g.Refused("c", t + minutes(1));
  REQUIRE(next.has_value());
  CHECK(next->refused == 1001);
  CHECK(next->addresses == 3);
  CHECK(next->last_remote == "c");
}

TEST_CASE("sign-in guard: the addresses it tracks stay bounded") {
  SignInGuard g;
  const TimePoint t = T0();
  for (std::size_t i = 0; i < 3 * SignInGuard::kMaxAddresses; ++i) {
    for (int k = 0; k <= SignInGuard::kFreeTries; ++k) {
      (void)g.Refused("10.1." + std::to_string(i), t + seconds(static_cast<int>(i)));
    }
  }
  // The newest are still locked; the oldest were dropped to make room.
  const auto newest = "10.1." + std::to_string(3 * SignInGuard::kMaxAddresses - 1);
  CHECK(g.LockedFor(newest, t + seconds(static_cast<int>(3 * SignInGuard::kMaxAddresses)))
            .has_value());
  CHECK_FALSE(g.LockedFor("10.1.0", t).has_value());
}
