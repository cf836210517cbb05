#include "schedule/spans.h"

#include <doctest/doctest.h>

using namespace rota::schedule;
using rota::TimePoint;

namespace {
TimePoint T(long long ms) { return TimePoint{std::chrono::milliseconds(ms)}; }
Span S(long long a, long long b) { return {T(a), T(b)}; }
}  // namespace

TEST_CASE("Normalize sorts, merges touching and overlapping spans, drops empty ones") {
  CHECK(Normalize({S(5, 7), S(1, 3), S(3, 4), S(6, 9), S(10, 10)}) == SpanList{S(1, 4), S(5, 9)});
}

TEST_CASE("set operations") {
  const SpanList a{S(0, 10), S(20, 30)};
  const SpanList b{S(5, 25)};
  CHECK(Union(a, b) == SpanList{S(0, 30)});
  CHECK(Intersect(a, b) == SpanList{S(5, 10), S(20, 25)});
  CHECK(Subtract(a, b) == SpanList{S(0, 5), S(25, 30)});
  CHECK(Subtract(b, a) == SpanList{S(10, 20)});
  CHECK(Subtract(a, SpanList{S(2, 3), S(4, 5), S(28, 40)}) ==
        SpanList{S(0, 2), S(3, 4), S(5, 10), S(20, 28)});
  CHECK(Clip(a, T(8), T(22)) == SpanList{S(8, 10), S(20, 22)});
}

TEST_CASE("membership and lookups are half-open") {
  const SpanList a{S(0, 10), S(20, 30)};
  CHECK(Contains(a, T(0)));
  CHECK(Contains(a, T(9)));
  CHECK_FALSE(Contains(a, T(10)));
  CHECK_FALSE(Contains(a, T(-1)));
  CHECK(SpanAt(a, T(25)) == S(20, 30));
  CHECK_FALSE(SpanAt(a, T(15)).has_value());
  CHECK(NextStart(a, T(1)) == S(20, 30));
  CHECK(NextStart(a, T(0)) == S(0, 10));
  CHECK_FALSE(NextStart(a, T(21)).has_value());
}
