// Lint: what loads but is probably not what was meant. Zone names that are
// aliases or legacy zones (EST is a fixed UTC-5 offset), single-quoted
// matcher values (part of the value, so the matcher never matches).
#include "config/lint.h"

#include <doctest/doctest.h>

#include <string>

#include "../test_util.h"
#include "config/zones.h"

using rota::config::Lint;
using rota::config::ZoneAdvice;
using rota::testing::At;
using rota::testing::LoadConfig;

namespace {

bool HasWarning(const rota::config::LintResult& r, const std::string& fragment) {
  for (const auto& w : r.warnings) {
    if (w.message.find(fragment) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("zone advice: aliases and legacy zones name the place to write; canonical names pass") {
  CHECK(ZoneAdvice("US/Eastern").value().find("old alias of America/New_York") !=
        std::string::npos);
  CHECK(ZoneAdvice("Asia/Calcutta").value().find("Asia/Kolkata") != std::string::npos);
  const auto est = ZoneAdvice("EST");
  REQUIRE(est.has_value());
  CHECK(est->find("fixed offset with no daylight saving time") != std::string::npos);
  CHECK(est->find("America/New_York") != std::string::npos);
  CHECK(ZoneAdvice("EST5EDT").value().find("America/New_York") != std::string::npos);
  CHECK(ZoneAdvice("Etc/GMT+5").value().find("inverted") != std::string::npos);
  for (const char* fine : {"America/New_York", "Europe/Berlin", "Asia/Manila", "UTC", "Etc/UTC"}) {
    CAPTURE(fine);
    CHECK_FALSE(ZoneAdvice(fine).has_value());
  }
}

TEST_CASE("lint warns about zone names and single-quoted matcher values, at the config's place") {
  const auto config = LoadConfig(R"(
people:
  - {id: ny, timezone: EST, hours: [{}]}
  - {id: old, timezone: US/Eastern, hours: [{}]}
  - {id: ok, timezone: America/New_York, hours: [{}]}
teams: [{id: t, members: [ny, old, ok]}]
routes:
  - {name: quoted, matchers: ["severity=~'critical|page'"], escalation: e}
  - {name: fine, matchers: ['severity=~"critical|page"'], escalation: e}
escalations: [{name: e, steps: [{notify: ['team:t']}]}]
)");
  const auto r = Lint(*config, At("2026-12-07T12:00:00Z"));
  CHECK(HasWarning(r, "timezone \"EST\" is a legacy zone"));
  CHECK(HasWarning(r, "timezone \"US/Eastern\" is an old alias of America/New_York"));
  CHECK_FALSE(HasWarning(r, "\"America/New_York\" is"));
  CHECK(HasWarning(r, "route \"quoted\": matcher"));
  CHECK(HasWarning(r, "write severity=~\"critical|page\""));
  CHECK_FALSE(HasWarning(r, "route \"fine\""));
}
