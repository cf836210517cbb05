// Restart equivalence: an engine restored from the stored form of another
// engine's state makes the same decisions from then on, including the
// deadlines that passed while it was "down".
#include <doctest/doctest.h>

#include <algorithm>

#include "../test_util.h"
#include "config/roster_spec.h"
#include "engine/engine.h"
#include "store/alert_codec.h"
#include "store/db.h"
#include "store/load.h"
#include "store/migrate.h"

using namespace rota::engine;
using rota::LabelSet;
using rota::TimePoint;
using rota::testing::At;

namespace {

constexpr const char* kConfig = R"(
people:
  - id: alice
    timezone: Europe/Berlin
    hours: [{weekdays: ['monday:thursday'], times: [{start_time: '09:00', end_time: '13:00'}]}]
  - id: bob
    timezone: America/New_York
    hours: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '12:00'}]}]
  - {id: dave, hours: [{}]}
teams: [{id: payments, members: [alice, bob]}]
routes:
  - {name: pages, matchers: ['severity="page"'], group_by: ['...'], group_wait: 0s, escalation: payments}
  - {name: capped, matchers: ['severity="capped"'], group_by: ['...'], group_wait: 0s, escalation: capped}
escalations:
  - name: payments
    steps:
      - {notify: ['team:payments'], escalate_after: 15m}
      - {notify: ['person:dave'], escalate_after: 30m}
    repeat: 1
  - name: capped
    steps:
      - {notify: ['person:bob'], max_hold: 1h}
      - {notify: ['person:dave']}
)";

