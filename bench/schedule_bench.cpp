// Schedule query benchmarks (hours, schedules and coverage):
//   - on-duty lookups for a team of 100 people with 10 intervals each: the
//     lean routing query and the fully explained one, warm (weeks already
//     computed) and cold (a fresh roster each time);
//   - Coverage over 90 days for 100 teams of 10;
//   - loading a config with 1,000 people.
// Run: build/release/bench/bench_schedule (see docs/benchmarks.md).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "config/loader.h"
#include "config/roster_spec.h"
#include "core/time.h"
#include "schedule/roster.h"

namespace {

const char* kZones[] = {
    "Europe/Berlin",   "America/New_York",  "Asia/Kolkata",      "Australia/Lord_Howe",
    "Pacific/Chatham", "America/Sao_Paulo", "Africa/Casablanca", "UTC"};

// people × 10 intervals each, in teams of `team_size`, zones rotating.
std::string MakeConfig(int people, int team_size) {
  std::ostringstream y;
  std::mt19937 rng(42);
  y << "channels: [{name: c, type: log}]\npeople:\n";
  for (int i = 0; i < people; ++i) {
    y << "  - id: p" << i << "\n    timezone: " << kZones[i % 8] << "\n    hours:\n";
    for (int k = 0; k < 10; ++k) {
      const int start = static_cast<int>(rng() % 22);
      const int len = 1 + static_cast<int>(rng() % 4);
      const int wd = static_cast<int>(rng() % 7);
      char line[160];
      std::snprintf(line, sizeof line,
                    "      - {weekdays: ['%s'], times: [{start_time: '%02d:%02d', end_time: "
                    "'%02d:%02d'}]}\n",
                    std::array{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
                               "saturday"}[static_cast<std::size_t>(wd)],
                    start, (k % 2) * 30, (start + len) % 24, (k % 2) * 30);
      y << line;
    }
    y << "    contacts: [{channel: c, to: x}]\n";
  }
  y << "teams:\n";
  for (int t = 0; t * team_size < people; ++t) {
    y << "  - id: t" << t << "\n    members: [";
    for (int i = t * team_size; i < std::min(people, (t + 1) * team_size); ++i) {
      y << (i > t * team_size ? ", " : "") << "p" << i;
    }
    y << "]\n";
  }
  return y.str();
}

std::string WriteTemp(const std::string& text) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "rota-bench-XXXXXX").string();
  const std::string dir = mkdtemp(tmpl.data());
  const std::string path = dir + "/rota.yaml";
  std::ofstream(path) << text;
  return path;
}

std::shared_ptr<const rota::config::Config> LoadOrDie(const std::string& path) {
  auto r = rota::config::Load(path);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.errors.front().ToString().c_str());
    std::abort();
  }
  return r.config;
}

const rota::TimePoint kBase = *rota::ParseRfc3339("2026-11-23T00:00:00Z");

void BM_TeamOnDuty_Warm(benchmark::State& state) {
  static const auto cfg = LoadOrDie(WriteTemp(MakeConfig(100, 100)));
  const rota::schedule::Roster roster(rota::config::ToRosterSpec(*cfg));
  std::mt19937_64 rng(7);
  const auto span_ms = std::chrono::hours(24 * 7 * 4) / std::chrono::milliseconds(1);
  for (int w = 0; w < 5; ++w) {  // compute the weeks once
    (void)roster.TeamOnDuty("t0", kBase + std::chrono::hours(24 * 7 * w));
  }
  for (auto _ : state) {
    const auto t = kBase + std::chrono::milliseconds(static_cast<long long>(rng() % span_ms));
    auto d = roster.TeamOnDuty("t0", t);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TeamOnDuty_Warm);

// The routing hot path: who is on duty, without explanations.
void BM_TeamOnDutyPeople_Warm(benchmark::State& state) {
  static const auto cfg = LoadOrDie(WriteTemp(MakeConfig(100, 100)));
  const rota::schedule::Roster roster(rota::config::ToRosterSpec(*cfg));
  std::mt19937_64 rng(7);
  const auto span_ms = std::chrono::hours(24 * 7 * 4) / std::chrono::milliseconds(1);
  for (int w = 0; w < 5; ++w) {
    (void)roster.TeamOnDutyPeople("t0", kBase + std::chrono::hours(24 * 7 * w));
  }
  std::size_t people = 0;
  for (auto _ : state) {
    const auto t = kBase + std::chrono::milliseconds(static_cast<long long>(rng() % span_ms));
    auto d = roster.TeamOnDutyPeople("t0", t);
    people += d->size();
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["on_duty_avg"] =
      benchmark::Counter(static_cast<double>(people), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_TeamOnDutyPeople_Warm);

// Membership only (what the send path needs): is this person on duty now?
void BM_PersonOnDutySpans_Warm(benchmark::State& state) {
  static const auto cfg = LoadOrDie(WriteTemp(MakeConfig(100, 100)));
  const rota::schedule::Roster roster(rota::config::ToRosterSpec(*cfg));
  std::vector<rota::schedule::SpanList> spans;
  for (int i = 0; i < 100; ++i) {
    spans.push_back(
        roster.PersonDutySpans("p" + std::to_string(i), kBase, kBase + std::chrono::hours(24 * 28))
            .value());
  }
  std::mt19937_64 rng(7);
  const auto span_ms = std::chrono::hours(24 * 28) / std::chrono::milliseconds(1);
  for (auto _ : state) {
    const auto t = kBase + std::chrono::milliseconds(static_cast<long long>(rng() % span_ms));
    int on = 0;
    for (const auto& s : spans) {
      on += rota::schedule::Contains(s, t) ? 1 : 0;
    }
    benchmark::DoNotOptimize(on);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_PersonOnDutySpans_Warm);

void BM_TeamOnDuty_Cold(benchmark::State& state) {
  static const auto cfg = LoadOrDie(WriteTemp(MakeConfig(100, 100)));
  const auto spec = rota::config::ToRosterSpec(*cfg);
  for (auto _ : state) {
    const rota::schedule::Roster roster(spec);
    auto d = roster.TeamOnDuty("t0", kBase + std::chrono::hours(30));
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TeamOnDuty_Cold)->Unit(benchmark::kMillisecond);

void BM_Coverage90Days_100Teams(benchmark::State& state) {
  static const auto cfg = LoadOrDie(WriteTemp(MakeConfig(1000, 10)));
  const auto spec = rota::config::ToRosterSpec(*cfg);
  std::size_t windows = 0;
  for (auto _ : state) {
    const rota::schedule::Roster roster(spec);  // cold: nothing cached
    for (int t = 0; t < 100; ++t) {
      auto cov =
          roster.TeamCoverage("t" + std::to_string(t), kBase, kBase + std::chrono::hours(24 * 90));
      windows += cov->windows.size();
      benchmark::DoNotOptimize(cov);
    }
  }
  state.counters["windows_per_team"] =
      benchmark::Counter(static_cast<double>(windows) / 100.0, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_Coverage90Days_100Teams)->Unit(benchmark::kMillisecond);

void BM_LoadConfig_1000People(benchmark::State& state) {
  static const std::string path = WriteTemp(MakeConfig(1000, 10));
  for (auto _ : state) {
    auto r = rota::config::Load(path);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_LoadConfig_1000People)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
