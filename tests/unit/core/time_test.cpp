#include "core/time.h"

#include <doctest/doctest.h>

using namespace std::chrono;

TEST_CASE("ParseRfc3339 reads UTC and offset instants to the same point") {
  auto z = rota::ParseRfc3339("2026-11-23T09:00:00Z");
  auto off = rota::ParseRfc3339("2026-11-23T10:00:00+01:00");
  auto frac = rota::ParseRfc3339("2026-11-23T09:00:00.250Z");
  REQUIRE(z.has_value());
  REQUIRE(off.has_value());
  REQUIRE(frac.has_value());
  CHECK(*z == *off);
  CHECK(*frac - *z == milliseconds(250));
  CHECK(z->time_since_epoch() == milliseconds(1795424400000LL));
  auto nanos = rota::ParseRfc3339("2026-11-23T09:00:00.123456789Z");
  REQUIRE(nanos.has_value());
  CHECK(*nanos - *z == milliseconds(123));
  auto nanos_offset = rota::ParseRfc3339("2026-11-23T10:00:00.5+01:00");
  REQUIRE(nanos_offset.has_value());
  CHECK(*nanos_offset - *z == milliseconds(500));
}

TEST_CASE("ParseRfc3339 rejects what is not an instant") {
  for (const char* t :
       {"", "2026-11-23", "2026-11-23 09:00:00Z", "2026-11-23T09:00:00", "2026-13-01T00:00:00Z",
        "2026-11-23T09:00:00Zjunk", "2026-11-23T09:00:00.Z",
        // offsets that are not +HH:MM (a lone sign overflowed inside date::parse)
        "2026-11-23T09:30:00-.123+01:00", "2026-11-23T09:30:00-", "2026-11-23T09:30:00+1:00",
        "2026-11-23T09:30:00+0100", "2026-11-23T09:30:00+01:0x", "x026-11-23T09:30:00Z",
        "2026-11-23T0a:30:00Z"}) {
    CAPTURE(t);
    CHECK_FALSE(rota::ParseRfc3339(t).has_value());
  }
}

TEST_CASE("FormatRfc3339 prints UTC and round-trips") {
  auto t = rota::ParseRfc3339("2026-03-29T01:30:00+00:00");
  REQUIRE(t.has_value());
  CHECK(rota::FormatRfc3339(*t) == "2026-03-29T01:30:00Z");
  CHECK(rota::FormatRfc3339(*t + milliseconds(5)) == "2026-03-29T01:30:00.005Z");
}

TEST_CASE("ParseDate checks the calendar") {
  CHECK(rota::ParseDate("2028-02-29").has_value());
  CHECK_FALSE(rota::ParseDate("2027-02-29").has_value());
  CHECK_FALSE(rota::ParseDate("2027-2-1").has_value());
  CHECK_FALSE(rota::ParseDate("2027-02-0x").has_value());
}

TEST_CASE("ParseLocalDateTime reads a wall-clock date and time") {
  auto t = rota::ParseLocalDateTime("2026-01-05T09:00");
  REQUIRE(t.has_value());
  CHECK(t->count() == (20458LL * 24 + 9) * 60);  // days since epoch to 2026-01-05
  CHECK(rota::ParseLocalDateTime("2026-01-05 09:00").has_value());
  CHECK_FALSE(rota::ParseLocalDateTime("2026-01-05T09:00:00").has_value());
  CHECK_FALSE(rota::ParseLocalDateTime("monday 9am").has_value());
}
