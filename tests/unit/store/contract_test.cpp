// The store contract: what every backend of store::Store must do, written
// once against the interface. Each backend adds itself to Backends(); the
// PostgreSQL backend joins here and passes the same cases by construction.
#include <doctest/doctest.h>

#include <functional>
#include <future>
#include <mutex>
#include <numeric>

#include "../test_util.h"
#include "config/roster_spec.h"
#include "engine/engine.h"
#include "pg_test_util.h"
#include "store/alert_codec.h"
#include "store/store.h"

using namespace rota;
using rota::testing::At;
using rota::testing::TempDir;

namespace {

constexpr const char* kConfig = R"(
people:
  - {id: alice, hours: [{}]}
  - {id: bob, hours: [{}]}
teams: [{id: payments, members: [alice, bob]}]
routes:
  - {name: pages, matchers: ['severity="page"'], group_by: ['...'], group_wait: 0s, escalation: payments}
escalations:
  - name: payments
    steps: [{notify: ['team:payments'], escalate_after: 15m}]
)";

// A fresh, empty store of one backend, living in `dir`.
struct Backend {
  std::string name;
  std::function<std::unique_ptr<store::Store>(const std::string& dir)> open;
};

std::vector<Backend> Backends() {
  std::vector<Backend> out = {{"sqlite", [](const std::string& dir) {
                                 store::SqliteOptions o;
                                 o.dir = dir;
                                 auto s = store::OpenSqlite(o, nullptr);
                                 REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message()));
                                 return std::move(*s);
                               }}};
  if (const std::string admin = rota::testing::PgAdminDsn(); !admin.empty()) {
    out.push_back({"postgres", [admin](const std::string& dir) {
                     store::PostgresOptions o;
                     o.dsn = rota::testing::PgDatabaseFor(admin, dir);
                     o.instance = "test";
                     auto s = store::OpenPostgres(o, nullptr);
                     REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message()));
                     return std::move(*s);
                   }});
  }
  return out;
}

Result<void> WriteAndWait(store::Store& s, store::Batch b) {
  std::promise<Result<void>> done;
  auto f = done.get_future();
  s.Write(std::move(b), [&](const Result<void>& r) { done.set_value(r); });
  return f.get();
}

struct Fixture {
  std::shared_ptr<const config::Config> config = rota::testing::LoadConfig(kConfig);
  std::unique_ptr<engine::Engine> engine;
  Fixture() {
    auto roster = std::make_shared<const schedule::Roster>(config::ToRosterSpec(*config));
    engine = std::make_unique<engine::Engine>(engine::Model::Build(config, roster));
  }
  // An alert row as the shell writes it.
  store::AlertWrite Row(engine::AlertId id) const {
    const engine::Alert& a = *engine->Find(id);
    return {a.id,
            a.key,
            a.state,
            a.updated_at.time_since_epoch().count(),
            a.ends_at ? std::optional<std::int64_t>(a.ends_at->time_since_epoch().count())
                      : std::nullopt,
            std::nullopt,
            store::EncodeAlert(a, *config)};
  }
  // A batch that writes these alerts in full, with the next id.
  store::Batch Written(const std::vector<engine::AlertId>& ids) const {
    store::Batch batch;
    for (auto id : ids) {
      batch.alerts.push_back(Row(id));
    }
    batch.next_alert_id = engine->next_alert_id();
    return batch;
  }
  // Alerts A (09:00:00) and B (09:00:01) of 2026-11-23, the cases' usual pair.
  std::pair<engine::AlertId, engine::AlertId> FireTwo() {
    return {Fire("A", At("2026-11-23T09:00:00Z")), Fire("B", At("2026-11-23T09:00:01Z"))};
  }
  engine::AlertId Fire(const std::string& name, TimePoint at) {
    engine::Event ev;
    ev.source = "test";
    ev.labels = LabelSet({{"alertname", name}, {"severity", "page"}});
    return engine->Ingest(ev, at).id;
  }
};

// A backend's store on `dir`, loaded (as rotad does before its first write).
std::unique_ptr<store::Store> Fresh(const Backend& b, const std::string& dir,
                                    const config::Config& c) {
  auto s = b.open(dir);
  REQUIRE(s->Load(c).has_value());
  return s;
}

// What a restart sees: `s` stops, the backend opens `dir` again and loads.
store::State Restart(const Backend& b, const std::string& dir, const config::Config& c,
                     std::unique_ptr<store::Store>& s) {
  s->Stop();
  s.reset();  // one store per folder: the first closes (and unlocks) before the second opens
  s = b.open(dir);
  auto st = s->Load(c);
  REQUIRE(st.has_value());
  return std::move(*st);
}

