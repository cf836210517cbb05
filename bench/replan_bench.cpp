// The cost of "the roster changed" (Engine::RosterChanged) with 100,000 held
// alerts. Two teams: `night` (anna, off duty now) holds N alerts; `day`
// (dora, off duty now) holds 1,000. Each case builds that state afresh, then
// times only the re-plan, as rotad does it after SetModel:
//   untouched   an override for the other team's person: looks at the 1,000
//               held for `day`, not at the N held for `night`
//   eta moves   "nate covers for anna" across her next start: N new ETAs
//   release     "nate on duty for night" now: N delivered in one digest
//   reload      a config reload with nothing changed: N + 1,000 looked at,
//               none changed
// Run: build/release/bench/bench_replan [held] (see docs/benchmarks.md).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "bench_config.h"
#include "config/roster_spec.h"
#include "core/time.h"
#include "engine/engine.h"

namespace {

// 2026-11-23 is a Monday; at 03:00Z nobody is on duty.
constexpr const char* kConfig = R"(
people:
  - {id: anna, timezone: Europe/Berlin, hours: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '13:00'}]}]}
  - {id: nate, timezone: Europe/Berlin}
  - {id: dora, timezone: America/New_York, hours: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '17:00'}]}]}
  - {id: otto, timezone: America/New_York}
teams:
  - {id: night, members: [anna]}
  - {id: day, members: [dora]}
routes:
  - {name: night, matchers: ['team="night"'], group_by: ['...'], group_wait: 0s, escalation: night}
  - {name: day, matchers: ['team="day"'], group_by: ['...'], group_wait: 0s, escalation: day}
escalations:
  - {name: night, steps: [{notify: ['team:night'], escalate_after: 30m}]}
  - {name: day, steps: [{notify: ['team:day'], escalate_after: 30m}]}
)";

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct World {
  std::shared_ptr<const rota::config::Config> config;
  std::unique_ptr<rota::engine::Engine> engine;

  void Install(std::vector<rota::schedule::OverrideSpec> overrides) {
    auto roster = std::make_shared<const rota::schedule::Roster>(
        rota::config::ToRosterSpec(*config, overrides));
    auto model = rota::engine::Model::Build(config, roster);
    if (engine) {
      engine->SetModel(model);
    } else {
      engine = std::make_unique<rota::engine::Engine>(model);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace rota;
  const int held = argc > 1 ? std::atoi(argv[1]) : 100000;
  const auto config = bench::LoadConfigText(kConfig, "replan");
  const TimePoint now = *ParseRfc3339("2026-11-23T03:00:00Z");
  const TimePoint anna_start = *ParseRfc3339("2026-11-23T08:00:00Z");
  std::printf("held alerts: %d for team night, 1000 for team day\n", held);
  const auto run = [&](const char* name, const engine::RosterChange& change,
                       std::vector<schedule::OverrideSpec> overrides) {
    World w{config, nullptr};
    w.Install({});
    for (int i = 0; i < held + 1000; ++i) {
      engine::Event e;
      e.source = "bench";
      e.labels =
          LabelSet({{"alertname", "A" + std::to_string(i)}, {"team", i < held ? "night" : "day"}});
      (void)w.engine->Ingest(e, now);
    }
    (void)w.engine->TakeNotifications();
    (void)w.engine->TakeChanges();
    const auto t0 = std::chrono::steady_clock::now();
    w.Install(std::move(overrides));
    const auto t1 = std::chrono::steady_clock::now();
    const std::size_t looked_at = w.engine->RosterChanged(change, now);
    const auto t2 = std::chrono::steady_clock::now();
    const auto notes = w.engine->TakeNotifications();
    const auto changes = w.engine->TakeChanges();
    std::size_t alerts_told = 0;
    for (const auto& n : notes) {
      alerts_told += n.alerts.size();
    }
    std::printf(
        "%-10s model %7.1f ms  re-plan %8.1f ms  looked at %7zu  changed %7zu  told about %7zu "
        "alerts\n",
        name, Ms(t1 - t0), Ms(t2 - t1), looked_at, changes.changed.size(), alerts_told);
  };
  const auto at = [](TimePoint t) { return t; };
  run("untouched", {"override o-1 added", {"otto"}, {"day"}, false},
      {{"o-1", "otto", "", "day", at(now + std::chrono::hours(1)), at(now + std::chrono::hours(2)),
        ""}});
  run("eta moves", {"override o-1 added", {"nate", "anna"}, {}, false},
      {{"o-1", "nate", "anna", "", at(anna_start - std::chrono::hours(1)),
        at(anna_start + std::chrono::hours(8)), ""}});
  run("release", {"override o-1 added", {"nate"}, {"night"}, false},
      {{"o-1", "nate", "", "night", at(now - std::chrono::minutes(1)),
        at(now + std::chrono::hours(2)), ""}});
  run("reload", {"config reloaded", {}, {}, true}, {});
  return 0;
}
