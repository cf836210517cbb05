#include "engine/timeline.h"

#include <doctest/doctest.h>

#include <chrono>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace rota::engine {
namespace {

TimePoint Ms(std::int64_t ms) { return TimePoint{std::chrono::milliseconds(ms)}; }

static_assert(std::forward_iterator<Timeline::Iterator>);

TEST_CASE("a new timeline is empty") {
  Timeline t;
  CHECK(t.empty());
  CHECK(t.size() == 0);
  CHECK(t.begin() == t.end());
}

TEST_CASE("entries come back in order with their times and texts") {
  Timeline t;
  t.Add(Ms(1'700'000'000'000), "received from prometheus {alertname=\"A\"}");
  t.Add(Ms(-5), "");  // a time before 1970 and an empty text survive too
  t.Add(Ms(1'700'000'000'123), "notified alice");
  REQUIRE(t.size() == 3);
  std::vector<Timeline::Entry> got(t.begin(), t.end());
  REQUIRE(got.size() == 3);
  CHECK(got[0].at == Ms(1'700'000'000'000));
  CHECK(got[0].what == "received from prometheus {alertname=\"A\"}");
  CHECK(got[1].at == Ms(-5));
  CHECK(got[1].what.empty());
  CHECK(got[2].what == "notified alice");
  CHECK(t.back().what == "notified alice");
  CHECK(t.back().at == Ms(1'700'000'000'123));
}

TEST_CASE("a timeline matches a plain vector of entries over many random appends") {
  // The oracle is the obvious representation: a vector of (time, string).
  std::mt19937_64 rng(42);
  for (int round = 0; round < 50; ++round) {
    Timeline t;
    std::vector<std::pair<std::int64_t, std::string>> oracle;
    const int n = static_cast<int>(rng() % 400);
    for (int i = 0; i < n; ++i) {
      const auto ms = static_cast<std::int64_t>(rng() % 4'000'000'000'000ULL);
      std::string text(rng() % 200, 'a');
      for (auto& c : text) {
        c = static_cast<char>(rng() % 256);  // any bytes, NULs included
      }
      t.Add(Ms(ms), text);
      oracle.emplace_back(ms, std::move(text));
      REQUIRE(t.back().what == oracle.back().second);
    }
    REQUIRE(t.size() == oracle.size());
    std::size_t i = 0;
    for (const auto e : t) {
      REQUIRE(i < oracle.size());
      CHECK(e.at == Ms(oracle[i].first));
      CHECK(e.what == oracle[i].second);
      ++i;
    }
    CHECK(i == oracle.size());
  }
}

TEST_CASE("a short timeline holds no more than it needs") {
  Timeline t;
  std::size_t text = 0;
  for (const char* what : {"received from prometheus {alertname=\"LoadGen\", id=\"r-0-200\"}",
                           "matched route all (escalation page)",
                           "step 1 (person:oncall): notified oncall",
                           "delivered to oncall via sink (HTTP 200, 1 attempt)"}) {
    t.Add(Ms(1), what);
    text += std::string_view(what).size();
  }
  // 12 bytes of header per entry, and no growth slack while small.
  CHECK(t.Bytes() == text + 4 * 12);
}

}  // namespace
}  // namespace rota::engine