std::vector<engine::Alert> AllAlerts(const store::State& st) {
  std::vector<engine::Alert> out;
  for (const auto& part : st.alerts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// A batch with one re-send: last-seen and endsAt of `id` move.
store::Batch Touch(engine::AlertId id, const std::string& seen, const std::string& ends) {
  store::Batch b;
  b.touches.push_back(
      {id, At(seen).time_since_epoch().count(), At(ends).time_since_epoch().count()});
  return b;
}

}  // namespace

TEST_CASE("store contract: alerts round trip, a touch moves only last-seen and endsAt") {
  for (const auto& backend : Backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    Fixture f;
    const auto [a, b] = f.FireTwo();
    auto s = Fresh(backend, dir.path(), *f.config);
    REQUIRE(WriteAndWait(*s, f.Written({a, b})).has_value());
    REQUIRE(WriteAndWait(*s, Touch(a, "2026-11-23T09:05:00Z", "2026-11-23T10:00:00Z")).has_value());
    const auto st = Restart(backend, dir.path(), *f.config, s);
    const auto alerts = AllAlerts(st);
    REQUIRE(alerts.size() == 2);
    CHECK(alerts[0].id == a);
    CHECK(alerts[0].updated_at == At("2026-11-23T09:05:00Z"));
    REQUIRE(alerts[0].ends_at.has_value());
    CHECK(*alerts[0].ends_at == At("2026-11-23T10:00:00Z"));
    CHECK(alerts[0].timeline.size() == f.engine->Find(a)->timeline.size());
    CHECK(alerts[1].id == b);
    CHECK(alerts[1].updated_at == f.engine->Find(b)->updated_at);
    CHECK_FALSE(alerts[1].ends_at.has_value());
    CHECK(st.next_alert_id == b + 1);
    CHECK(st.skipped.empty());
  }
}

TEST_CASE("store contract: the later of a touch and a full write decides last-seen and endsAt") {
  for (const auto& backend : Backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    Fixture f;
    const auto a = f.Fire("A", At("2026-11-23T09:00:00Z"));
    auto s = Fresh(backend, dir.path(), *f.config);
    store::Batch first;
    first.alerts = {f.Row(a)};
    REQUIRE(WriteAndWait(*s, std::move(first)).has_value());
    REQUIRE(WriteAndWait(*s, Touch(a, "2026-11-23T09:05:00Z", "2026-11-23T10:00:00Z")).has_value());
    // A full write after the touch carries its own values (here the
    // engine's, from before the touch): it wins.
    store::Batch rewrite;
    rewrite.alerts = {f.Row(a)};
    REQUIRE(WriteAndWait(*s, std::move(rewrite)).has_value());
    auto st = Restart(backend, dir.path(), *f.config, s);
    auto alerts = AllAlerts(st);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].updated_at == At("2026-11-23T09:00:00Z"));
    CHECK_FALSE(alerts[0].ends_at.has_value());
    // And a touch after that full write wins again (Restart left `s` open
    // and loaded).
    REQUIRE(WriteAndWait(*s, Touch(a, "2026-11-23T09:07:00Z", "2026-11-23T11:00:00Z")).has_value());
    st = Restart(backend, dir.path(), *f.config, s);
    alerts = AllAlerts(st);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].updated_at == At("2026-11-23T09:07:00Z"));
    REQUIRE(alerts[0].ends_at.has_value());
    CHECK(*alerts[0].ends_at == At("2026-11-23T11:00:00Z"));
  }
}

