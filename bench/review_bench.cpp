// The review's cost (a month with 100,000 alerts in at most 2 s).
// A month of alerts for one team of 10 runs through the engine in simulated
// time (about a third arrive outside hours and are held, some are
// acknowledged, most resolve), then two things are timed:
//   - FactsOf over every alert (what GET /api/v1/report does on the
//     engine's strand), and
//   - MakeReport from those facts (done off the strand);
// then the same month as history past retention: every alert's facts are
// written to a real SQLite store (alert_history), and the read of the month
// (Store::History, on the "history" thread in rotad), the decoding
// (WithHistory) and the report are timed.
// Run: build/release/bench/bench_review [alerts] (see docs/benchmarks.md).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "bench_config.h"
#include "config/loader.h"
#include "config/roster_spec.h"
#include "core/time.h"
#include "engine/engine.h"
#include "review/facts.h"
#include "review/report.h"
#include "store/store.h"

namespace {

constexpr const char* kConfig = R"(
people:
  - {id: p0, timezone: Europe/Berlin, hours: [{weekdays: ['monday:friday'], times: [{start_time: '08:00', end_time: '12:00'}]}]}
  - {id: p1, timezone: Europe/Berlin, hours: [{weekdays: ['monday:friday'], times: [{start_time: '12:00', end_time: '16:00'}]}]}
  - {id: p2, timezone: America/New_York, hours: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '13:00'}]}]}
  - {id: p3, timezone: Asia/Kolkata, hours: [{weekdays: ['monday:friday'], times: [{start_time: '17:30', end_time: '21:30'}]}]}
  - {id: p4, timezone: Australia/Sydney, hours: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '11:00'}]}]}
  - {id: p5, timezone: Europe/London, hours: [{weekdays: ['saturday'], times: [{start_time: '10:00', end_time: '14:00'}]}]}
  - {id: p6, timezone: America/Los_Angeles, hours: [{weekdays: ['monday:thursday'], times: [{start_time: '10:00', end_time: '14:00'}]}]}
  - {id: p7, timezone: Europe/Berlin, hours: [{weekdays: ['sunday'], times: [{start_time: '18:00', end_time: '20:00'}]}]}
  - {id: p8, timezone: Asia/Tokyo, hours: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '12:00'}]}]}
  - {id: p9, timezone: America/Sao_Paulo, hours: [{weekdays: ['tuesday', 'thursday'], times: [{start_time: '14:00', end_time: '18:00'}]}]}
teams:
  - id: ops
    timezone: Europe/Berlin
    members: [p0, p1, p2, p3, p4, p5, p6, p7, p8, p9]
    support_hours: [{weekdays: ['monday:friday'], times: [{start_time: '07:00', end_time: '22:00'}]}]
routes:
  - {name: all, group_by: ['...'], group_wait: 0s, escalation: ops}
