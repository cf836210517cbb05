// The PostgreSQL backend of store::Store: the same tables and rules as the
// SQLite backend (sqlite_store.cpp). One transaction per group commit: the
// batches it carries are merged into one write (Merge), one statement per
// table (rows travel as arrays through unnest()), and the whole transaction
// (BEGIN, the fence, the statements, COMMIT) goes in one round trip with
// libpq's pipeline mode. When a statement fails, it is tried again
// statement by statement, then batch by batch in savepoints, so that one bad
// batch does not sink the others.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "core/thread_name.h"
#include "store/alert_codec.h"
#include "store/migrate.h"
#include "store/pg.h"
#include "store/pg_write.h"
#include "store/store.h"

namespace rota::store {
namespace {

// Loads, history reads and migrations: large, but not endless.
constexpr std::chrono::milliseconds kLongTimeout = std::chrono::minutes(5);

const std::vector<Migration>& PgMigrations();

// One advisory-lock key for rota's schema changes ("rota" in ASCII).
constexpr std::int64_t kMigrationLock = 0x726f7461;

Result<int> MigratePg(PgConn& c, const std::vector<Migration>& migrations) {
  auto txn = PgTxn::Begin(c);
  if (!txn) {
    return Fail(txn.error());
  }
  // Instances that start together queue here; the first migrates, the
  // others find the schema current.
  if (auto r = c.Exec("SELECT pg_advisory_xact_lock($1)", {std::to_string(kMigrationLock)}); !r) {
    return Fail(r.error());
  }
  if (auto r = c.Exec("CREATE TABLE IF NOT EXISTS rota_schema (version INTEGER NOT NULL)"); !r) {
    return Fail(r.error());
  }
  auto v = c.Exec("SELECT version FROM rota_schema");
  if (!v) {
    return Fail(v.error());
  }
  int version = v->size() > 0 ? static_cast<int>(v->Int(0, 0)) : 0;
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (version > latest) {
    // The transaction rolls back: nothing is changed.
    return Fail(Error::InvalidArgument(
        "the PostgreSQL database is at rota schema version " + std::to_string(version) +
        ", newer than this rotad understands (" + std::to_string(latest) +
        "); run a newer rotad. The database was not changed."));
  }
  for (const auto& m : migrations) {
    if (m.version <= version) {
      continue;
    }
    if (auto r = c.Script(m.sql); !r) {
      return Fail(Error::Io("PostgreSQL migration " + m.name + " failed: " + r.error().message()));
    }
    version = m.version;
  }
  if (auto r = c.Exec("DELETE FROM rota_schema"); !r) {
    return Fail(r.error());
  }
  if (auto r = c.Exec("INSERT INTO rota_schema(version) VALUES ($1)", {std::to_string(version)});
      !r) {
    return Fail(r.error());
  }
  if (auto r = txn->Commit(); !r) {
    return Fail(r.error());
  }
  return version;
}

class PgStore final : public Store {
 public:
  PgStore(PostgresOptions options, std::unique_ptr<PgConn> conn, int schema,
          CommitObserver observer)
      : options_(std::move(options)),
        schema_(schema),
        conn_(std::move(conn)),
        observer_(std::move(observer)) {
    thread_ = std::thread([this] {
      SetThreadName("store");
      Run();
    });
  }
  ~PgStore() override { Stop(); }

  Result<State> Load(const config::Config& config) override;
  void Write(Batch batch, Done done) override {
    const bool fenced = !batch.InboxOnly();
    Submit({std::move(batch), 0, 0, std::move(done), fenced});
  }
  void PruneFinished(std::int64_t cutoff_ms, std::int64_t history_cutoff_ms) override {
    Submit({std::nullopt, cutoff_ms, history_cutoff_ms, nullptr, /*fenced=*/false});
  }
  Result<std::vector<HistoryRow>> History(std::int64_t from_ms, std::int64_t to_ms) override;
  bool Probe(Done done) override {
    // Retention with cutoffs at the epoch deletes nothing: a round trip.
    Submit({std::nullopt, 0, 0, std::move(done), /*fenced=*/false});
    return true;
  }
  void Stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

