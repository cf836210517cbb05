// Routing cost: alerts through RouteIndex::Match with 10, 1,000 and 10,000
// routes, against the linear scan Alertmanager's route tree does (every
// route's matchers tried in order). Figures: docs/benchmarks.md.
//
// Routes look like a large organisation's: route i matches
// service="svc-i" and severity=~"critical|page"; every 50th route is instead
// team="team-i" with alertname=~"Disk.*|Node.*"; the last three are
// regex-only catch-alls (indexable by nothing, so every alert tries them).
// Alerts carry 8 labels with a random service (1 in 10 matches no route and
// falls through to the catch-alls).
#include <benchmark/benchmark.h>

#include <random>

#include "core/labels.h"
#include "rules/matcher.h"
#include "rules/routing.h"

namespace {

using rota::LabelSet;
using rota::rules::RouteIndex;

std::vector<RouteIndex::Route> MakeRoutes(int n) {
  std::vector<RouteIndex::Route> routes;
  for (int i = 0; i < n; ++i) {
    const std::string text =
        i % 50 == 49 ? "{team=\"team-" + std::to_string(i) + "\",alertname=~\"Disk.*|Node.*\"}"
                     : "{service=\"svc-" + std::to_string(i) + "\",severity=~\"critical|page\"}";
    routes.push_back({rota::rules::ParseMatchers(text).value(), false});
  }
  for (const char* text : {R"(alertname=~"Watchdog|DeadMansSwitch")", R"(severity=~"warning|info")",
                           R"(severity=~".+")"}) {
    routes.push_back({rota::rules::ParseMatchers(text).value(), false});
  }
  return routes;
}

std::vector<LabelSet> MakeAlerts(int routes, int count) {
  std::mt19937 rng(42);
  std::vector<LabelSet> out;
  for (int i = 0; i < count; ++i) {
    const int svc = static_cast<int>(rng() % static_cast<unsigned>(routes + routes / 9 + 1));
    out.push_back(LabelSet{{"alertname", i % 3 == 0 ? "DiskFull" : "HighLatency"},
                           {"service", "svc-" + std::to_string(svc)},
                           {"severity", i % 4 == 0 ? "warning" : "critical"},
                           {"instance", "host-" + std::to_string(i % 1000) + ":9100"},
                           {"env", "prod"},
                           {"team", "team-" + std::to_string(svc)},
                           {"job", "node"},
                           {"region", "eu-west-1"}});
  }
  return out;
}

void BM_RouteIndex(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const RouteIndex index(MakeRoutes(n));
  const auto alerts = MakeAlerts(n, 4096);
  std::size_t i = 0;
  std::size_t matched = 0;
  for (auto _ : state) {
    auto m = index.Match(alerts[i++ & 4095]);
    matched += m.size();
    benchmark::DoNotOptimize(m);
  }
  state.counters["alerts/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["matched"] =
      static_cast<double>(matched) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_RouteIndex)->Arg(10)->Arg(1000)->Arg(10000);

// What a route tree without an index does: try each route in order.
void BM_LinearScan(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto routes = MakeRoutes(n);
  const auto alerts = MakeAlerts(n, 4096);
  std::size_t i = 0;
  for (auto _ : state) {
    const LabelSet& labels = alerts[i++ & 4095];
    std::size_t hit = routes.size();
    for (std::size_t r = 0; r < routes.size(); ++r) {
      if (rota::rules::MatchesAll(routes[r].matchers, labels)) {
        hit = r;
        break;
      }
    }
    benchmark::DoNotOptimize(hit);
  }
  state.counters["alerts/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LinearScan)->Arg(10)->Arg(1000)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