escalations:
  - name: ops
    steps:
      - {notify: ['team:ops'], escalate_after: 30m}
      - {notify: ['person:p0'], escalate_after: 30m}
)";

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rota;
  const int alerts = argc > 1 ? std::atoi(argv[1]) : 100000;
  const auto config = bench::LoadConfigText(kConfig, "review");
  const auto roster = std::make_shared<schedule::Roster>(config::ToRosterSpec(*config));
  engine::Engine engine(engine::Model::Build(config, roster));
  const TimePoint from = *ParseRfc3339("2027-03-01T00:00:00Z");
  const TimePoint to = *ParseRfc3339("2027-03-31T00:00:00Z");
  const auto step = (to - from) / alerts;
  std::mt19937 rng(1);
  const auto sim0 = std::chrono::steady_clock::now();
  for (int i = 0; i < alerts; ++i) {
    const TimePoint t = from + step * i;
    while (auto next = engine.NextDeadline()) {
      if (*next > t) {
        break;
      }
      engine.Tick(*next);
    }
    engine::Event e;
    e.source = "bench";
    e.labels = LabelSet({{"alertname", "A"}, {"n", std::to_string(i)}});
    const auto r = engine.Ingest(e, t);
    if (rng() % 3 == 0) {
      (void)engine.Acknowledge(r.id, "p0", "", t + std::chrono::minutes(3));
    }
    if (rng() % 4 != 0 && i > 200) {
      (void)engine.Resolve(r.id - 200, "p0", "", t);
    }
    (void)engine.TakeNotifications();
  }
  const auto sim = std::chrono::steady_clock::now() - sim0;
  for (int run = 0; run < 3; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<review::AlertFacts> facts;
    facts.reserve(static_cast<std::size_t>(alerts));
    engine.ForEachAlert(
        [&](const engine::Alert& a) { facts.push_back(review::FactsOf(engine.model(), a)); });
    const auto t1 = std::chrono::steady_clock::now();
    const auto report = review::MakeReport(*config, *roster, facts, "ops", from, to, to);
    const auto t2 = std::chrono::steady_clock::now();
    std::printf(
        "%d alerts (%zu in the report, %zu held): facts %.0f ms, report %.0f ms, total %.0f ms"
        " (simulating the month took %.1f s)\n",
        alerts, report.alerts, report.held_alerts, Ms(t1 - t0), Ms(t2 - t1), Ms(t2 - t0),
        std::chrono::duration<double>(sim).count());
  }
  // The month as history: written in batches of 1000 (as retention would),
  // then read back the way a report past retention reads it.
  const auto store_dir = std::filesystem::temp_directory_path() /
                         ("rota-review-bench-db-" + std::to_string(::getpid()));
  std::filesystem::create_directories(store_dir);
  auto opened = store::OpenSqlite({.dir = store_dir.string()}, nullptr);
  if (!opened) {
    std::fprintf(stderr, "store: %s\n", opened.error().message().c_str());
    return 1;
  }
  auto& db = **opened;
  if (auto st = db.Load(*config); !st) {
    std::fprintf(stderr, "store: %s\n", st.error().message().c_str());
    return 1;
  }
  store::Batch batch;
  std::size_t bytes = 0;
  const auto flush = [&] {
    std::promise<Result<void>> done;
    auto f = done.get_future();
    db.Write(std::exchange(batch, {}), [&](const Result<void>& r) { done.set_value(r); });
    return f.get();
  };
  engine.ForEachAlert([&](const engine::Alert& a) {
    std::string doc = review::EncodeFacts(review::FactsOf(engine.model(), a));
    bytes += doc.size();
    batch.history.push_back({a.id, a.created_at.time_since_epoch().count(), std::move(doc)});
    if (batch.history.size() == 1000) {
      (void)flush();
    }
  });
  (void)flush();
  for (int run = 0; run < 3; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    auto rows = db.History(from.time_since_epoch().count(), to.time_since_epoch().count());
    if (!rows) {
      std::fprintf(stderr, "history: %s\n", rows.error().message().c_str());
      return 1;
    }
    std::vector<std::string> docs;
    docs.reserve(rows->size());
    for (auto& r : *rows) {
      docs.push_back(std::move(r.doc));
    }
    const auto t1 = std::chrono::steady_clock::now();
    const auto facts = review::WithHistory({}, docs);
    const auto t2 = std::chrono::steady_clock::now();
    const auto report = review::MakeReport(*config, *roster, facts, "ops", from, to, to);
    const auto t3 = std::chrono::steady_clock::now();
    std::printf(
        "from history: %zu rows (%.1f MB): read %.0f ms, decode %.0f ms, report %.0f ms, total "
        "%.0f ms"
        " (%zu in the report)\n",
        docs.size(), static_cast<double>(bytes) / 1e6, Ms(t1 - t0), Ms(t2 - t1), Ms(t3 - t2),
        Ms(t3 - t0), report.alerts);
  }
  db.Stop();
  std::filesystem::remove_all(store_dir);
  return 0;
}