TEST_CASE("store contract: batches queued together leave what they would one after another") {
  for (const auto& backend : Backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    Fixture f;
    const auto [a, b] = f.FireTwo();
    auto s = Fresh(backend, dir.path(), *f.config);
    // Queued back to back without waiting: a backend may write them in one
    // transaction (PostgreSQL merges them), with the same result.
    std::vector<std::future<Result<void>>> done;
    const auto submit = [&](store::Batch batch) {
      auto p = std::make_shared<std::promise<Result<void>>>();
      done.push_back(p->get_future());
      s->Write(std::move(batch), [p](const Result<void>& r) { p->set_value(r); });
    };
    submit(f.Written({a, b}));
    submit(Touch(a, "2026-11-23T09:05:00Z", "2026-11-23T10:00:00Z"));  // a: superseded below
    submit(Touch(b, "2026-11-23T09:06:00Z", "2026-11-23T10:30:00Z"));  // b: stays
    store::Batch again;
    again.alerts = {f.Row(a)};  // a's full write after its touch wins
    submit(std::move(again));
    store::Batch notify;
    notify.outbox.push_back({"k1", "hooks", "alice", "alert", "{}", 1, 1, 0});
    notify.outbox.push_back({"k2", "hooks", "alice", "alert", "{}", 2, 2, 0});
    submit(std::move(notify));
    store::Batch marks;
    marks.marks.push_back({"k1", store::OutboxState::kPending, 1, 5000, "HTTP 503"});
    marks.marks.push_back({"k1", store::OutboxState::kDelivered, 2, 0, ""});  // the last mark wins
    submit(std::move(marks));
    for (auto& d : done) {
      REQUIRE(d.get().has_value());
    }
    const auto st = Restart(backend, dir.path(), *f.config, s);
    const auto alerts = AllAlerts(st);
    REQUIRE(alerts.size() == 2);
    CHECK(alerts[0].updated_at == f.engine->Find(a)->updated_at);
    CHECK_FALSE(alerts[0].ends_at.has_value());
    CHECK(alerts[1].updated_at == At("2026-11-23T09:06:00Z"));
    REQUIRE(alerts[1].ends_at.has_value());
    CHECK(*alerts[1].ends_at == At("2026-11-23T10:30:00Z"));
    REQUIRE(st.pending.size() == 1);
    CHECK(st.pending[0].key == "k2");
  }
}

TEST_CASE("store contract: forgotten alerts are gone, their ids stay taken") {
  for (const auto& backend : Backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    Fixture f;
    const auto [a, b] = f.FireTwo();
    auto s = Fresh(backend, dir.path(), *f.config);
    REQUIRE(WriteAndWait(*s, f.Written({a, b})).has_value());
    store::Batch forget;
    forget.forgotten = {b};  // the newest: max(id) alone would hand b out again
    REQUIRE(WriteAndWait(*s, std::move(forget)).has_value());
    auto st = Restart(backend, dir.path(), *f.config, s);
    REQUIRE(AllAlerts(st).size() == 1);
    CHECK(AllAlerts(st)[0].id == a);
    CHECK(st.next_alert_id == b + 1);
  }
}

TEST_CASE(
    "store contract: silences and overrides are written and deleted row by row, their ids never "
    "reused") {
  for (const auto& backend : Backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    Fixture f;
    auto s = Fresh(backend, dir.path(), *f.config);
    rules::Silence silence;
    silence.id = "s-7";
    silence.matchers = rules::ParseMatchers("alertname=\"A\"").value();
    silence.starts_at = At("2026-11-23T09:00:00Z");
    silence.ends_at = At("2026-11-23T11:00:00Z");
    silence.created_by = "alice";
    silence.comment = "deploy";
    schedule::OverrideSpec o1{
        "o-3",     "bob", "alice", "", At("2026-11-23T09:00:00Z"), At("2026-11-23T17:00:00Z"),
        "covering"};
    schedule::OverrideSpec o2{
        "o-4", "alice", "", "payments", At("2026-11-24T09:00:00Z"), At("2026-11-24T17:00:00Z"), ""};
    store::Batch batch;
    batch.silences = std::vector<rules::Silence>{silence};
    batch.overrides = std::vector<schedule::OverrideSpec>{o1, o2};
    REQUIRE(WriteAndWait(*s, std::move(batch)).has_value());
    // Row by row: o-3 deleted, o-4 written again with a new end.
    store::Batch rows;
    rows.overrides_deleted = {"o-3"};
    o2.end = At("2026-11-24T18:00:00Z");
    rows.overrides = {o2};
    REQUIRE(WriteAndWait(*s, std::move(rows)).has_value());
    auto st = Restart(backend, dir.path(), *f.config, s);
    REQUIRE(st.silences.size() == 1);
    CHECK(st.silences[0].id == "s-7");
    CHECK(st.silences[0].ends_at == silence.ends_at);
    CHECK(st.silences[0].comment == "deploy");
    CHECK(st.next_silence_id == 8);
    REQUIRE(st.overrides.size() == 1);
    CHECK(st.overrides[0].id == "o-4");
    CHECK(st.overrides[0].team == "payments");
    CHECK(st.overrides[0].start == o2.start);
    CHECK(st.overrides[0].end == o2.end);
    CHECK(st.next_override_id == 5);
    // Pruned rows: their ids are not handed out again, by the serials in meta.
    store::Batch prune;
    prune.silences_deleted = {"s-7"};
    prune.overrides_deleted = {"o-4"};
    prune.next_silence_id = 9;
    prune.next_override_id = 6;
    REQUIRE(WriteAndWait(*s, std::move(prune)).has_value());
    auto after = Restart(backend, dir.path(), *f.config, s);
    CHECK(after.silences.empty());
    CHECK(after.overrides.empty());
    CHECK(after.next_silence_id == 9);
    CHECK(after.next_override_id == 6);
  }
}

