// rotactl's pure helpers: the instants the command line takes, the table
// cells it prints, the remote options every daemon command shares.
#include "cli/remote.h"

#include <doctest/doctest.h>

#include <sstream>

#include "../test_util.h"

using namespace rota;
using rota::testing::At;

TEST_CASE("rotactl instants: RFC 3339, now, and now or nothing plus or minus a duration") {
  const TimePoint now = At("2026-12-07T10:00:00Z");
  CHECK(cli::ParseCliInstant("now", now).value() == now);
  CHECK(cli::ParseCliInstant("now+2h", now).value() == At("2026-12-07T12:00:00Z"));
  CHECK(cli::ParseCliInstant("+2h", now).value() == At("2026-12-07T12:00:00Z"));
  CHECK(cli::ParseCliInstant("now-30m", now).value() == At("2026-12-07T09:30:00Z"));
  CHECK(cli::ParseCliInstant("-1d", now).value() == At("2026-12-06T10:00:00Z"));
  CHECK(cli::ParseCliInstant("2026-12-24T18:00:00+01:00", now).value() ==
        At("2026-12-24T17:00:00Z"));
  for (const char* bad : {"nowish", "now+", "+2 hours", "tomorrow", "", "now*2h"}) {
    CAPTURE(bad);
    const auto r = cli::ParseCliInstant(bad, now);
    REQUIRE_FALSE(r.has_value());
    CHECK_FALSE(r.error().message().empty());
  }
  std::ostringstream err;
  CHECK(cli::CliInstantText("+90s", "--at", now, err).value() == "2026-12-07T10:01:30Z");
  CHECK_FALSE(cli::CliInstantText("soon", "--at", now, err).has_value());
  CHECK(err.str().rfind("rotactl: --at: ", 0) == 0);
}

TEST_CASE("rotactl cells: strings as they are, lists joined, nothing as a dash") {
  const auto v = boost::json::parse(
      R"({"s": "alice", "l": ["a", "b", 3], "e": [], "n": null, "q": "say \"hi\""})");
  CHECK(cli::Str(v, "s") == "alice");
  CHECK(cli::Str(v, "l") == "a,b,3");
  CHECK(cli::Str(v, "e") == "-");
  CHECK(cli::Str(v, "n") == "-");
  CHECK(cli::Str(v, "absent") == "-");
  CHECK(cli::Quote(cli::Str(v, "q")) == R"("say \"hi\"")");
}

TEST_CASE("rotactl remote options: defaults, and a bad flag is a usage error naming the command") {
  namespace po = boost::program_options;
  cli::Remote r;
  po::options_description desc;
  cli::AddRemoteOptions(desc, r, /*url_default=*/true);
  po::variables_map vm;
  std::ostringstream err;
  REQUIRE(cli::ParseArgs({"--request-timeout", "5s", "-o", "json"}, desc, {}, vm, err, "alerts") ==
          cli::kExitOk);
  CHECK(r.request_timeout == "5s");
  CHECK(r.output == "json");
  CHECK_FALSE(r.url.empty());
  po::variables_map vm2;
  CHECK(cli::ParseArgs({"--no-such-flag"}, desc, {}, vm2, err, "alerts") == cli::kExitUsage);
  CHECK(err.str().find("rotactl alerts: ") != std::string::npos);
}
