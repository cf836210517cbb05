#include "core/duration.h"

#include <doctest/doctest.h>

using rota::Duration;
using rota::FormatDuration;
using rota::ParseDuration;
using namespace std::chrono_literals;

TEST_CASE("ParseDuration accepts Prometheus durations") {
  struct Case {
    const char* text;
    Duration want;
  };
  const Case cases[] = {
      {"0", 0ms},     {"0s", 0ms},       {"500ms", 500ms},     {"30s", 30s},
      {"15m", 15min}, {"1h30m", 90min},  {"2d", 48h},          {"1w", 168h},
      {"1y", 8760h},  {"1h0m5s", 3605s}, {"1m500ms", 60500ms},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto got = ParseDuration(c.text);
    REQUIRE(got.has_value());
    CHECK(*got == c.want);
  }
}

TEST_CASE("ParseDuration rejects malformed durations with a reason") {
  for (const char* text : {"", "5", "m", "1x", "-5m", "5m1h", "1h1h", "1.5h", "5 m", "h5"}) {
    CAPTURE(text);
    auto got = ParseDuration(text);
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().message().find(text) != std::string::npos);
  }
}

TEST_CASE("ParseDuration rejects overflow") {
  CHECK_FALSE(ParseDuration("99999999999999999999s").has_value());
  CHECK_FALSE(ParseDuration("9223372036854775y").has_value());
  // Nothing may end past year 9999: at most 1000 years.
  CHECK(ParseDuration("1000y").has_value());
  CHECK_FALSE(ParseDuration("1001y").has_value());
  CHECK(ParseDuration("100000000y").error().message().find("at most 1000y") != std::string::npos);
}

TEST_CASE("FormatDuration round-trips through ParseDuration") {
  for (Duration d : {Duration{0}, Duration{1}, Duration{1500}, Duration{90 * 60 * 1000},
                     Duration{8 * 24 * 3600 * 1000LL + 5}}) {
    auto back = ParseDuration(FormatDuration(d));
    REQUIRE(back.has_value());
    CHECK(*back == d);
  }
  CHECK(FormatDuration(90min) == "1h30m");
}
