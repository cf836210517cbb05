// What the PostgreSQL backend does beyond the store contract (which
// contract_test.cpp runs against it): migrations under an advisory lock, a
// newer schema refused untouched, fencing by epoch, and a lost connection.
// Runs against the throwaway cluster of ctest's `pg` fixture.
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>

#include "../test_util.h"
#include "pg_test_util.h"
#include "store/store.h"

using namespace rota;

namespace {

std::string Admin() {
  std::string admin = rota::testing::PgAdminDsn();
  REQUIRE_MESSAGE(!admin.empty(), "run through ctest (its pg fixture starts PostgreSQL) or set ROTA_TEST_PG");
  return admin;
}

std::unique_ptr<store::PgConn> Connect(const std::string& dsn) {
  auto c = store::PgConn::Connect(dsn, "rota tests");
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message()));
  return std::move(*c);
}

std::string One(store::PgConn& c, const std::string& sql) {
  auto r = c.Exec(sql);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message()));
  REQUIRE(r->size() == 1);
  return std::string(r->Text(0, 0));
}

Result<void> WriteAndWait(store::Store& s, store::Batch b) {
  std::promise<Result<void>> done;
  auto f = done.get_future();
  s.Write(std::move(b), [&](const Result<void>& r) { done.set_value(r); });
  return f.get();
}

store::Batch NextId(engine::AlertId id) {
  store::Batch b;
  b.next_alert_id = id;
  return b;
}

}  // namespace

TEST_CASE("postgres: instances that start together migrate once") {
  const std::string dsn = rota::testing::PgFreshDatabase(Admin());
  constexpr int kInstances = 4;
  std::vector<std::future<Result<std::unique_ptr<store::Store>>>> opening;
  for (int i = 0; i < kInstances; ++i) {
    opening.push_back(std::async(std::launch::async, [dsn, i] {
      store::PostgresOptions o;
      o.dsn = dsn;
      o.instance = "rota-" + std::to_string(i);
      return store::OpenPostgres(o, nullptr);
    }));
  }
  for (auto& f : opening) {
    auto s = f.get();
    REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message()));
    (*s)->Stop();
  }
  auto c = Connect(dsn);
  CHECK(One(*c, "SELECT count(*) FROM rota_schema") == "1");
  CHECK(One(*c, "SELECT version FROM rota_schema") != "0");
  // 0001 seeds the lease's one row: run twice, it would hold two, or fail.
  CHECK(One(*c, "SELECT count(*) FROM leader") == "1");
}

TEST_CASE("postgres: a database newer than the binary is refused and left untouched") {
  const std::string dsn = rota::testing::PgFreshDatabase(Admin());
  auto c = Connect(dsn);
  REQUIRE(c->Script("CREATE TABLE rota_schema (version INTEGER NOT NULL); "
                    "INSERT INTO rota_schema VALUES (9999)").has_value());
  store::PostgresOptions o;
  o.dsn = dsn;
  auto s = store::OpenPostgres(o, nullptr);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().message().find("newer than this rotad") != std::string::npos);
  CHECK(One(*c, "SELECT version FROM rota_schema") == "9999");
  CHECK(One(*c, "SELECT count(*) FROM pg_tables WHERE tablename = 'alerts'") == "0");
}

TEST_CASE("postgres: a write from an epoch that no longer leads writes nothing") {
  const std::string dsn = rota::testing::PgFreshDatabase(Admin());
  auto epoch = std::make_shared<std::atomic<std::int64_t>>(0);
  store::PostgresOptions o;
  o.dsn = dsn;
  o.epoch = epoch;
  auto s = store::OpenPostgres(o, nullptr);
  REQUIRE(s.has_value());
  auto c = Connect(dsn);
  REQUIRE(c->Exec("UPDATE leader SET holder = 'test', epoch = 3").has_value());
  epoch->store(3);
  REQUIRE(WriteAndWait(**s, NextId(10)).has_value());
  CHECK(One(*c, "SELECT value FROM meta WHERE key = 'next_alert_id'") == "10");
  // Another instance takes over: the epoch rises.
  REQUIRE(c->Exec("UPDATE leader SET holder = 'other', epoch = 4").has_value());
  auto fenced = WriteAndWait(**s, NextId(20));
  REQUIRE_FALSE(fenced.has_value());
  CHECK(fenced.error().code() == Error::Code::kUnavailable);
  CHECK(One(*c, "SELECT value FROM meta WHERE key = 'next_alert_id'") == "10");
  (*s)->Stop();
}

TEST_CASE("postgres: a lost connection fails the batch in flight, and a later write reconnects") {
  const std::string dsn = rota::testing::PgFreshDatabase(Admin());
  store::PostgresOptions o;
  o.dsn = dsn;
  o.instance = "lost-connection";
  auto s = store::OpenPostgres(o, nullptr);
  REQUIRE(s.has_value());
  REQUIRE((*s)->Load(*rota::testing::LoadConfig("people: []\n")).has_value());
  REQUIRE(WriteAndWait(**s, NextId(5)).has_value());
  auto c = Connect(dsn);
  CHECK(One(*c, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'rotad lost-connection'") == "1");
  auto lost = WriteAndWait(**s, NextId(6));
  REQUIRE_FALSE(lost.has_value());
  CHECK(lost.error().code() == Error::Code::kUnavailable);
  // The store connects again by itself; writes fail fast (503) meanwhile.
  Result<void> again = lost;
  for (int i = 0; i < 200 && !again; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    again = WriteAndWait(**s, NextId(7));
  }
  REQUIRE(again.has_value());
  CHECK(One(*c, "SELECT value FROM meta WHERE key = 'next_alert_id'") == "7");
  (*s)->Stop();
}
