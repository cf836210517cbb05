// Hours evaluation: table tests per rule (on the boundary minute, one before,
// one after, overnight, month ends, leap day, 24:00) and DST behaviour, in the
// style of Alertmanager's timeinterval_test.go. Each case is checked through
// both implementations: direct Contains() and the precomputed IntervalSpans().
#include "schedule/hours.h"

#include <doctest/doctest.h>

#include "core/time.h"

using namespace rota::schedule;
using rota::TimePoint;

namespace {

TimePoint At(const char* rfc3339) {
  auto t = rota::ParseRfc3339(rfc3339);
  REQUIRE_MESSAGE(t.has_value(), rfc3339);
  return *t;
}

const date::time_zone& Zone(const char* name) { return *FindZone(name).value(); }

TimeInterval Times(int sh, int sm, int eh, int em) {
  TimeInterval ti;
  ti.times.push_back(
      ParseTimeRange(
          (std::to_string(100 + sh).substr(1) + ":" + std::to_string(100 + sm).substr(1)),
          (std::to_string(100 + eh).substr(1) + ":" + std::to_string(100 + em).substr(1)))
          .value());
  return ti;
}

struct Case {
  const char* at;
  bool want;
};

// Checks every case through Contains() and through IntervalSpans() over a
// range that starts well before and ends well after the instant.
void CheckCases(const TimeInterval& ti, const char* zone, std::initializer_list<Case> cases) {
  const auto& z = Zone(zone);
  for (const auto& c : cases) {
    CAPTURE(c.at);
    const TimePoint t = At(c.at);
    CHECK(Contains(ti, z, t) == c.want);
    const auto spans =
        IntervalSpans({ti}, z, t - std::chrono::hours(50), t + std::chrono::hours(50));
    CHECK(rota::schedule::Contains(spans, t) == c.want);
  }
}

}  // namespace

TEST_CASE("times: start inclusive, end exclusive, minute boundaries") {
  CheckCases(Times(9, 0, 13, 0), "UTC",
             {{"2026-11-23T08:59:00Z", false},
              {"2026-11-23T08:59:59.999Z", false},
              {"2026-11-23T09:00:00Z", true},
              {"2026-11-23T09:01:00Z", true},
              {"2026-11-23T12:59:59Z", true},
              {"2026-11-23T13:00:00Z", false},
              {"2026-11-23T13:01:00Z", false}});
}

TEST_CASE("times: 24:00 ends at midnight") {
  CheckCases(Times(22, 0, 24, 0), "UTC",
             {{"2026-11-23T21:59:00Z", false},
              {"2026-11-23T22:00:00Z", true},
              {"2026-11-23T23:59:00Z", true},
              {"2026-11-24T00:00:00Z", false}});
}

TEST_CASE("times: overnight range belongs to the day it starts on") {
  TimeInterval ti = Times(22, 0, 2, 0);
  ti.weekdays.push_back(ParseWeekdayRange("monday").value());
  // 2026-11-23 is a Monday.
  CheckCases(ti, "UTC",
             {{"2026-11-23T21:59:00Z", false},
              {"2026-11-23T22:00:00Z", true},
              {"2026-11-24T01:59:00Z", true},  // Tuesday, but the range started Monday
              {"2026-11-24T02:00:00Z", false},
              {"2026-11-24T22:00:00Z", false},    // Tuesday evening: not Monday
              {"2026-11-23T01:00:00Z", false}});  // Monday early: belongs to Sunday's range
}

TEST_CASE("weekdays use the person's wall clock, Sunday = 0") {
  TimeInterval ti;
  ti.weekdays.push_back(ParseWeekdayRange("monday:thursday").value());
  ti.times = Times(9, 0, 13, 0).times;
  // Berlin is UTC+1 in November.
  CheckCases(ti, "Europe/Berlin",
             {{"2026-11-23T07:59:00Z", false},
              {"2026-11-23T08:00:00Z", true},     // Mon 09:00 Berlin
              {"2026-11-26T11:59:00Z", true},     // Thu 12:59 Berlin
              {"2026-11-27T08:00:00Z", false},    // Fri
              {"2026-11-22T08:00:00Z", false}});  // Sun
}

TEST_CASE("days_of_month: negative counts from the month's end, clamped") {
  TimeInterval last3;
  last3.days_of_month.push_back(ParseDayOfMonthRange("-3:-1").value());
  CheckCases(last3, "UTC",
             {{"2026-02-25T23:59:00Z", false},
              {"2026-02-26T00:00:00Z", true},  // 28-day February: 26, 27, 28
              {"2026-02-28T23:59:00Z", true},
              {"2026-03-01T00:00:00Z", false},
              {"2028-02-27T00:00:00Z", true},  // leap year: 27, 28, 29
              {"2028-02-29T12:00:00Z", true},
              {"2028-02-26T12:00:00Z", false}});
  TimeInterval d31;
  d31.days_of_month.push_back(ParseDayOfMonthRange("31").value());
  CheckCases(d31, "UTC",
             {{"2026-01-31T12:00:00Z", true},
              {"2026-04-30T12:00:00Z", false},  // no 31st: nothing to clamp to
              {"2026-05-01T00:00:00Z", false}});
  TimeInterval to_end;
  to_end.days_of_month.push_back(ParseDayOfMonthRange("25:31").value());
  CheckCases(to_end, "UTC",
             {{"2026-04-30T23:59:00Z", true},  // end clamped to 30
              {"2026-04-24T23:59:00Z", false}});
}

