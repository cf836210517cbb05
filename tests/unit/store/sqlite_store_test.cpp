// The SQLite backend beyond the contract: rows that do not decode are
// skipped (never a crash) and their ids are never handed out again; a store
// written by the previous schema migrates forward.
#include <doctest/doctest.h>
#include <unistd.h>

#include <future>

#include "../test_util.h"
#include "config/roster_spec.h"
#include "engine/engine.h"
#include "store/alert_codec.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/store.h"

using namespace rota;
using rota::testing::TempDir;

namespace {

constexpr const char* kConfig = R"(
people: [{id: alice, hours: [{}]}]
routes: [{name: r, escalation: e}]
escalations: [{name: e, steps: [{notify: ['person:alice']}]}]
)";

std::unique_ptr<store::Db> Raw(const std::string& dir) {
  auto db = store::Db::Open(dir + "/rota.db", {});
  REQUIRE(db.has_value());
  return std::move(*db);
}

}  // namespace

TEST_CASE("sqlite: rows that do not decode are skipped and keep their ids") {
  TempDir dir;
  const auto config = rota::testing::LoadConfig(kConfig);
  {
    auto s = store::OpenSqlite({dir.path()}, nullptr);  // creates the schema
    REQUIRE(s.has_value());
  }
  {
    auto db = Raw(dir.path());
    REQUIRE(db->Exec("INSERT INTO alerts(id, key, state, updated_at, doc) VALUES (41, 'k', "
                     "'firing', 0, '{not json')")
                .has_value());
    REQUIRE(db->Exec("INSERT INTO silences(id, ends_at, doc) VALUES ('s-9', 0, '[]')").has_value());
    // The shape that aborted rotad on every start: "start" is not a number.
    REQUIRE(db->Exec("INSERT INTO overrides(id, end_at, doc) VALUES ('o-12', 0, "
                     "'{\"id\":\"o-12\",\"person\":\"alice\",\"start\":\"x\",\"end\":1}')")
                .has_value());
    REQUIRE(
        db->Exec("INSERT INTO overrides(id, end_at, doc) VALUES ('o-2', 0, 'null')").has_value());
  }
  auto s = store::OpenSqlite({dir.path()}, nullptr);
  REQUIRE(s.has_value());
  auto st = (*s)->Load(*config);
  REQUIRE(st.has_value());
  CHECK(st->AlertCount() == 0);
  CHECK(st->silences.empty());
  CHECK(st->overrides.empty());
  REQUIRE(st->skipped.size() == 4);
  std::vector<std::string> where;
  for (const auto& k : st->skipped) {
    where.push_back(k.table + ":" + k.id);
    CHECK_FALSE(k.error.empty());
  }
  CHECK(where ==
        std::vector<std::string>{"alerts:41", "silences:s-9", "overrides:o-12", "overrides:o-2"});
  CHECK(st->next_alert_id == 42);
  CHECK(st->next_silence_id == 10);
  CHECK(st->next_override_id == 13);
}

TEST_CASE("sqlite: a store of schema 2 migrates forward; endsAt comes from the document") {
  TempDir dir;
  const auto config = rota::testing::LoadConfig(kConfig);
  {
    auto db = Raw(dir.path());
    auto all = store::BuiltinMigrations();
    REQUIRE(all.size() >= 3);
    all.resize(2);
    REQUIRE(store::Migrate(*db, all).value() == 2);
    // A document as the previous version wrote it: endsAt only inside it.
    auto roster = std::make_shared<const schedule::Roster>(config::ToRosterSpec(*config));
    engine::Engine e(engine::Model::Build(config, roster));
    engine::Event ev;
    ev.source = "test";
    ev.labels = LabelSet({{"alertname", "A"}});
    ev.ends_at = TimePoint{std::chrono::milliseconds(99000)};
    const auto id = e.Ingest(ev, TimePoint{std::chrono::milliseconds(1000)}).id;
    REQUIRE(id == 1);
    auto ins = db->Prepare(
        "INSERT INTO alerts(id, key, state, updated_at, doc) VALUES (5, 'k', 'firing', 1000, ?1)");
    REQUIRE(ins.has_value());
    std::string doc = store::EncodeAlert(*e.Find(id), *config);
    const auto at = doc.find("\"id\":1");
    REQUIRE(at != std::string::npos);
    doc.replace(at, 6, "\"id\":5");
    REQUIRE(ins->Bind(1, doc).Run().has_value());
  }
  auto s = store::OpenSqlite({dir.path()}, nullptr);
  REQUIRE(s.has_value());
  auto st = (*s)->Load(*config);
  REQUIRE(st.has_value());
  CHECK(st->schema == static_cast<int>(store::BuiltinMigrations().size()));
  INFO((st->skipped.empty() ? "" : st->skipped[0].error));
  REQUIRE(st->AlertCount() == 1);
  const auto& a = st->alerts.front().front();
  CHECK(a.id == 5);
  REQUIRE(a.ends_at.has_value());
  CHECK(a.ends_at->time_since_epoch().count() == 99000);
  CHECK(st->next_alert_id == 6);
}

TEST_CASE(
    "sqlite: a delivered notification's row is deleted; failed and rejected rows stay until "
    "retention") {
  TempDir dir;
  const auto config = rota::testing::LoadConfig(kConfig);
  {
    auto s = store::OpenSqlite({dir.path()}, nullptr);
    REQUIRE(s.has_value());
    REQUIRE((*s)->Load(*config).has_value());
    const auto write = [&](store::Batch b) {
      std::promise<Result<void>> done;
      (*s)->Write(std::move(b), [&](const Result<void>& r) { done.set_value(r); });
      REQUIRE(done.get_future().get().has_value());
    };
    store::Batch rows;
    for (const char* key : {"k1", "k2"}) {
      rows.outbox.push_back({key, "hooks", "alice", "alert", "{}", 1000, 1000, 0});
    }
    write(std::move(rows));
    store::Batch marks;
    marks.marks.push_back({"k1", store::OutboxState::kDelivered, 1, 0, "HTTP 200"});
    marks.marks.push_back({"k2", store::OutboxState::kFailed, 1, 0, "HTTP 400"});
    write(std::move(marks));
    (*s)->Stop();
  }
  auto db = Raw(dir.path());
  auto q = db->Prepare("SELECT idempotency_key, state FROM outbox ORDER BY idempotency_key");
  REQUIRE(q.has_value());
  std::vector<std::string> rows;
  while (q->Step().value()) {
    rows.push_back(q->Text(0) + ":" + q->Text(1));
  }
  CHECK(rows == std::vector<std::string>{"k2:failed"});
}

TEST_CASE(
    "sqlite: one store per folder; a second open names the holder's pid, and opens once it is "
    "gone") {
  TempDir dir;
  auto first = store::OpenSqlite({dir.path()}, nullptr);
  REQUIRE(first.has_value());
  auto second = store::OpenSqlite({dir.path()}, nullptr);
  REQUIRE_FALSE(second.has_value());
  const std::string msg = second.error().message();
  CHECK(msg.find("is in use by another rotad (pid " + std::to_string(::getpid()) + ",") !=
        std::string::npos);
  CHECK(msg.find("storage.backend: postgres") != std::string::npos);
  first->reset();
  auto third = store::OpenSqlite({dir.path()}, nullptr);
  CHECK(third.has_value());
}