 private:
  struct Queued {
    std::optional<Batch> batch;          // a write; merged with the others of its commit
    std::int64_t prune_before_ms = 0;    // without a batch: retention of finished notifications
    std::int64_t history_before_ms = 0;  // ... and of history rows
    Done done;
    bool fenced = true;  // checks the epoch (every write but inbox rows and retention)
  };
  void Submit(Queued q) {
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        queue_.push_back(std::move(q));
        cv_.notify_one();
        return;
      }
    }
    if (q.done) {
      q.done(Fail(Error::Unavailable("the store is shutting down")));
    }
  }
  // The statements of one queued request (a batch alone, or retention).
  static Result<void> Statements(Sink& sink, const Queued& q);
  void Run();
  Result<void> Connected();
  Result<void> Commit(std::vector<Queued>& batch, std::vector<Result<void>>& results);
  // One transaction in one round trip (libpq's pipeline mode): the fence,
  // every batch merged into one write (a statement per table however many
  // batches), retention. False when a statement failed (rolled back): Commit
  // then writes batch by batch in savepoints.
  Result<bool> CommitPipelined(std::vector<Queued>& batch);
  // Whether this instance's epoch still leads (inside the open transaction).
  Result<void> Fence(PgConn& c);
  static Result<void> LoadAlerts(PgConn& c, const config::Config& config, State& st);
  static Result<void> LoadSmallTables(PgConn& c, State& st);

  PostgresOptions options_;
  int schema_;
  std::unique_ptr<PgConn> conn_;  // the writer thread's
  CommitObserver observer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;  // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  std::chrono::steady_clock::time_point retry_after_{};
  std::thread thread_;
};

Result<void> PgStore::Connected() {
  if (conn_ && conn_->Ok()) {
    return {};
  }
  conn_.reset();
  // While PostgreSQL is away, one attempt per 200 ms at most: every batch
  // in between fails at once (503) instead of waiting on connect timeouts.
  const auto now = std::chrono::steady_clock::now();
  if (now < retry_after_) {
    return Fail(Error::Unavailable("PostgreSQL is unreachable; reconnecting"));
  }
  retry_after_ = now + std::chrono::milliseconds(200);
  auto c = PgConn::Connect(options_.dsn, "rotad " + options_.instance);
  if (!c) {
    return Fail(c.error());
  }
  conn_ = std::move(*c);
  conn_->SetIoTimeout(options_.write_timeout);
  return {};
}

Result<void> PgStore::Fence(PgConn& c) {
  const std::int64_t epoch = options_.epoch->load();
  if (epoch < 0) {
    return Fail(Error::Fenced("this instance does not lead; nothing was written"));
  }
  // The leader row is share-locked to the end of this transaction, so a
  // takeover (which updates it) waits for this commit and then raises the
  // epoch; a former leader's write finds the new epoch and fails whole.
  auto f = c.Exec(kLeaderRowIfEpoch, {std::to_string(epoch)});
  if (!f) {
    return Fail(f.error());
  }
  if (f->size() == 0) {
    return Fail(Error::Fenced("this instance no longer leads (epoch " + std::to_string(epoch) +
                              " was taken over); nothing was written"));
  }
  return {};
}

Result<void> PgStore::Statements(Sink& sink, const Queued& q) {
  if (q.batch) {
    return WriteBatch(sink, *q.batch);
  }
  if (auto r = sink.Run("DELETE FROM outbox WHERE state != 'pending' AND created_at < $1",
                        {std::to_string(q.prune_before_ms)});
      !r) {
    return r;
  }
  return sink.Run("DELETE FROM alert_history WHERE received_at < $1",
                  {std::to_string(q.history_before_ms)});
}

Result<bool> PgStore::CommitPipelined(std::vector<Queued>& batch) {
  const std::int64_t epoch = options_.epoch ? options_.epoch->load() : 0;
  const bool fencing = epoch != 0 && std::any_of(batch.begin(), batch.end(),
                                                 [](const Queued& q) { return q.fenced; });
  if (fencing && epoch < 0) {
    return false;  // not leading: the batch by batch path fails what is fenced, writes the rest
  }
  Sink sink;
  (void)sink.Run("BEGIN", {});
  if (fencing) {
    // As Fence(), but failing the pipeline (division by zero) when the
    // epoch no longer leads, so that nothing after it runs.
    (void)sink.Run("SELECT 1 / count(*)::int FROM (" + std::string(kLeaderRowIfEpoch) + ") f",
                   {std::to_string(epoch)});
  }
  std::vector<const Batch*> writes;
  for (const auto& q : batch) {
    if (q.batch) {
      writes.push_back(&*q.batch);
    }
  }
  if (!writes.empty()) {
    (void)WriteBatch(sink, writes.size() == 1 ? *writes.front() : Merge(writes));
  }
  for (const auto& q : batch) {
    if (!q.batch) {
      (void)Statements(sink, q);  // collected, not run: cannot fail here
    }
  }
  (void)sink.Run("COMMIT", {});
  auto r = conn_->Pipeline(sink.collected());
  if (r) {
    return true;
  }
  if (!conn_->Ok()) {
    return Fail(r.error());
  }
  return false;  // rolled back: fenced, or a statement failed
}