TEST_CASE("leap day, months and years") {
  TimeInterval ti;
  ti.months.push_back(ParseMonthRange("february").value());
  ti.days_of_month.push_back(ParseDayOfMonthRange("29").value());
  ti.years.push_back(ParseYearRange("2028:2032").value());
  CheckCases(ti, "UTC",
             {{"2028-02-29T00:00:00Z", true},
              {"2028-03-01T00:00:00Z", false},
              {"2032-02-29T23:59:00Z", true},
              {"2024-02-29T12:00:00Z", false},  // before the years
              {"2026-03-01T00:00:00Z", false}});
}

TEST_CASE("an empty entry matches every instant (the 24/7 idiom)") {
  TimeInterval always;
  CheckCases(always, "Pacific/Chatham",
             {{"2026-01-01T00:00:00Z", true}, {"2026-09-27T14:00:00Z", true}});
  const auto spans = IntervalSpans({always}, Zone("Pacific/Chatham"), At("2026-01-01T00:00:00Z"),
                                   At("2027-01-01T00:00:00Z"));
  REQUIRE(spans.size() == 1);  // one unbroken span across both DST changes
  CHECK(spans[0] == Span{At("2026-01-01T00:00:00Z"), At("2027-01-01T00:00:00Z")});
}

TEST_CASE("location of the interval wins over the person's zone") {
  TimeInterval ti = Times(9, 0, 10, 0);
  ti.location = "Asia/Kolkata";
  ti.zone = &Zone("Asia/Kolkata");
  CheckCases(ti, "America/New_York",
             {{"2026-11-23T03:30:00Z", true},     // 09:00 in Kolkata (UTC+5:30)
              {"2026-11-23T14:00:00Z", false}});  // 09:00 in New York
}

TEST_CASE("DST spring forward: a window over the missing hour is shorter") {
  // Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z).
  const auto& z = Zone("Europe/Berlin");
  const TimeInterval ti = Times(1, 0, 4, 0);
  const auto spans = IntervalSpans({ti}, z, At("2026-03-29T00:00:00Z"), At("2026-03-29T12:00:00Z"));
  REQUIRE(spans.size() == 1);
  CHECK(spans[0] == Span{At("2026-03-29T00:00:00Z"), At("2026-03-29T02:00:00Z")});  // 2h, not 3h
}

TEST_CASE("DST spring forward: a boundary in the gap starts at the first valid instant") {
  const auto& z = Zone("Europe/Berlin");
  const TimeInterval ti = Times(2, 30, 5, 0);
  const auto spans = IntervalSpans({ti}, z, At("2026-03-29T00:00:00Z"), At("2026-03-30T00:00:00Z"));
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].start == At("2026-03-29T01:00:00Z"));  // 03:00 CEST, the transition
  CHECK(spans[0].end == At("2026-03-29T03:00:00Z"));    // 05:00 CEST
  CheckCases(ti, "Europe/Berlin",
             {{"2026-03-29T00:59:00Z", false}, {"2026-03-29T01:00:00Z", true}});
  // A window ending in the gap ends at the transition.
  const auto ends = IntervalSpans({Times(0, 0, 2, 30)}, z, At("2026-03-29T00:00:00Z"),
                                  At("2026-03-29T12:00:00Z"));
  REQUIRE(ends.size() == 1);
  CHECK(ends[0] ==
        Span{At("2026-03-29T00:00:00Z"), At("2026-03-29T01:00:00Z")});  // clipped to from
  CHECK(FirstInstantAtOrAfter(
            z, LocalMinutes{date::local_days{date::year{2026} / 3 / 29}.time_since_epoch() +
                            std::chrono::minutes(150)}) == At("2026-03-29T01:00:00Z"));
}

TEST_CASE("DST fall back: the repeated hour counts twice") {
  // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST (06:00Z).
  const auto& z = Zone("America/New_York");
  const auto spans =
      IntervalSpans({Times(0, 0, 3, 0)}, z, At("2026-11-01T00:00:00Z"), At("2026-11-02T00:00:00Z"));
  REQUIRE(spans.size() == 1);
  CHECK(spans[0] == Span{At("2026-11-01T04:00:00Z"), At("2026-11-01T08:00:00Z")});  // 4h
  // A window ending inside the repeated hour covers its part of both passes.
  const auto half = IntervalSpans({Times(0, 0, 1, 30)}, z, At("2026-11-01T00:00:00Z"),
                                  At("2026-11-02T00:00:00Z"));
  REQUIRE(half.size() == 2);
  CHECK(half[0] == Span{At("2026-11-01T04:00:00Z"), At("2026-11-01T05:30:00Z")});
  CHECK(half[1] == Span{At("2026-11-01T06:00:00Z"), At("2026-11-01T06:30:00Z")});
}

TEST_CASE("Lord Howe's 30-minute DST shift") {
  // 2026-10-04 02:00 +10:30 becomes 02:30 +11:00 (15:30Z on the 3rd).
  const auto& z = Zone("Australia/Lord_Howe");
  const auto spans =
      IntervalSpans({Times(2, 0, 3, 0)}, z, At("2026-10-03T12:00:00Z"), At("2026-10-04T12:00:00Z"));
  REQUIRE(spans.size() == 1);
  CHECK(spans[0] == Span{At("2026-10-03T15:30:00Z"), At("2026-10-03T16:00:00Z")});  // 30 min
}

TEST_CASE("LocalRangeToSpans of an ordinary day is 24h") {
  const auto& z = Zone("Asia/Kolkata");
  const LocalMinutes a{date::local_days{date::year{2026} / 11 / 23}.time_since_epoch()};
  const auto spans = LocalRangeToSpans(z, a, a + std::chrono::hours(24));
  REQUIRE(spans.size() == 1);
  CHECK(spans[0] == Span{At("2026-11-22T18:30:00Z"), At("2026-11-23T18:30:00Z")});
}
