// Route matching in the style of Alertmanager's dispatch/route_test.go: a
// routing tree written as YAML, and a table of label sets with the routes
// they must take. Plus: the label index agrees with trying every route.
#include "rules/routing.h"

#include <doctest/doctest.h>

#include <random>

#include "../test_util.h"
#include "config/loader.h"

using rota::LabelSet;
using rota::rules::RouteIndex;

namespace {

constexpr const char* kTree = R"(
people: [{id: p}]
escalations: [{name: e, steps: [{notify: ['person:p']}]}]
routes:
  - {name: db-critical, matchers: ['service="db"', 'severity="critical"'], escalation: e}
  - {name: db-any, matchers: ['{service="db"}'], escalation: e, continue: true}
  - {name: db-audit, matchers: ['service=~"db|database"'], escalation: e}
  - {name: payments-eu, matchers: ['service="payments"', 'region=~"eu-.*"'], escalation: e, continue: true}
  - {name: payments, matchers: ['service="payments"'], escalation: e}
  - {name: not-prod, matchers: ['env!="prod"', 'service!~"db|payments"'], escalation: e}
  - {name: catch-all, escalation: e}
)";

struct Tree {
  std::shared_ptr<const rota::config::Config> config;
  RouteIndex index;
};

Tree Build(const std::string& yaml) {
  rota::testing::TempDir dir;
  auto r = rota::config::Load(dir.Write("rota.yaml", yaml));
  REQUIRE(r.ok());
  std::vector<RouteIndex::Route> routes;
  for (const auto& route : r.config->routes) {
    routes.push_back({route.matchers, route.continue_matching});
  }
  return {r.config, RouteIndex(std::move(routes))};
}

std::vector<std::string> Names(const Tree& t, const LabelSet& labels) {
  std::vector<std::string> out;
  for (std::size_t i : t.index.Match(labels)) {
    out.push_back(t.config->routes[i].name);
  }
  return out;
}

}  // namespace

TEST_CASE("routes: first match wins unless continue") {
  const Tree t = Build(kTree);
  struct Case {
    LabelSet labels;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {LabelSet({{"service", "db"}, {"severity", "critical"}, {"env", "prod"}}), {"db-critical"}},
      {LabelSet({{"service", "db"}, {"severity", "warning"}, {"env", "prod"}}),
       {"db-any", "db-audit"}},
      {LabelSet({{"service", "database"}, {"env", "prod"}}), {"db-audit"}},
      {LabelSet({{"service", "payments"}, {"region", "eu-west-1"}, {"env", "prod"}}),
       {"payments-eu", "payments"}},
      {LabelSet({{"service", "payments"}, {"region", "us-east-1"}}), {"payments"}},
      {LabelSet({{"service", "web"}, {"env", "staging"}}), {"not-prod"}},
      {LabelSet({{"service", "web"}}), {"not-prod"}},  // a missing env is "" != "prod"
      {LabelSet({{"service", "web"}, {"env", "prod"}}), {"catch-all"}},
      {LabelSet(), {"not-prod"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.labels.ToString());
    CHECK(Names(t, c.labels) == c.want);
  }
  CHECK(t.index.size() == 7);
  CHECK(t.index.unindexed() == 3);  // db-audit (regex), not-prod, catch-all
}

TEST_CASE("without a catch-all, an alert may match nothing") {
  const Tree t = Build(R"(
people: [{id: p}]
escalations: [{name: e, steps: [{notify: ['person:p']}]}]
routes: [{name: only-db, matchers: ['service="db"'], escalation: e}]
)");
  CHECK(t.index.Match(LabelSet({{"service", "web"}})).empty());
}

TEST_CASE("the label index agrees with trying every route in order") {
  std::mt19937 rng(1234);
  const std::vector<std::string> names = {"service", "env", "team", "severity"};
  const std::vector<std::string> values = {"a", "b", "c", "", "ab"};
  std::vector<RouteIndex::Route> routes;
  for (int i = 0; i < 300; ++i) {
    RouteIndex::Route r;
    const int n = static_cast<int>(rng() % 3);
    for (int k = 0; k < n; ++k) {
      const auto& name = names[rng() % names.size()];
      const auto& value = values[rng() % values.size()];
      const auto op = static_cast<rota::rules::MatchOp>(rng() % 4);
      const std::string v =
          (op == rota::rules::MatchOp::kRegex || op == rota::rules::MatchOp::kNotRegex)
              ? value + ".*"
              : value;
      r.matchers.push_back(rota::rules::Matcher::Create(name, op, v).value());
    }
    r.continue_matching = rng() % 4 == 0;
    routes.push_back(std::move(r));
  }
  const RouteIndex index(routes);
  for (int i = 0; i < 2000; ++i) {
    std::vector<LabelSet::Pair> pairs;
    for (const auto& name : names) {
      if (rng() % 3 != 0) {
        pairs.emplace_back(name, values[rng() % values.size()]);
      }
    }
    const LabelSet labels(pairs);
    std::vector<std::size_t> brute;
    for (std::size_t r = 0; r < routes.size(); ++r) {
      if (rota::rules::MatchesAll(routes[r].matchers, labels)) {
        brute.push_back(r);
        if (!routes[r].continue_matching) {
          break;
        }
      }
    }
    CAPTURE(labels.ToString());
    CHECK(index.Match(labels) == brute);
  }
}

TEST_CASE("inhibition needs source and target matches and equal labels") {
  const auto m = [](const char* text) { return rota::rules::ParseMatchers(text).value(); };
  const rota::rules::InhibitRule rule{
      m(R"(severity="critical")"), m(R"(severity="warning")"), {"cluster"}};
  const LabelSet source({{"severity", "critical"}, {"cluster", "a"}});
  CHECK(Inhibits(rule, source, LabelSet({{"severity", "warning"}, {"cluster", "a"}})));
  CHECK_FALSE(Inhibits(rule, source, LabelSet({{"severity", "warning"}, {"cluster", "b"}})));
  CHECK_FALSE(Inhibits(rule, source, LabelSet({{"severity", "info"}, {"cluster", "a"}})));
  CHECK_FALSE(Inhibits(rule, LabelSet({{"severity", "warning"}, {"cluster", "a"}}),
                       LabelSet({{"severity", "warning"}, {"cluster", "a"}})));
  // Missing on both sides counts as equal, as in Alertmanager.
  CHECK(Inhibits(rule, LabelSet({{"severity", "critical"}}), LabelSet({{"severity", "warning"}})));
}

TEST_CASE("silences mute matching alerts inside their window") {
  rota::rules::Silence s{"s1",
                         rota::rules::ParseMatchers(R"({service="db", env=~"prod|stage"})").value(),
                         rota::testing::At("2026-11-23T09:00:00Z"),
                         rota::testing::At("2026-11-23T10:00:00Z"),
                         "alice",
                         "maintenance"};
  const LabelSet db({{"service", "db"}, {"env", "prod"}});
  CHECK(s.Mutes(db, rota::testing::At("2026-11-23T09:00:00Z")));
  CHECK_FALSE(s.Mutes(db, rota::testing::At("2026-11-23T10:00:00Z")));
  CHECK_FALSE(s.Mutes(db, rota::testing::At("2026-11-23T08:59:59Z")));
  CHECK_FALSE(s.Mutes(LabelSet({{"service", "db"}, {"env", "dev"}}),
                      rota::testing::At("2026-11-23T09:30:00Z")));
}