Result<void> PgStore::Commit(std::vector<Queued>& batch, std::vector<Result<void>>& results) {
  if (auto r = Connected(); !r) {
    return r;
  }
  // Usually: every statement of the commit in one round trip.
  auto piped = CommitPipelined(batch);
  if (!piped) {
    return Fail(piped.error());
  }
  if (*piped) {
    return {};
  }
  // Fenced, or a statement failed: each request in a savepoint of its own,
  // so that what is fenced or bad does not sink the others.
  PgConn& c = *conn_;
  auto txn = PgTxn::Begin(c);
  if (!txn) {
    return Fail(txn.error());
  }
  const bool fencing = options_.epoch && options_.epoch->load() != 0;
  Result<void> fence;
  if (fencing) {
    fence = Fence(c);  // again: this transaction must hold the lease row too
    if (!fence && !c.Ok()) {
      return fence;
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (fencing && batch[i].fenced && !fence) {
      results[i] = fence;
    }
    if (!results[i]) {
      continue;  // fenced
    }
    if (auto r = c.Exec("SAVEPOINT b"); !r) {
      return Fail(r.error());
    }
    Sink sink(c);
    results[i] = Statements(sink, batch[i]);
    if (!c.Ok()) {
      return Fail(Error::Unavailable("PostgreSQL connection lost"));
    }
    if (auto r = c.Exec(results[i] ? "RELEASE SAVEPOINT b" : "ROLLBACK TO SAVEPOINT b"); !r) {
      return Fail(r.error());
    }
  }
  return txn->Commit();
}

void PgStore::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      break;  // stopping, everything written
    }
    std::vector<Queued> batch;
    while (!queue_.empty() && batch.size() < std::max<std::size_t>(options_.max_batch, 1)) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    std::vector<Result<void>> results(batch.size(), Result<void>{});
    const auto start = std::chrono::steady_clock::now();
    auto committed = Commit(batch, results);
    if (committed && observer_) {
      observer_(batch.size(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].done) {
        batch[i].done(committed ? results[i] : Result<void>(Fail(committed.error())));
      }
    }
    lock.lock();
  }
}

Result<void> PgStore::LoadAlerts(PgConn& c, const config::Config& config, State& st) {
  const AlertDecoder decoder(config);
  std::vector<engine::Alert> alerts;
  std::int64_t after = std::numeric_limits<std::int64_t>::min();
  // In pages by id: a million alerts never sit in one result.
  while (true) {
    auto rows = c.Exec(
        "SELECT a.id, a.doc, coalesce(s.updated_at, a.updated_at), "
        "CASE WHEN s.id IS NULL THEN a.ends_at ELSE s.ends_at END "
        "FROM alerts a LEFT JOIN alert_seen s ON s.id = a.id WHERE a.id > $1 ORDER BY a.id LIMIT "
        "20000",
        {std::to_string(after)});
    if (!rows) {
      return Fail(rows.error());
    }
    for (int i = 0; i < rows->size(); ++i) {
      after = rows->Int(i, 0);
      auto a = decoder.Decode(rows->Text(i, 1));
      if (!a) {
        st.skipped.push_back({"alerts", std::to_string(after), a.error().message()});
        continue;
      }
      a->updated_at = TimePoint{std::chrono::milliseconds(rows->Int(i, 2))};
      const auto ends = rows->OptInt(i, 3);
      a->ends_at = ends ? std::optional<TimePoint>(TimePoint{std::chrono::milliseconds(*ends)})
                        : std::nullopt;
      alerts.push_back(std::move(*a));
    }
    if (rows->size() < 20000) {
      break;
    }
  }
  if (!alerts.empty()) {
    st.alerts.push_back(std::move(alerts));
  }
  return {};
}

// Every (id, doc) row of a small table: decoded into `out`, or skipped;
// returns the next free serial of ids "<prefix>N", counting skipped rows.
template <typename T, typename Decode>
Result<std::uint64_t> LoadDocs(PgConn& c, const std::string& table, std::string_view prefix,
                               Decode decode, std::vector<T>& out, std::vector<Skipped>& skipped) {
  auto rows = c.Exec("SELECT id, doc FROM " + table + " ORDER BY id");
  if (!rows) {
    return Fail(rows.error());
  }
  std::uint64_t next = 1;
  for (int i = 0; i < rows->size(); ++i) {
    const std::string id(rows->Text(i, 0));
    next = std::max(next, IdSerial(id, prefix) + 1);
    if (auto item = decode(rows->Text(i, 1))) {
      out.push_back(std::move(*item));
    } else {
      skipped.push_back({table, id, item.error().message()});
    }
  }
  return next;
}

