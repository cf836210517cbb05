#include "ui/page.h"

#include <doctest/doctest.h>

#include "../test_util.h"
#include "schedule/time_interval.h"
#include "ui/coverage_svg.h"

using namespace rota::ui;
using rota::testing::At;

TEST_CASE("form bodies decode plus, percent escapes and odd input") {
  const auto f = FormFields("a=1&b=x+y%2Bz&c=&d&e=%zz&%41=%e2%82%ac&&a=2");
  CHECK(Field(f, "a") == "2");
  CHECK(Field(f, "b") == "x y+z");
  CHECK(Field(f, "c") == "");
  CHECK(f.count("d") == 1);
  CHECK(Field(f, "e") == "%zz");
  CHECK(Field(f, "A") == "\xe2\x82\xac");
  CHECK(Field(f, "missing") == "");
  CHECK(FormFields("").empty());
  CHECK(Field(FormFields("x=%"), "x") == "%");
  CHECK(Field(FormFields("x=%4"), "x") == "%4");
}

TEST_CASE("only the console's own pages are a place to go back to") {
  CHECK(SafeBack("/ui/teams/payments", "/ui/") == "/ui/teams/payments");
  CHECK(SafeBack("/ui/alerts?state=all", "/ui/") == "/ui/alerts?state=all");
  for (const char* bad : {"https://evil.example/", "//evil.example/ui/", "/ui//evil",
                          "/api/v1/alerts", "/ui/\\evil", ""}) {
    CHECK(SafeBack(bad, "/ui/") == "/ui/");
  }
  // It goes into a Location header: no control byte, space or non-ASCII byte
  // passes through as it is.
  CHECK(SafeBack("/ui/\r\nSet-Cookie: x", "/ui/") == "/ui/%0D%0ASet-Cookie:%20x");
  CHECK(SafeBack(std::string("/ui/a") + '\x01' + 'b' + '\x7f' + '\0', "/ui/") == "/ui/a%01b%7F%00");
  CHECK(SafeBack("/ui/teams/caf\xc3\xa9", "/ui/") == "/ui/teams/caf%C3%A9");
  for (char c = 0; c < 0x20; ++c) {
    CHECK(SafeBack(std::string("/ui/x") + c, "/ui/").find(c) == std::string::npos);
  }
}

TEST_CASE("?done= shows only what the console itself says after a form") {
  for (const char* known : {"acknowledged", "override%20added", "silence%20expired"}) {
    auto req = rota::http::MakeRequest("GET", std::string("/ui/?done=") + known, "");
    REQUIRE(req.has_value());
    CHECK_FALSE(rota::ui::Flash(*req).empty());
  }
  for (const char* forged :
       {"your%20account%20is%20locked%3A%20call%20%2B1%20555", "acknowledged%20x", ""}) {
    auto req = rota::http::MakeRequest("GET", std::string("/ui/?done=") + forged, "");
    REQUIRE(req.has_value());
    CHECK(rota::ui::Flash(*req).empty());
  }
}

TEST_CASE("a datetime-local value is read on the zone's wall clock, across DST") {
  const auto* berlin = *rota::schedule::FindZone("Europe/Berlin");
  CHECK(*ParseLocalInput("2026-12-24T09:00", *berlin) == At("2026-12-24T08:00:00Z"));
  CHECK(*ParseLocalInput("2027-07-01T09:00", *berlin) == At("2027-07-01T07:00:00Z"));
  // 02:30 on 2027-03-28 does not exist in Berlin: the first instant after the gap.
  CHECK(*ParseLocalInput("2027-03-28T02:30", *berlin) == At("2027-03-28T01:00:00Z"));
  // 02:30 on 2027-10-31 happens twice: the first.
  CHECK(*ParseLocalInput("2027-10-31T02:30", *berlin) == At("2027-10-31T00:30:00Z"));
  CHECK(*ParseLocalInput("2026-12-24T09:00:00Z", *berlin) == At("2026-12-24T09:00:00Z"));
  CHECK_FALSE(ParseLocalInput("24.12.2026 09:00", *berlin).has_value());
  CHECK_FALSE(ParseLocalInput("", *berlin).has_value());
}

TEST_CASE("times for people: wall clock and relative") {
  const auto* ny = *rota::schedule::FindZone("America/New_York");
  const auto now = At("2026-12-03T12:00:00Z");
  CHECK(LocalTime(*ny, At("2026-12-05T14:00:00Z"), now) == "Sat 09:00");
  CHECK(LocalTime(*ny, At("2027-01-20T14:00:00Z"), now) == "Wed 20 Jan 2027 09:00");
  CHECK(ClockTime(*ny, now) == "07:00");
  CHECK(Relative(now + std::chrono::minutes(30), now) == "in 30 min");
  CHECK(Relative(now + std::chrono::hours(11), now) == "in 11 h");
  CHECK(Relative(now - std::chrono::hours(72), now) == "3 days ago");
  CHECK(Relative(now, now) == "now");
}

TEST_CASE("the coverage SVG draws windows and both kinds of gap with their instants") {
  const auto* utc = *rota::schedule::FindZone("UTC");
  rota::schedule::Coverage cov;
  cov.windows.push_back({At("2026-12-03T08:00:00Z"), At("2026-12-03T12:00:00Z"), {"alice"}});
  cov.gaps.push_back({At("2026-12-03T12:00:00Z"), At("2026-12-03T14:00:00Z"), true});
  cov.gaps.push_back({At("2026-12-03T14:00:00Z"), At("2026-12-04T08:00:00Z"), false});
  const std::string svg =
      CoverageSvg(cov, *utc, At("2026-12-03T08:00:00Z"), 1, At("2026-12-03T09:00:00Z"));
  CHECK(svg.find("class=\"on\" x=\"304.0\" y=\"18\" width=\"120.0\"") != std::string::npos);
  CHECK(svg.find("class=\"gap-in\" x=\"424.0\"") != std::string::npos);
  CHECK(svg.find("data-start=\"2026-12-03T12:00:00Z\" data-end=\"2026-12-03T14:00:00Z\"") !=
        std::string::npos);
  CHECK(svg.find("class=\"gap-out\"") != std::string::npos);
  CHECK(svg.find("<line class=\"now\" x1=\"334.0\"") != std::string::npos);
  CHECK(svg.find("style=") == std::string::npos);  // CSP: classes only
}