TEST_CASE("store contract: the outbox keeps pending notifications with their schedule") {
  for (const auto& backend : Backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    Fixture f;
    auto s = Fresh(backend, dir.path(), *f.config);
    const auto t0 = At("2026-11-23T09:00:00Z").time_since_epoch().count();
    store::Batch batch;
    for (const char* key : {"k1", "k2", "k3", "k4"}) {
      batch.outbox.push_back({key, "hooks", "alice", "alert", R"({"to":"alice"})", t0, t0, 0});
    }
    REQUIRE(WriteAndWait(*s, std::move(batch)).has_value());
    store::Batch marks;
    marks.marks.push_back({"k1", store::OutboxState::kDelivered, 1, 0, "HTTP 200"});
    marks.marks.push_back({"k2", store::OutboxState::kFailed, 1, 0, "HTTP 400"});
    marks.marks.push_back({"k3", store::OutboxState::kPending, 2, t0 + 4000, "HTTP 503"});
    // A re-write of a row already there (a decision stored twice) keeps the first.
    marks.outbox.push_back({"k4", "other", "bob", "digest", "{}", t0 + 1, t0 + 1, 0});
    REQUIRE(WriteAndWait(*s, std::move(marks)).has_value());
    auto st = Restart(backend, dir.path(), *f.config, s);
    REQUIRE(st.pending.size() == 2);
    CHECK(st.pending[0].key == "k3");
    CHECK(st.pending[0].attempts == 2);
    CHECK(st.pending[0].next_attempt_ms == t0 + 4000);
    CHECK(st.pending[1].key == "k4");
    CHECK(st.pending[1].channel == "hooks");
    CHECK(st.pending[1].payload == R"({"to":"alice"})");
    CHECK(st.pending[1].next_attempt_ms == t0);

    // Retention forgets finished notifications only.
    s->PruneFinished(t0 + 1, 0);
    REQUIRE(WriteAndWait(*s, store::Batch{}).has_value());
    st = Restart(backend, dir.path(), *f.config, s);
    CHECK(st.pending.size() == 2);
  }
}

TEST_CASE("store contract: history rows are kept by receipt time, read by range and pruned") {
  for (const auto& backend : Backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    Fixture f;
    auto s = Fresh(backend, dir.path(), *f.config);
    const auto t0 = At("2026-11-23T09:00:00Z").time_since_epoch().count();
    store::Batch batch;
    for (int i = 1; i <= 5; ++i) {
      batch.history.push_back(
          {static_cast<engine::AlertId>(i), t0 + i * 1000, "{\"n\":" + std::to_string(i) + "}"});
    }
    REQUIRE(WriteAndWait(*s, std::move(batch)).has_value());
    // The same alert written again (a retried prune) replaces its row, even
    // twice in one batch (PostgreSQL's upsert refuses a row twice in one statement).
    store::Batch again;
    again.history.push_back({3, t0 + 3000, "{\"n\":32}"});
    again.history.push_back({3, t0 + 3000, "{\"n\":33}"});
    REQUIRE(WriteAndWait(*s, std::move(again)).has_value());
    auto rows = s->History(t0 + 2000, t0 + 5000);
    REQUIRE(rows.has_value());
    REQUIRE(rows->size() == 3);
    CHECK((*rows)[0].id == 2);
    CHECK((*rows)[1].doc == "{\"n\":33}");
    CHECK((*rows)[2].received_ms == t0 + 4000);
    // Retention of history: rows received before the cutoff go, the others stay.
    s->PruneFinished(0, t0 + 3000);
    REQUIRE(WriteAndWait(*s, store::Batch{}).has_value());
    rows = s->History(0, t0 + 10000);
    REQUIRE(rows.has_value());
    REQUIRE(rows->size() == 3);
    CHECK((*rows)[0].id == 3);
    // Kept across a restart.
    (void)Restart(backend, dir.path(), *f.config, s);
    rows = s->History(0, t0 + 10000);
    REQUIRE(rows.has_value());
    CHECK(rows->size() == 3);
  }
}

