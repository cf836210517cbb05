// What the PostgreSQL backend does beyond the store contract (which
// contract_test.cpp runs against it): migrations under an advisory lock, a
// newer schema refused untouched, fencing by epoch, and a lost connection.
// Runs against the throwaway cluster of ctest's `pg` fixture.
#include <doctest/doctest.h>

#include <atomic>
#include <csignal>
#include <future>
#include <thread>

#include "../test_util.h"
#include "pg_test_util.h"
#include "store/ha.h"
#include "store/store.h"

using namespace rota;

namespace {

std::string Admin() {
  std::string admin = rota::testing::PgAdminDsn();
  REQUIRE_MESSAGE(!admin.empty(),
                  "run through ctest (its pg fixture starts PostgreSQL) or set ROTA_TEST_PG");
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

// After a lost connection: writes succeed again (within 10 s), and the one
// that does is stored.
void WritesAgain(store::Store& s, store::PgConn& c) {
  Result<void> again = Fail(Error::Unavailable("not tried"));
  for (int i = 0; i < 200 && !again; ++i) {
    again = WriteAndWait(s, NextId(7));
    if (!again) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  REQUIRE(again.has_value());
  CHECK(One(c, "SELECT value FROM meta WHERE key = 'next_alert_id'") == "7");
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
                    "INSERT INTO rota_schema VALUES (9999)")
              .has_value());
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
  CHECK(fenced.error().code() == Error::Code::kFenced);
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
  CHECK(One(*c,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'rotad lost-connection'") == "1");
  auto lost = WriteAndWait(**s, NextId(6));
  REQUIRE_FALSE(lost.has_value());
  CHECK(lost.error().code() == Error::Code::kUnavailable);
  // The store connects again by itself; writes fail fast (503) meanwhile.
  WritesAgain(**s, *c);
  (*s)->Stop();
}

TEST_CASE(
    "postgres: a server that stops answering fails the write within its timeout, and the store "
    "recovers") {
  // The writer's backend is frozen (SIGSTOP: the throwaway cluster runs as
  // this user). Its kernel still takes the bytes, so neither TCP nor the
  // server's statement_timeout can help: only rota's own deadline.
  const std::string dsn = rota::testing::PgFreshDatabase(Admin());
  store::PostgresOptions o;
  o.dsn = dsn;
  o.instance = "frozen";
  o.write_timeout = std::chrono::seconds(1);
  auto s = store::OpenPostgres(o, nullptr);
  REQUIRE(s.has_value());
  REQUIRE((*s)->Load(*rota::testing::LoadConfig("people: []\n")).has_value());
  REQUIRE(WriteAndWait(**s, NextId(5)).has_value());
  auto c = Connect(dsn);
  const std::string pid =
      One(*c, "SELECT pid FROM pg_stat_activity WHERE application_name = 'rotad frozen'");
  REQUIRE(::kill(std::stoi(pid), SIGSTOP) == 0);
  auto stalled = WriteAndWait(**s, NextId(6));  // without the deadline: never returns
  ::kill(std::stoi(pid), SIGCONT);
  REQUIRE_FALSE(stalled.has_value());
  CHECK(stalled.error().code() == Error::Code::kUnavailable);
  CHECK(stalled.error().message().find("did not answer within 1s") != std::string::npos);
  // The store drops that connection and opens another.
  WritesAgain(**s, *c);
  (*s)->Stop();
}

TEST_CASE(
    "postgres: a statement that runs past the timeout is cancelled by the server, the connection "
    "kept") {
  auto c = Connect(rota::testing::PgFreshDatabase(Admin()));
  c->SetIoTimeout(std::chrono::seconds(1));
  auto slow = c->Exec("SELECT pg_sleep(30)");
  REQUIRE_FALSE(slow.has_value());
  CHECK(slow.error().message().find("statement timeout") != std::string::npos);
  CHECK(c->Ok());
  CHECK(One(*c, "SELECT 1") == "1");
}

namespace {

std::unique_ptr<store::Coordinator> Coordinator(const std::string& dsn,
                                                const std::string& instance) {
  auto c = store::Coordinator::Open(dsn, instance, std::chrono::seconds(5));
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message()));
  return std::move(*c);
}

// A migrated, empty database.
std::string Migrated() {
  const std::string dsn = rota::testing::PgFreshDatabase(Admin());
  store::PostgresOptions o;
  o.dsn = dsn;
  auto s = store::OpenPostgres(o, nullptr);
  REQUIRE(s.has_value());
  (*s)->Stop();
  return dsn;
}

}  // namespace

TEST_CASE(
    "lease: one holder at a time; a taker after expiry raises the epoch; the old holder cannot "
    "renew") {
  const std::string dsn = Migrated();
  auto a = Coordinator(dsn, "rota-a");
  auto b = Coordinator(dsn, "rota-b");
  auto got = a->TryAcquire(std::chrono::milliseconds(60000));
  REQUIRE(got.has_value());
  REQUIRE(got->has_value());
  const std::int64_t first = **got;
  // b cannot take a live lease.
  auto denied = b->TryAcquire(std::chrono::milliseconds(60000));
  REQUIRE(denied.has_value());
  CHECK_FALSE(denied->has_value());
  auto who = b->Leader();
  REQUIRE(who.has_value());
  CHECK(who->holder == "rota-a");
  CHECK(who->epoch == first);
  CHECK(who->live);
  auto renewed = a->Renew(first, std::chrono::milliseconds(1));  // expires at once
  REQUIRE(renewed.has_value());
  CHECK(*renewed);
  // Expired (the database's clock): b takes over with a higher epoch.
  Result<std::optional<std::int64_t>> taken = std::optional<std::int64_t>();
  for (int i = 0; i < 100 && taken && !taken->has_value(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    taken = b->TryAcquire(std::chrono::milliseconds(60000));
  }
  REQUIRE(taken.has_value());
  REQUIRE(taken->has_value());
  CHECK(**taken > first);
  auto stale = a->Renew(first, std::chrono::milliseconds(60000));
  REQUIRE(stale.has_value());
  CHECK_FALSE(*stale);
  // A clean stop hands over at once.
  REQUIRE(b->Release(**taken).has_value());
  auto after = a->TryAcquire(std::chrono::milliseconds(60000));
  REQUIRE(after.has_value());
  REQUIRE(after->has_value());
  CHECK(**after > **taken);
}

TEST_CASE(
    "inbox: requests in order; finishing removes them and files answers only for the leading "
    "epoch") {
  const std::string dsn = Migrated();
  store::PostgresOptions o;
  o.dsn = dsn;
  auto epoch = std::make_shared<std::atomic<std::int64_t>>(-1);  // a standby's store
  o.epoch = epoch;
  auto s = store::OpenPostgres(o, nullptr);
  REQUIRE(s.has_value());
  for (int i = 0; i < 3; ++i) {
    store::Batch b;
    b.inbox.push_back({"ref-" + std::to_string(i), "rota-b", "POST", "/api/v1/events",
                       "{\"n\":" + std::to_string(i) + "}", 1000 + i});
    // Inbox rows are written by a standby: never fenced.
    REQUIRE(WriteAndWait(**s, std::move(b)).has_value());
  }
  // Anything else from a standby is.
  auto fenced = WriteAndWait(**s, NextId(3));
  REQUIRE_FALSE(fenced.has_value());
  CHECK(fenced.error().code() == Error::Code::kFenced);
  auto leader = Coordinator(dsn, "rota-a");
  auto lease = leader->TryAcquire(std::chrono::milliseconds(60000));
  REQUIRE((lease && lease->has_value()));
  auto rows = leader->TakeInbox(10);
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 3);
  CHECK((*rows)[0].row.ref == "ref-0");
  CHECK((*rows)[2].row.body == "{\"n\":2}");
  // A former epoch finishes nothing.
  auto stale = leader->FinishInbox(**lease - 1, {(*rows)[0].id}, {{"ref-0", 202, "{}"}});
  REQUIRE(stale.has_value());
  CHECK_FALSE(*stale);
  auto done =
      leader->FinishInbox(**lease, {(*rows)[0].id, (*rows)[1].id}, {{"ref-0", 202, "{\"a\":1}"}});
  REQUIRE(done.has_value());
  CHECK(*done);
  auto left = leader->TakeInbox(10);
  REQUIRE(left.has_value());
  REQUIRE(left->size() == 1);
  CHECK(left->front().row.ref == "ref-2");
  auto standby = Coordinator(dsn, "rota-b");
  auto answers = standby->Answers({"ref-0", "ref-1"});
  REQUIRE(answers.has_value());
  REQUIRE(answers->size() == 1);
  CHECK(answers->front().status == 202);
  CHECK(answers->front().body == "{\"a\":1}");
  (*s)->Stop();
}

TEST_CASE("postgres: one failing batch does not sink the others of its commit") {
  const std::string dsn = rota::testing::PgFreshDatabase(Admin());
  store::PostgresOptions o;
  o.dsn = dsn;
  auto s = store::OpenPostgres(o, nullptr);
  REQUIRE(s.has_value());
  // Queued back to back: usually one commit, tried in one round trip first.
  std::vector<std::future<Result<void>>> done;
  const auto submit = [&](store::Batch batch) {
    auto p = std::make_shared<std::promise<Result<void>>>();
    done.push_back(p->get_future());
    (*s)->Write(std::move(batch), [p](const Result<void>& r) { p->set_value(r); });
  };
  submit(NextId(5));
  store::Batch bad;  // PostgreSQL refuses text that is not UTF-8
  bad.outbox.push_back({"bad", "hooks", "alice", "alert", "{\"x\": \"\xff\"}", 1, 1, 0});
  submit(std::move(bad));
  store::Batch good;
  good.outbox.push_back({"good", "hooks", "alice", "alert", "{}", 2, 2, 0});
  submit(std::move(good));
  CHECK(done[0].get().has_value());
  auto refused = done[1].get();
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message().find("UTF8") != std::string::npos);
  CHECK(done[2].get().has_value());
  auto c = Connect(dsn);
  CHECK(One(*c, "SELECT value FROM meta WHERE key = 'next_alert_id'") == "5");
  CHECK(One(*c, "SELECT string_agg(idempotency_key, ',') FROM outbox") == "good");
  (*s)->Stop();
}
