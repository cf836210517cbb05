// The store against real SQLite files in a temporary directory.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "../test_util.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/outbox.h"
#include "store/writer.h"

using namespace rota::store;
using rota::Fail;
using rota::Result;
using rota::testing::TempDir;

namespace {

std::unique_ptr<Db> OpenOrDie(const std::string& path, Db::Options o = {}) {
  auto db = Db::Open(path, o);
  REQUIRE_MESSAGE(db.has_value(), (db ? "" : db.error().message()));
  return std::move(*db);
}

std::int64_t Scalar(Db& db, const std::string& sql) {
  auto s = db.Prepare(sql);
  REQUIRE(s.has_value());
  REQUIRE(s->Step().value());
  return s->Int(0);
}

// `count` rows of 4,000 bytes into meta: about one page each.
Result<void> InsertBlobs(Db& d, int count) {
  auto s = d.Prepare("INSERT INTO meta VALUES (?1, ?2)");
  if (!s) {
    return Fail(s.error());
  }
  for (int i = 0; i < count; ++i) {
    if (auto r = s->Bind(1, "k" + std::to_string(i)).Bind(2, std::string(4000, 'x')).Run(); !r) {
      return r;
    }
  }
  return {};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("a new database is migrated, in WAL mode with synchronous=FULL") {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/rota.db");
  auto v = Migrate(*db);
  REQUIRE(v.has_value());
  CHECK(*v == BuiltinMigrations().back().version);
  CHECK(Scalar(*db, "PRAGMA synchronous") == 2);  // FULL
  auto mode = db->Prepare("PRAGMA journal_mode");
  REQUIRE(mode->Step().value());
  CHECK(mode->Text(0) == "wal");
  CHECK(Scalar(*db,
               "SELECT count(*) FROM sqlite_master WHERE name IN "
               "('alerts','outbox','silences','overrides','meta')") == 5);
  CHECK(Migrate(*db).value() == *v);  // again: nothing to do
}

TEST_CASE("a database newer than the binary is refused and left alone") {
  TempDir dir;
  const std::string path = dir.path() + "/rota.db";
  {
    auto db = OpenOrDie(path);
    REQUIRE(Migrate(*db).has_value());
    REQUIRE(db->Exec("PRAGMA user_version=99").has_value());
  }
  auto db = OpenOrDie(path);
  auto v = Migrate(*db);
  REQUIRE_FALSE(v.has_value());
  CHECK(v.error().message().find("schema version 99, newer than this rotad understands") !=
        std::string::npos);
  CHECK(Scalar(*db, "PRAGMA user_version") == 99);
}

TEST_CASE("a file that is not a database is refused, never overwritten") {
  TempDir dir;
  const std::string path = dir.Write("rota.db", std::string(8192, 'x'));
  auto db = Db::Open(path, {});
  REQUIRE_FALSE(db.has_value());
  CHECK(db.error().message().find("not a usable SQLite database (left untouched)") !=
        std::string::npos);
  CHECK(ReadFile(path) == std::string(8192, 'x'));
}

TEST_CASE("a transaction not committed is rolled back") {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/rota.db");
  REQUIRE(Migrate(*db).has_value());
  {
    auto txn = Txn::Begin(*db);
    REQUIRE(txn.has_value());
    REQUIRE(db->Exec("INSERT INTO meta VALUES ('a', 'b')").has_value());
  }
  CHECK(Scalar(*db, "SELECT count(*) FROM meta") == 0);
  {
    auto txn = Txn::Begin(*db);
    REQUIRE(db->Exec("INSERT INTO meta VALUES ('a', 'b')").has_value());
    REQUIRE(txn->Commit().has_value());
  }
  CHECK(Scalar(*db, "SELECT count(*) FROM meta") == 1);
}

TEST_CASE("statements bind and read values") {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/rota.db");
  REQUIRE(Migrate(*db).has_value());
  auto ins = db->Prepare("INSERT INTO silences(id, ends_at, doc) VALUES (?1, ?2, ?3)");
  REQUIRE(ins.has_value());
  REQUIRE(ins->Bind(1, std::string_view("s-1"))
              .Bind(2, std::int64_t{1795424400000})
              .Bind(3, std::string_view("{\"a\":\"é\"}"))
              .Run()
              .has_value());
  auto sel = db->Prepare("SELECT id, ends_at, doc FROM silences");
  REQUIRE(sel->Step().value());
  CHECK(sel->Text(0) == "s-1");
  CHECK(sel->Int(1) == 1795424400000);
  CHECK(sel->Text(2) == "{\"a\":\"é\"}");
  CHECK_FALSE(sel->Step().value());
}

TEST_CASE("outbox retention deletes only finished rows, through its index") {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/rota.db");
  REQUIRE(Migrate(*db).has_value());
  auto ins = db->Prepare(
      "INSERT INTO outbox(idempotency_key, channel, recipient, kind, payload, created_at, "
      "next_attempt_at, state) "
      "VALUES (?1, 'c', 'r', 'alert', '{}', ?2, 0, ?3)");
  REQUIRE(ins.has_value());
  const char* states[] = {"pending", "delivered", "failed"};
  for (int i = 0; i < 30; ++i) {
    REQUIRE(ins->Bind(1, "k" + std::to_string(i))
                .Bind(2, std::int64_t{i * 1000})
                .Bind(3, std::string_view(states[i % 3]))
                .Run()
                .has_value());
  }
  REQUIRE(PruneFinishedOutbox(*db, 15000).has_value());
  // Old finished rows (i < 15, i % 3 != 0: 10 of them) are gone; pending ones stay however old.
  CHECK(Scalar(*db, "SELECT count(*) FROM outbox") == 20);
  CHECK(Scalar(*db, "SELECT count(*) FROM outbox WHERE state = 'pending'") == 10);
  CHECK(Scalar(*db,
               "SELECT count(*) FROM outbox WHERE created_at < 15000 AND state != 'pending'") == 0);

  // The plan: a search of the partial index, not a scan of the table.
  auto plan = db->Prepare("EXPLAIN QUERY PLAN " + std::string(kPruneFinishedOutboxSql));
  REQUIRE(plan.has_value());
  std::string details;
  while (plan->Step().value()) {
    details += plan->Text(3) + "\n";
  }
  CHECK_MESSAGE(details.find("USING INDEX outbox_finished") != std::string::npos, details);
}

TEST_CASE("the writer checkpoints the WAL into the database file once it goes idle") {
  TempDir dir;
  const std::string path = dir.path() + "/rota.db";
  auto db = OpenOrDie(path);
  REQUIRE(Migrate(*db).has_value());
  const auto size_of = [](const std::string& p) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(p, ec);
    return ec ? std::uintmax_t{0} : n;
  };
  const auto before = size_of(path);
  Writer writer(std::move(db), 1000, nullptr);
  std::promise<void> written;
  writer.Submit(
      // ~200 pages: well under the size that checkpoints at once.
      [](Db& d) { return InsertBlobs(d, 200); },
      [&](const Result<void>& r) {
        CHECK(r.has_value());
        written.set_value();
      });
  written.get_future().wait();
  CHECK(size_of(path + "-wal") > 200 * 4000);  // committed: in the WAL
  // Idle for a second: the checkpointer copies the pages into the database file.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (size_of(path) < before + 200 * 4000 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(size_of(path) >= before + 200 * 4000);
}

TEST_CASE("under steady commits the WAL starts over instead of growing") {
  TempDir dir;
  const std::string path = dir.path() + "/rota.db";
  auto db = OpenOrDie(path);
  REQUIRE(Migrate(*db).has_value());
  REQUIRE(InsertBlobs(*db, 8).has_value());
  Writer writer(std::move(db), 1000, nullptr);
  // 3,000 commits back to back, each rewriting the same 8 pages: ~27,000
  // WAL frames (~110 MB) if the WAL never started over. The writer never
  // idles, so only the checkpointer's copy and the writer's own copy of
  // the tail can bring it back to its start.
  constexpr int kCommits = 3000;
  for (int i = 0; i < kCommits; ++i) {
    std::promise<Result<void>> done;
    writer.Submit(
        [i](Db& d) {
          auto s = d.Prepare("UPDATE meta SET value = ?1");
          if (!s) {
            return Result<void>(Fail(s.error()));
          }
          return s->Bind(1, std::string(4000, static_cast<char>('a' + i % 26))).Run();
        },
        [&](const Result<void>& r) { done.set_value(r); });
    REQUIRE(done.get_future().get().has_value());
  }
  std::error_code ec;
  const auto wal = std::filesystem::file_size(path + "-wal", ec);
  REQUIRE_FALSE(ec);
  // A few times the checkpoint threshold (1,000 pages), far below 110 MB.
  CHECK(wal < 8u * 1000u * 4200u);
}

TEST_CASE("group commit: requests queued during a commit share the next transaction") {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/rota.db");
  REQUIRE(Migrate(*db).has_value());
  std::mutex mu;
  std::vector<std::size_t> batches;
  Writer writer(std::move(db), 1000, [&](std::size_t n, double) {
    std::lock_guard lock(mu);
    batches.push_back(n);
  });
  std::promise<void> first_running;
  std::promise<void> release_first;
  auto release = release_first.get_future().share();
  std::atomic<int> ok{0};
  const auto insert = [](int i) {
    return [i](Db& d) -> Result<void> {
      return d.Exec("INSERT INTO meta VALUES ('k" + std::to_string(i) + "', 'v')");
    };
  };
  writer.Submit(
      [&, insert](Db& d) -> Result<void> {
        first_running.set_value();
        release.wait();  // hold the first batch open while the rest queue up
        return insert(0)(d);
      },
      [&](const Result<void>& r) { ok += r ? 1 : 0; });
  first_running.get_future().wait();
  for (int i = 1; i < 100; ++i) {
    writer.Submit(insert(i), [&](const Result<void>& r) { ok += r ? 1 : 0; });
  }
  release_first.set_value();
  writer.Stop();
  CHECK(ok == 100);
  CHECK(batches == std::vector<std::size_t>{1, 99});  // 100 requests, 2 fsyncs
  auto check = OpenOrDie(dir.path() + "/rota.db");
  CHECK(Scalar(*check, "SELECT count(*) FROM meta") == 100);
}

TEST_CASE("one failing request does not sink its batch") {
  TempDir dir;
  auto db = OpenOrDie(dir.path() + "/rota.db");
  REQUIRE(Migrate(*db).has_value());
  std::vector<bool> results(3);
  {
    Writer writer(std::move(db), 1000, nullptr);
    writer.Submit([](Db& d) { return d.Exec("INSERT INTO meta VALUES ('a', '1')"); },
                  [&](const Result<void>& r) { results[0] = r.has_value(); });
    writer.Submit(
        [](Db& d) -> Result<void> {
          if (auto r = d.Exec("INSERT INTO meta VALUES ('half', 'x')"); !r) {
            return r;
          }
          return d.Exec("INSERT INTO meta VALUES ('a', 'duplicate key')");
        },
        [&](const Result<void>& r) { results[1] = r.has_value(); });
    writer.Submit([](Db& d) { return d.Exec("INSERT INTO meta VALUES ('b', '2')"); },
                  [&](const Result<void>& r) { results[2] = r.has_value(); });
  }
  CHECK(results == std::vector<bool>{true, false, true});
  auto check = OpenOrDie(dir.path() + "/rota.db");
  CHECK(Scalar(*check, "SELECT count(*) FROM meta") == 2);
  CHECK(Scalar(*check, "SELECT count(*) FROM meta WHERE key = 'half'") == 0);  // all or nothing
}

TEST_CASE("a full disk fails the writes and commits nothing of them") {
  TempDir dir;
  const std::string path = dir.path() + "/rota.db";
  {
    auto db = OpenOrDie(path);
    REQUIRE(Migrate(*db).has_value());
  }
  Db::Options o;
  o.max_page_count = 16;  // a tiny "disk"
  auto db = OpenOrDie(path, o);
  std::promise<Result<void>> done;
  Writer writer(std::move(db), 10, nullptr);
  writer.Submit([](Db& d) { return InsertBlobs(d, 200); },
                [&](const Result<void>& r) { done.set_value(r); });
  auto r = done.get_future().get();
  writer.Stop();
  REQUIRE_FALSE(r.has_value());
  INFO(r.error().message());
  CHECK(IsFull(r.error()));
  CHECK(r.error().message().find("database or disk is full") != std::string::npos);
  auto check = OpenOrDie(path);
  CHECK(Scalar(*check, "SELECT count(*) FROM meta") == 0);
}

TEST_CASE("a read-only database refuses writes with a clear error") {
  TempDir dir;
  const std::string path = dir.path() + "/rota.db";
  {
    auto db = OpenOrDie(path);
    REQUIRE(Migrate(*db).has_value());
  }
  Db::Options o;
  o.read_only = true;
  auto db = OpenOrDie(path, o);
  auto r = db->Exec("INSERT INTO meta VALUES ('a', 'b')");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message().find("readonly") != std::string::npos);
}
