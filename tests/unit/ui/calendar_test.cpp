#include "ui/calendar.h"

#include <doctest/doctest.h>

#include "../test_util.h"

using namespace rota::ui;
using rota::testing::At;

TEST_CASE("a feed token is HMAC-SHA256 of the feed's path") {
  // python3 -c 'import
  // hmac,hashlib;print(hmac.new(b"s"*40,b"/calendar/team/payments.ics",hashlib.sha256).hexdigest())'
  const std::string secret(40, 's');
  const std::string path = CalendarPath("team", "payments");
  CHECK(path == "/calendar/team/payments.ics");
  CHECK(CalendarToken(secret, path) ==
        "3e5d3355c6dbdf73e98d74f280ddd5074e69688d4f50513c5d9357b03d637f50");
  CHECK(CalendarTokenValid(secret, path, CalendarToken(secret, path)));
  CHECK_FALSE(
      CalendarTokenValid(secret, CalendarPath("person", "payments"), CalendarToken(secret, path)));
  CHECK_FALSE(CalendarTokenValid(secret, path, ""));
  CHECK_FALSE(CalendarTokenValid("", path, CalendarToken("", path)));
}

TEST_CASE("a calendar is RFC 5545: CRLF, folded lines, escaped text, UTC instants, stable UIDs") {
  const std::vector<CalendarEvent> events = {
      {At("2026-12-03T08:00:00Z"), At("2026-12-03T16:30:00Z"), "payments: Alice, Bob; on call",
       "line one\nline two " + std::string(100, 'x') + " \xc3\xa9\xc3\xa9\xc3\xa9"}};
  const std::string ics =
      RenderCalendar("Payments", "team-payments", events, At("2026-12-01T00:00:00Z"));
  CHECK(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
  CHECK(ics.ends_with("END:VCALENDAR\r\n"));
  CHECK(ics.find("\r\nDTSTART:20261203T080000Z\r\n") != std::string::npos);
  CHECK(ics.find("\r\nDTEND:20261203T163000Z\r\n") != std::string::npos);
  CHECK(ics.find("\r\nUID:20261203T080000Z-team-payments@rota\r\n") != std::string::npos);
  CHECK(ics.find("SUMMARY:payments: Alice\\, Bob\\; on call\r\n") != std::string::npos);
  // An event whose start is only where the feed stopped looking: its UID
  // names no instant, so the next fetch updates it.
  const std::string open =
      RenderCalendar("Payments", "team-payments",
                     {{At("2026-11-19T00:00:00Z"), At("2026-11-20T00:00:00Z"), "x", "", true}},
                     At("2026-12-01T00:00:00Z"));
  CHECK(open.find("\r\nUID:ongoing-team-payments@rota\r\n") != std::string::npos);
  CHECK(open.find("\r\nDTSTART:20261119T000000Z\r\n") != std::string::npos);
  CHECK(ics.find("line one\\nline two") != std::string::npos);
  // No line is longer than 75 octets, no bare LF, and folding never splits
  // a UTF-8 sequence.
  std::size_t start = 0;
  while (start < ics.size()) {
    const auto end = ics.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    const std::string line = ics.substr(start, end - start);
    CHECK(line.size() <= 75);
    CHECK(line.find('\n') == std::string::npos);
    if (line.starts_with(" ")) {
      CHECK((static_cast<unsigned char>(line[1]) & 0xC0U) != 0x80U);
    }
    start = end + 2;
  }
  // Unfolded, the description is whole again.
  std::string unfolded;
  for (std::size_t i = 0; i < ics.size(); ++i) {
    if (ics.compare(i, 3, "\r\n ") == 0) {
      i += 2;
      continue;
    }
    unfolded += ics[i];
  }
  CHECK(unfolded.find(std::string(100, 'x') + " \xc3\xa9\xc3\xa9\xc3\xa9\r\n") !=
        std::string::npos);
}

TEST_CASE("a feed URL joins external_url, path and token") {
  rota::config::Config c;
  c.global.external_url = "https://rota.example.com/";
  CHECK(CalendarUrl(c, "person", "alice").empty());
}