std::vector<std::string> Run(Engine& e, TimePoint until) {
  std::vector<std::string> out;
  while (auto next = e.NextDeadline()) {
    if (*next > until) {
      break;
    }
    e.Tick(*next);
    for (const auto& n : e.TakeNotifications()) {
      std::string ids;
      for (auto id : n.alerts) {
        ids += std::to_string(id) + ",";
      }
      out.push_back(n.person + "@" + rota::FormatRfc3339(n.at) + ":" +
                    std::string(NotificationKindName(n.kind)) + ":" + std::to_string(n.step) + ":" +
                    ids);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a restored engine makes the same decisions as one that never stopped") {
  const auto config = rota::testing::LoadConfig(kConfig);
  auto roster = std::make_shared<const rota::schedule::Roster>(rota::config::ToRosterSpec(*config));
  const auto model = Model::Build(config, roster);
  Engine a(model);
  const auto fire = [&](std::vector<LabelSet::Pair> labels, const char* at,
                        std::optional<TimePoint> ends = std::nullopt) {
    Event e;
    e.source = "test";
    e.labels = LabelSet(std::move(labels));
    e.ends_at = ends;
    (void)Run(a, At(at));
    return a.Ingest(e, At(at));
  };
  auto notified = fire({{"alertname", "N"}, {"severity", "page"}}, "2026-11-23T09:00:00Z");
  auto held = fire({{"alertname", "H"}, {"severity", "page"}}, "2026-11-23T12:30:00Z");
  auto capped = fire({{"alertname", "C"}, {"severity", "capped"}}, "2026-11-28T10:00:00Z");
  auto acked = fire({{"alertname", "A"}, {"severity", "page"}}, "2026-11-30T09:00:00Z");
  REQUIRE(a.Acknowledge(acked.id, "alice", "", At("2026-11-30T09:05:00Z")).has_value());
  auto expiring = fire({{"alertname", "E"}, {"severity", "page"}}, "2026-11-30T09:10:00Z",
                       At("2026-11-30T11:00:00Z"));
  a.AddSilence({"", rota::rules::ParseMatchers(R"(alertname="S")").value(),
                At("2026-11-30T09:00:00Z"), At("2026-11-30T10:30:00Z"), "x", ""},
               At("2026-11-30T09:00:00Z"));
  auto silenced = fire({{"alertname", "S"}, {"severity", "page"}}, "2026-11-30T09:15:00Z");
  (void)a.TakeNotifications();
  (void)notified;
  (void)held;
  (void)capped;
  (void)expiring;
  (void)silenced;

  // "Crash" at 09:20 Monday 30th: encode everything, restore into B an hour later.
  std::vector<Alert> stored;
  a.ForEachAlert([&](const Alert& alert) {
    auto decoded = rota::store::DecodeAlert(rota::store::EncodeAlert(alert, *config), *config);
    REQUIRE(decoded.has_value());
    stored.push_back(std::move(*decoded));
  });
  std::vector<rota::rules::Silence> silences;
  for (const auto& s : a.silences()) {
    silences.push_back(rota::store::DecodeSilence(rota::store::EncodeSilence(s)).value());
  }
  const TimePoint restart = At("2026-11-30T10:20:00Z");
  Engine b(model);
  b.Restore(std::move(stored), std::move(silences), restart);
  CHECK(b.AlertCount() == a.AlertCount());
  CHECK(b.FindByKey(a.Find(acked.id)->key)->acked_by == "alice");

  // A runs through the "downtime"; B fires what passed at its first Tick.
  const auto a_during = Run(a, restart);
  const auto b_first = Run(b, restart);
  // What A decided while B was down, B decides once, at the restart (same people, same steps).
  REQUIRE(a_during.size() == b_first.size());
  for (std::size_t i = 0; i < a_during.size(); ++i) {
    CHECK(a_during[i].substr(0, a_during[i].find('@')) ==
          b_first[i].substr(0, b_first[i].find('@')));
  }
  // From then on, the same decisions (deadlines due at the same instant may
  // fire in another order: compare as sets).
  const TimePoint until = At("2026-12-03T00:00:00Z");
  auto after_a = Run(a, until);
  auto after_b = Run(b, until);
  std::sort(after_a.begin(), after_a.end());
  std::sort(after_b.begin(), after_b.end());
  CHECK(after_a.size() > 50);
  CHECK(after_a == after_b);
  CHECK(a.Find(expiring.id)->state == AlertState::kResolved);
  CHECK(b.Find(expiring.id)->state == AlertState::kResolved);
}

TEST_CASE("changes are reported once, forgotten alerts for deletion") {
  const auto config = rota::testing::LoadConfig(kConfig);
  auto roster = std::make_shared<const rota::schedule::Roster>(rota::config::ToRosterSpec(*config));
  Engine e(Model::Build(config, roster));
  Event ev;
  ev.source = "test";
  ev.labels = LabelSet({{"alertname", "X"}, {"severity", "page"}});
  auto r = e.Ingest(ev, At("2026-11-23T09:00:00Z"));
  auto c = e.TakeChanges();
  CHECK(c.changed == std::vector<AlertId>{r.id});
  CHECK(e.TakeChanges().changed.empty());
  e.Ingest(ev, At("2026-11-23T09:01:00Z"));  // a re-send only touches the alert
  c = e.TakeChanges();
  CHECK(c.changed.empty());
  CHECK(c.touched == std::vector<AlertId>{r.id});
  ev.annotations = {{"summary", "now with a summary"}};
  e.Ingest(ev, At("2026-11-23T09:01:30Z"));  // new annotations rewrite it
  c = e.TakeChanges();
  CHECK(c.changed == std::vector<AlertId>{r.id});
  CHECK(c.touched.empty());
  REQUIRE(e.Resolve(r.id, "x", "", At("2026-11-23T09:02:00Z")).has_value());
  (void)e.TakeChanges();
  CHECK(e.PruneResolved(At("2026-11-25T00:00:00Z")) == 1);
  c = e.TakeChanges();
  CHECK(c.forgotten == std::vector<AlertId>{r.id});
  CHECK(c.changed.empty());
}

TEST_CASE("resolved alerts are forgotten oldest first, restored ones by their resolution time") {
  const auto config = rota::testing::LoadConfig(kConfig);
  auto roster = std::make_shared<const rota::schedule::Roster>(rota::config::ToRosterSpec(*config));
  const auto model = Model::Build(config, roster);
  Engine e(model);
  std::vector<AlertId> ids;
  for (int i = 0; i < 6; ++i) {
    Event ev;
    ev.source = "test";
    ev.labels = LabelSet({{"alertname", "R" + std::to_string(i)}, {"severity", "page"}});
    ids.push_back(e.Ingest(ev, At("2026-11-23T09:00:00Z")).id);
  }
  // Resolved at 10:00, 11:00, ... in reverse id order; ids[5] stays open.
  for (int i = 4; i >= 0; --i) {
    const std::string at = "2026-11-23T1" + std::to_string(4 - i) + ":00:00Z";
    REQUIRE(e.Resolve(ids[static_cast<std::size_t>(i)], "x", "", At(at)).has_value());
  }
  // A restored copy must prune the same way (its order comes from the documents).
  std::vector<Alert> stored;
  e.ForEachAlert([&](const Alert& a) {
    stored.push_back(
        rota::store::DecodeAlert(rota::store::EncodeAlert(a, *config), *config).value());
  });
  Engine restored(model);
  restored.Restore(std::move(stored), {}, At("2026-11-23T15:00:00Z"));
  for (Engine* engine : {&e, &restored}) {
    CHECK(engine->PruneResolved(At("2026-11-23T10:00:00Z")) == 0);  // resolved exactly then: kept
    CHECK(engine->PruneResolved(At("2026-11-23T12:30:00Z")) == 3);  // 10:00, 11:00, 12:00
    CHECK(engine->Find(ids[4]) == nullptr);
    CHECK(engine->Find(ids[2]) == nullptr);
    CHECK(engine->Find(ids[1]) != nullptr);
    CHECK(engine->PruneResolved(At("2026-12-01T00:00:00Z")) == 2);
    CHECK(engine->Find(ids[5]) != nullptr);  // open: never pruned
    CHECK(engine->AlertCount() == 1);
  }
}

TEST_CASE("stored alerts load on several threads in id order, skipping what does not decode") {
  const auto config = rota::testing::LoadConfig(kConfig);
  auto roster = std::make_shared<const rota::schedule::Roster>(rota::config::ToRosterSpec(*config));
  Engine source(Model::Build(config, roster));
  // Enough alerts for the threaded path (the loader reads small stores on one thread).
  const int kAlerts = 12'000;
  for (int i = 0; i < kAlerts; ++i) {
    Event e;
    e.source = "test";
    e.labels =
        LabelSet({{"alertname", "L" + std::to_string(i)}, {"severity", i % 2 ? "page" : "capped"}});
    (void)source.Ingest(e, At("2026-11-23T09:00:00Z"));
  }
  rota::testing::TempDir dir;
  const std::string path = dir.path() + "/rota.db";
  {
    auto db = rota::store::Db::Open(path, {});
    REQUIRE(db.has_value());
    REQUIRE(rota::store::Migrate(**db).has_value());
    auto insert = (*db)->Prepare(
        "INSERT INTO alerts(id, key, state, updated_at, resolved_at, doc) VALUES "
        "(?1,?2,'firing',0,NULL,?3)");
    REQUIRE(insert.has_value());
    REQUIRE((*db)->Exec("BEGIN").has_value());
    source.ForEachAlert([&](const Alert& a) {
      // Gaps in the ids (as after pruning) and one broken document.
      if (a.id % 7 == 0) {
        return;
      }
      const std::string doc = a.id == 5000 ? "{not json" : rota::store::EncodeAlert(a, *config);
      REQUIRE(insert->Bind(1, static_cast<std::int64_t>(a.id))
                  .Bind(2, a.key)
                  .Bind(3, doc)
                  .Run()
                  .has_value());
    });
    REQUIRE((*db)->Exec("COMMIT").has_value());
  }
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    auto loaded = rota::store::LoadAlerts(path, *config, threads);
    REQUIRE(loaded.has_value());
    REQUIRE(loaded->skipped.size() == 1);
    CHECK(loaded->skipped[0].id == 5000);
    CHECK(loaded->size() == static_cast<std::size_t>(kAlerts - kAlerts / 7 - 1));
    CHECK(loaded->parts.size() == static_cast<std::size_t>(threads));
    AlertId last = 0;
    for (const auto& part : loaded->parts) {
      for (const auto& a : part) {
        CHECK(a.id > last);
        last = a.id;
        const Alert* original = source.Find(a.id);
        REQUIRE(original != nullptr);
        CHECK(a.labels == original->labels);
        CHECK(a.timeline.size() == original->timeline.size());
        CHECK(a.timeline.back().payload == original->timeline.back().payload);
      }
    }
    Engine restored(Model::Build(config, roster));
    restored.Restore(std::move(loaded->parts), {}, At("2026-11-23T09:00:01Z"));
    CHECK(restored.AlertCount() == static_cast<std::size_t>(kAlerts - kAlerts / 7 - 1));
    const Alert* some = source.Find(kAlerts - 1);
    REQUIRE(restored.FindByKey(some->key) != nullptr);
    CHECK(restored.FindByKey(some->key)->id == some->id);
  }
}
