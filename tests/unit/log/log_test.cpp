#include "log/log.h"

#include <doctest/doctest.h>

#include <string>

using rota::log::FormatLine;
using rota::log::Level;

TEST_CASE("journal lines carry a priority prefix and no timestamp") {
  const auto line = FormatLine(Level::kWarn, "disk slow", {{"dir", "/var/lib/rota"}}, true, "");
  CHECK(line == "<4>level=warn msg=\"disk slow\" dir=/var/lib/rota\n");
  CHECK(FormatLine(Level::kError, "x", {}, true, "").starts_with("<3>"));
  CHECK(FormatLine(Level::kInfo, "x", {}, true, "").starts_with("<6>"));
  CHECK(FormatLine(Level::kDebug, "x", {}, true, "").starts_with("<7>"));
}

TEST_CASE("terminal lines start with a timestamp") {
  const auto line =
      FormatLine(Level::kInfo, "ready", {{"n", 3}}, false, "2026-11-23T00:00:00.000Z");
  CHECK(line == "ts=2026-11-23T00:00:00.000Z level=info msg=ready n=3\n");
}

TEST_CASE("values with spaces, quotes or newlines stay on one quoted line") {
  const auto line = FormatLine(Level::kError, "config error",
                               {{"error", "bad \"x\"\nsecond line"}, {"empty", ""}}, true, "");
  CHECK(line ==
        "<3>level=error msg=\"config error\" error=\"bad \\\"x\\\"\\nsecond line\" empty=\"\"\n");
  CHECK(line.find('\n') == line.size() - 1);
}

TEST_CASE("every control byte is escaped, so a value cannot forge or garble a line") {
  using namespace std::string_literals;
  const std::string hostile = "a\0b\x1b[31mred\x7f\x01 level=error"s;
  const auto line = FormatLine(Level::kInfo, "alert", {{"label", hostile}}, true, "");
  CHECK(line == "<6>level=info msg=alert label=\"a\\x00b\\x1b[31mred\\x7f\\x01 level=error\"\n");
  for (std::size_t i = 0; i + 1 < line.size(); ++i) {
    const auto u = static_cast<unsigned char>(line[i]);
    CHECK_MESSAGE((u >= 0x20 && u != 0x7f), "raw control byte at ", i);
  }
  // A bare control byte (no space) is quoted too.
  CHECK(FormatLine(Level::kInfo, "x", {{"v", "\x1b"}}, true, "") ==
        "<6>level=info msg=x v=\"\\x1b\"\n");
}

TEST_CASE("values over 4 KiB are cut and say how long they were") {
  const auto line = FormatLine(Level::kInfo, "x", {{"v", std::string(100000, 'a')}}, true, "");
  CHECK(line.size() < 4200);
  CHECK(line.ends_with("...(100000 bytes)\"\n"));
}

TEST_CASE("ParseLevel knows the four levels") {
  Level l{};
  CHECK(rota::log::ParseLevel("debug", l));
  CHECK(l == Level::kDebug);
  CHECK(rota::log::ParseLevel("error", l));
  CHECK(l == Level::kError);
  CHECK_FALSE(rota::log::ParseLevel("verbose", l));
}
