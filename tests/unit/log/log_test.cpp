#include "log/log.h"

#include <doctest/doctest.h>

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
  const auto line = FormatLine(Level::kInfo, "ready", {{"n", 3}}, false, "2026-11-23T00:00:00.000Z");
  CHECK(line == "ts=2026-11-23T00:00:00.000Z level=info msg=ready n=3\n");
}

TEST_CASE("values with spaces, quotes or newlines stay on one quoted line") {
  const auto line = FormatLine(Level::kError, "config error",
                               {{"error", "bad \"x\"\nsecond line"}, {"empty", ""}}, true, "");
  CHECK(line == "<3>level=error msg=\"config error\" error=\"bad \\\"x\\\"\\nsecond line\" empty=\"\"\n");
  CHECK(line.find('\n') == line.size() - 1);
}

TEST_CASE("ParseLevel knows the four levels") {
  Level l{};
  CHECK(rota::log::ParseLevel("debug", l));
  CHECK(l == Level::kDebug);
  CHECK(rota::log::ParseLevel("error", l));
  CHECK(l == Level::kError);
  CHECK_FALSE(rota::log::ParseLevel("verbose", l));
}