Result<void> PgStore::LoadSmallTables(PgConn& c, State& st) {
  auto silences = LoadDocs(c, "silences", "s-", DecodeSilence, st.silences, st.skipped);
  if (!silences) {
    return Fail(silences.error());
  }
  st.next_silence_id = *silences;
  auto overrides = LoadDocs(c, "overrides", "o-", DecodeOverride, st.overrides, st.skipped);
  if (!overrides) {
    return Fail(overrides.error());
  }
  st.next_override_id = *overrides;
  auto pending = c.Exec(
      "SELECT idempotency_key, channel, recipient, kind, payload, created_at, next_attempt_at, "
      "attempts "
      "FROM outbox WHERE state = 'pending' ORDER BY id");
  if (!pending) {
    return Fail(pending.error());
  }
  for (int i = 0; i < pending->size(); ++i) {
    st.pending.push_back({std::string(pending->Text(i, 0)), std::string(pending->Text(i, 1)),
                          std::string(pending->Text(i, 2)), std::string(pending->Text(i, 3)),
                          std::string(pending->Text(i, 4)), pending->Int(i, 5), pending->Int(i, 6),
                          static_cast<int>(pending->Int(i, 7))});
  }
  auto meta = c.Exec(std::string(kMetaStateSql));
  if (!meta) {
    return Fail(meta.error());
  }
  for (int i = 0; i < meta->size(); ++i) {
    AddMetaRow(meta->Text(i, 0), meta->Text(i, 1), st);
  }
  auto next = c.Exec(
      "SELECT greatest(coalesce((SELECT value::bigint FROM meta WHERE key = 'next_alert_id'), 1), "
      "coalesce((SELECT max(id) FROM alerts), 0) + 1)");
  if (!next || next->size() != 1) {
    return Fail(next ? Error::Io("cannot read the next alert id") : next.error());
  }
  st.next_alert_id = static_cast<engine::AlertId>(std::max<std::int64_t>(1, next->Int(0, 0)));
  return {};
}

Result<std::vector<HistoryRow>> PgStore::History(std::int64_t from_ms, std::int64_t to_ms) {
  auto conn = PgConn::Connect(options_.dsn, "rotad " + options_.instance + " history");
  if (!conn) {
    return Fail(conn.error());
  }
  (*conn)->SetIoTimeout(kLongTimeout);
  auto rows = (*conn)->Exec(
      "SELECT id, received_at, doc FROM alert_history WHERE received_at >= $1 AND received_at < $2 "
      "ORDER BY id",
      {std::to_string(from_ms), std::to_string(to_ms)});
  if (!rows) {
    return Fail(rows.error());
  }
  std::vector<HistoryRow> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back({static_cast<engine::AlertId>(rows->Int(i, 0)), rows->Int(i, 1),
                   std::string(rows->Text(i, 2))});
  }
  return out;
}

Result<State> PgStore::Load(const config::Config& config) {
  // A connection of its own: a standby loads again and again while the
  // writer thread writes its inbox rows on the writer's.
  auto conn = PgConn::Connect(options_.dsn, "rotad " + options_.instance + " load");
  if (!conn) {
    return Fail(conn.error());
  }
  (*conn)->SetIoTimeout(kLongTimeout);
  PgConn& c = **conn;
  State st;
  st.schema = schema_;
  // One snapshot for every table: what a concurrent writer commits meanwhile
  // is in all of them or in none.
  if (auto txn = c.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !txn) {
    return Fail(txn.error());
  }
  auto loaded = LoadAlerts(c, config, st);
  if (loaded) {
    loaded = LoadSmallTables(c, st);
  }
  (void)c.Exec(loaded ? "COMMIT" : "ROLLBACK");
  if (!loaded) {
    return Fail(loaded.error());
  }
  return st;
}

const std::vector<Migration>& PgMigrations() {
  static const std::vector<Migration> kMigrations = {
#include "store_migrations_pg.inc"
  };
  return kMigrations;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgres(const PostgresOptions& options,
                                            Store::CommitObserver observer) {
  auto conn = PgConn::Connect(options.dsn, "rotad " + options.instance);
  if (!conn) {
    return Fail(conn.error());
  }
  (*conn)->SetIoTimeout(kLongTimeout);  // a migration may rewrite a large table
  auto version = MigratePg(**conn, PgMigrations());
  if (!version) {
    return Fail(version.error());
  }
  (*conn)->SetIoTimeout(options.write_timeout);  // from now on, the writer's
  return std::unique_ptr<Store>(
      std::make_unique<PgStore>(options, std::move(*conn), *version, std::move(observer)));
}

}  // namespace rota::store
