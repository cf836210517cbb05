// Parsing of Alertmanager time_intervals fields: valid and invalid forms, in
// the style of Alertmanager's timeinterval_test.go.
#include "schedule/time_interval.h"

#include <doctest/doctest.h>

using namespace rota::schedule;

TEST_CASE("ParseClockTime: 00:00 to 24:00") {
  CHECK(*ParseClockTime("00:00") == 0);
  CHECK(*ParseClockTime("09:30") == 570);
  CHECK(*ParseClockTime("23:59") == 1439);
  CHECK(*ParseClockTime("24:00") == 1440);
  for (const char* bad : {"24:01", "25:00", "9:00", "09:60", "0900", "ab:cd", ""}) {
    CAPTURE(bad);
    auto r = ParseClockTime(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message().find("invalid format") != std::string::npos);
  }
}

TEST_CASE("ParseTimeRange: ordinary, to 24:00, and wrapping past midnight") {
  CHECK(*ParseTimeRange("09:00", "13:00") == TimeRange{540, 780});
  CHECK(*ParseTimeRange("16:00", "24:00") == TimeRange{960, 1440});
  auto wrap = ParseTimeRange("22:00", "02:00");
  REQUIRE(wrap.has_value());
  CHECK(wrap->Wraps());
  CHECK_FALSE(ParseTimeRange("09:00", "09:00").has_value());
  CHECK_FALSE(ParseTimeRange("24:00", "01:00").has_value());
  auto missing = ParseTimeRange("", "10:00");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message() == "both start and end times must be provided");
}

TEST_CASE("ParseWeekdayRange") {
  CHECK(*ParseWeekdayRange("monday") == InclusiveRange{1, 1});
  CHECK(*ParseWeekdayRange("Monday:Thursday") == InclusiveRange{1, 4});
  CHECK(*ParseWeekdayRange("sunday:saturday") == InclusiveRange{0, 6});
  CHECK(ParseWeekdayRange("mon").error().message().starts_with(
      "mon is not a valid weekday: write the full English name"));
  CHECK_FALSE(ParseWeekdayRange("friday:monday").has_value());
  CHECK_FALSE(ParseWeekdayRange("monday:tuesday:friday").has_value());
}

TEST_CASE("ParseDayOfMonthRange follows Alertmanager's checks") {
  CHECK(*ParseDayOfMonthRange("1") == InclusiveRange{1, 1});
  CHECK(*ParseDayOfMonthRange("1:15") == InclusiveRange{1, 15});
  CHECK(*ParseDayOfMonthRange("-3:-1") == InclusiveRange{-3, -1});
  CHECK(*ParseDayOfMonthRange("20:-1") == InclusiveRange{20, -1});
  CHECK(ParseDayOfMonthRange("0").error().message() ==
        "0 is not a valid day of the month: out of range");
  CHECK(ParseDayOfMonthRange("32").error().message() ==
        "32 is not a valid day of the month: out of range");
  CHECK(ParseDayOfMonthRange("-1:5").error().message() ==
        "end day must be negative if start day is negative");
  CHECK(ParseDayOfMonthRange("10:5").error().message() ==
        "end day 5 is always before start day 10");
  CHECK(ParseDayOfMonthRange("-1:-3").error().message() ==
        "end day -3 is always before start day -1");
  CHECK_FALSE(ParseDayOfMonthRange("x").has_value());
}

TEST_CASE("ParseMonthRange by name or number") {
  CHECK(*ParseMonthRange("january") == InclusiveRange{1, 1});
  CHECK(*ParseMonthRange("March:May") == InclusiveRange{3, 5});
  CHECK(*ParseMonthRange("3:5") == InclusiveRange{3, 5});
  CHECK(ParseMonthRange("13").error().message() == "13 is not a valid month");
  CHECK(ParseMonthRange("may:march").error().message() ==
        "end month march is before start month may");
}

TEST_CASE("ParseYearRange") {
  CHECK(*ParseYearRange("2026") == InclusiveRange{2026, 2026});
  CHECK(*ParseYearRange("2026:2028") == InclusiveRange{2026, 2028});
  CHECK(ParseYearRange("2028:2026").error().message() == "end year 2026 is before start year 2028");
  CHECK_FALSE(ParseYearRange("-5").has_value());
}

TEST_CASE("FindZone uses the system tz database") {
  CHECK(FindZone("Europe/Berlin").has_value());
  CHECK(FindZone("Australia/Lord_Howe").has_value());
  auto bad = FindZone("Mars/Olympus_Mons");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message().find("unknown time zone \"Mars/Olympus_Mons\"") != std::string::npos);
}