TEST_CASE("store contract: review marks persist, only move forward, and a bad one is skipped") {
  for (const auto& backend : Backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    Fixture f;
    auto s = Fresh(backend, dir.path(), *f.config);
    store::Batch batch;
    batch.reviews.push_back({"ops 1w mon 09:00 UTC", 2000});
    batch.reviews.push_back({"web 1mo fri 16:00 Europe/Berlin", 5000});
    REQUIRE(WriteAndWait(*s, std::move(batch)).has_value());
    // A later write with an older period end (a former leader's) changes nothing.
    store::Batch older;
    older.reviews.push_back({"ops 1w mon 09:00 UTC", 1000});
    older.reviews.push_back({"web 1mo fri 16:00 Europe/Berlin", 9000});
    REQUIRE(WriteAndWait(*s, std::move(older)).has_value());
    auto st = Restart(backend, dir.path(), *f.config, s);
    CHECK(st.reviews ==
          std::map<std::string, std::int64_t>{{"ops 1w mon 09:00 UTC", 2000},
                                              {"web 1mo fri 16:00 Europe/Berlin", 9000}});
    CHECK(st.skipped.empty());
  }
  // A stored value that is not a number is skipped and named, never a crash.
  store::State st;
  store::AddMetaRow("review:x", "12x", st);
  store::AddMetaRow("review:y", "34", st);
  CHECK(st.reviews == std::map<std::string, std::int64_t>{{"y", 34}});
  REQUIRE(st.skipped.size() == 1);
  CHECK(st.skipped[0].id == "review:x");
}

TEST_CASE("store contract: reroutes are replaced as a whole and come back with their ids") {
  for (const auto& backend : Backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    Fixture f;
    auto s = Fresh(backend, dir.path(), *f.config);
    engine::Reroute a;
    a.id = "r-1";
    a.team = "payments";
    a.escalation = "vendor";
    a.until = At("2026-11-24T09:00:00Z");
    a.reason = "offsite";
    a.created_by = "ann";
    a.created_at = At("2026-11-23T09:00:00Z");
    engine::Reroute b = a;
    b.id = "r-7";
    b.until.reset();
    store::Batch batch;
    batch.reroutes = std::vector<engine::Reroute>{a, b};
    REQUIRE(WriteAndWait(*s, std::move(batch)).has_value());
    auto st = Restart(backend, dir.path(), *f.config, s);
    REQUIRE(st.reroutes.size() == 2);
    CHECK(st.next_reroute_id == 8);
    const auto& got = st.reroutes[0].id == "r-1" ? st.reroutes[0] : st.reroutes[1];
    CHECK(got.team == "payments");
    CHECK(got.escalation == "vendor");
    CHECK(got.until == a.until);
    CHECK(got.reason == "offsite");
    CHECK(got.created_by == "ann");
    CHECK(got.created_at == a.created_at);
    // Cleared: the next write carries what is left.
    store::Batch cleared;
    cleared.reroutes = std::vector<engine::Reroute>{b};
    REQUIRE(WriteAndWait(*s, std::move(cleared)).has_value());
    st = Restart(backend, dir.path(), *f.config, s);
    REQUIRE(st.reroutes.size() == 1);
    CHECK(st.reroutes[0].id == "r-7");
    CHECK_FALSE(st.reroutes[0].until.has_value());
  }
  store::State st;
  store::AddMetaRow("reroute:r-3", "{not json", st);
  CHECK(st.reroutes.empty());
  REQUIRE(st.skipped.size() == 1);
  CHECK(st.skipped[0].id == "reroute:r-3");
}

TEST_CASE("store contract: done runs after the batch is durable, in order") {
  for (const auto& backend : Backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    Fixture f;
    auto s = Fresh(backend, dir.path(), *f.config);
    std::vector<int> order;
    std::mutex mu;
    std::vector<std::future<void>> waits;
    std::vector<std::promise<void>> dones(20);
    for (int i = 0; i < 20; ++i) {
      waits.push_back(dones[static_cast<std::size_t>(i)].get_future());
      store::Batch b;
      b.outbox.push_back({"k" + std::to_string(i), "hooks", "alice", "alert", "{}", i, i, 0});
      s->Write(std::move(b), [&, i](const Result<void>& r) {
        CHECK(r.has_value());
        std::lock_guard lock(mu);
        order.push_back(i);
        dones[static_cast<std::size_t>(i)].set_value();
      });
    }
    for (auto& w : waits) {
      w.get();
    }
    std::vector<int> expected(20);
    std::iota(expected.begin(), expected.end(), 0);
    CHECK(order == expected);
    auto st = Restart(backend, dir.path(), *f.config, s);
    CHECK(st.pending.size() == 20);
  }
}
