// Store: rota's durable state behind one interface, so that a second backend
// (PostgreSQL, for high availability) implements the same calls and passes
// the same contract suite (tests/unit/store/contract_test.cpp).
//
// What is stored:
//   alerts     one row per alert: the engine's state of it as a document
//   alert_seen what a re-send moves (updated_at, ends_at), in a narrow table
//              of its own: a re-send is a small write that dirties a page per
//              couple of hundred alerts, never a rewrite of the document
//   outbox     one row per notification and contact, written with the
//              decision that made it; its state and next attempt are marks.
//              A delivered one's row is deleted; failed and rejected ones
//              stay until retention
//   silences, overrides   the run-time ones (the config's live in the config)
//   alert_history  a forgotten alert's facts for reviews (review::EncodeFacts),
//              kept for storage.history_retention
//   meta       the next alert id, so an id is never handed out twice (not
//              even after its row was pruned or could not be decoded)
//
// Writes are batches: everything one strand turn changed, written in one
// transaction with one fsync (a group commit joins concurrent batches), and
// `done` runs after COMMIT. Nothing outside store/ writes SQL.
//
// Thread-safety: Write() and PruneFinished() from any thread (they queue);
// Load() once, before the first Write(); Stop() once, last.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "engine/engine.h"
#include "rules/routing.h"
#include "schedule/roster.h"

namespace rota::store {

// A notification waiting to be (re)sent; the payload is the webhook JSON.
struct OutboxRow {
  std::string key;  // idempotency key
  std::string channel;
  std::string recipient;
  std::string kind;
  std::string payload;
  std::int64_t created_ms = 0;
  std::int64_t next_attempt_ms = 0;
  int attempts = 0;
};

enum class OutboxState { kPending, kDelivered, kFailed };
std::string_view OutboxStateName(OutboxState s);

// What became of a notification: final (delivered, failed) or a retry at
// next_attempt_ms. Attempts is the total made so far.
struct OutboxMark {
  std::string key;
  OutboxState state = OutboxState::kPending;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;  // kPending only
  std::string error;
};

// One alert document to write in full.
struct AlertWrite {
  engine::AlertId id = 0;
  std::string key;
  engine::AlertState state = engine::AlertState::kFiring;
  std::int64_t updated_ms = 0;
  std::optional<std::int64_t> ends_ms;
  std::optional<std::int64_t> resolved_ms;
  std::string doc;
};

// A re-send: only last-seen and endsAt moved.
struct AlertTouch {
  engine::AlertId id = 0;
  std::int64_t updated_ms = 0;
  std::optional<std::int64_t> ends_ms;
};

// A request that changes state, accepted by an instance that does not lead
// (PostgreSQL only): the leader applies it (docs/ha.md).
struct InboxRow {
  std::string ref;  // unique; the leader's answer is filed under it
  std::string instance;
  std::string method;
  std::string target;
  std::string body;
  std::int64_t received_ms = 0;
};

// A forgotten alert's facts, for reviews (docs/reviews.md).
struct HistoryRow {
  engine::AlertId id = 0;
  std::int64_t received_ms = 0;
  std::string doc;
};

// A review digest's schedule (config::Review::key) was sent, or first seen,
// for the period ending at `period_end_ms`: stored in meta as
// "review:<key>", and only ever moved forward.
struct ReviewMark {
  std::string key;
  std::int64_t period_end_ms = 0;
};

struct Batch {
  std::vector<AlertWrite> alerts;
  std::vector<AlertTouch> touches;
  std::vector<engine::AlertId> forgotten;
  std::vector<HistoryRow> history;  // written with the deletes of `forgotten`
  // Run-time silences and overrides, row by row: each written whole
  // (insert or replace) or deleted, by id.
  std::vector<rules::Silence> silences;
  std::vector<std::string> silences_deleted;
  std::vector<schedule::OverrideSpec> overrides;
  std::vector<std::string> overrides_deleted;
  // The next silence and override ids to hand out (0: unchanged), so an id
  // whose row was pruned is never handed out again (in meta).
  std::uint64_t next_silence_id = 0;
  std::uint64_t next_override_id = 0;
  // Present: replace all run-time reroutes with these (in meta; a handful).
  std::optional<std::vector<engine::Reroute>> reroutes;
  std::vector<OutboxRow> outbox;      // new notifications
  std::vector<OutboxMark> marks;      // outcomes of earlier ones
  std::vector<ReviewMark> reviews;    // written with the digests' outbox rows
  engine::AlertId next_alert_id = 0;  // 0: unchanged
  // Requests for the leader (a standby's writes; never fenced). SQLite
  // refuses a batch that carries any.
  std::vector<InboxRow> inbox;

  [[nodiscard]] bool empty() const {
    return alerts.empty() && touches.empty() && forgotten.empty() && history.empty() &&
           !RuntimeRows() && !reroutes && outbox.empty() && marks.empty() && reviews.empty() &&
           next_alert_id == 0 && inbox.empty();
  }
  // Only inbox rows: what a standby may write.
  [[nodiscard]] bool InboxOnly() const {
    return !inbox.empty() && alerts.empty() && touches.empty() && forgotten.empty() &&
           history.empty() && !RuntimeRows() && !reroutes && outbox.empty() && marks.empty() &&
           reviews.empty() && next_alert_id == 0;
  }
  // The counters this batch raises, as meta rows (key, value; 0: unchanged).
  // A stored counter only ever grows.
  [[nodiscard]] std::array<std::pair<const char*, std::uint64_t>, 3> Counters() const {
    return {{{"next_alert_id", next_alert_id},
             {"serial:silence", next_silence_id},
             {"serial:override", next_override_id}}};
  }
  // Any silence or override row, or their next ids.
  [[nodiscard]] bool RuntimeRows() const {
    return !silences.empty() || !silences_deleted.empty() || !overrides.empty() ||
           !overrides_deleted.empty() || next_silence_id != 0 || next_override_id != 0;
  }
};

// A stored row that does not decode: skipped (and logged by the caller),
// never a crash; its id is never handed out again.
struct Skipped {
  std::string table;
  std::string id;
  std::string error;
};

struct State {
  // By id, ascending, in parts (one per loading thread; Engine::Restore
  // takes them as they are).
  std::vector<std::vector<engine::Alert>> alerts;
  std::vector<rules::Silence> silences;
  std::vector<schedule::OverrideSpec> overrides;
  std::vector<OutboxRow> pending;               // by creation
  std::map<std::string, std::int64_t> reviews;  // ReviewMark: key -> period end
  std::vector<engine::Reroute> reroutes;
  std::uint64_t next_reroute_id = 1;  // "r-N": above every N stored
  std::vector<Skipped> skipped;
  engine::AlertId next_alert_id = 1;   // above every id ever used
  std::uint64_t next_silence_id = 1;   // "s-N": above every N stored
  std::uint64_t next_override_id = 1;  // "o-N": likewise
  int schema = 0;
  [[nodiscard]] std::size_t AlertCount() const;
};

// The meta rows of run-time state: "review:<key>" = "<ms>" into st.reviews,
// "reroute:<id>" = its document into st.reroutes. A value that does not
// decode is skipped (st.skipped), never a crash.
inline constexpr std::string_view kMetaStateSql =
    "SELECT key, value FROM meta WHERE key LIKE 'review:%' OR key LIKE 'reroute:%' OR key LIKE "
    "'serial:%'";
void AddMetaRow(std::string_view meta_key, std::string_view value, State& st);

class Store {
 public:
  using Done = std::function<void(const Result<void>&)>;
  // After each commit: batches in it, seconds spent in COMMIT.
  using CommitObserver = std::function<void(std::size_t batches, double seconds)>;

  virtual ~Store() = default;

  // Everything stored, decoded with `config` (routes by name).
  virtual Result<State> Load(const config::Config& config) = 0;
  // Queues `batch`; `done` (may be empty) runs on the store's thread after
  // COMMIT, or with the error; a failed batch is not written at all.
  virtual void Write(Batch batch, Done done) = 0;
  // Forgets delivered and failed notifications created before `cutoff_ms`,
  // and history rows of alerts received before `history_cutoff_ms`.
  virtual void PruneFinished(std::int64_t cutoff_ms, std::int64_t history_cutoff_ms) = 0;
  // The history rows of alerts received in [from_ms, to_ms), read on the
  // caller's thread with a connection of its own. Any thread.
  virtual Result<std::vector<HistoryRow>> History(std::int64_t from_ms, std::int64_t to_ms) = 0;
  // Writes what is queued, then closes. Idempotent.
  virtual void Stop() = 0;
  // Asks the database whether it answers (an empty transaction, queued like
  // a write); `done` as for Write. False, and `done` never runs, for a
  // backend with nothing to ask (SQLite: a file, its writes say enough).
  virtual bool Probe(Done done) {
    (void)done;
    return false;
  }
};

// The embedded backend: SQLite in WAL mode, synchronous=FULL, group commit
// on one writer thread (store/writer.h). Creates or migrates the schema.
//
// <dir>/rota.db.marker records that a database was created here. Opening a
// dir whose marker is there but whose rota.db is gone fails (the store was
// deleted or lost, and starting empty would forget every open alert) unless
// `fresh` says to begin an empty store.
struct SqliteOptions {
  std::string dir;                // the database is <dir>/rota.db
  std::int64_t max_db_bytes = 0;  // 0: no limit (tests use it to simulate a full disk)
  std::size_t max_batch = 1000;   // batches per group commit
  bool fresh = false;             // create an empty store even where one is missing
};
Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options,
                                          Store::CommitObserver observer);

// The shared backend: PostgreSQL (storage.backend: postgres), for several
// rotad on one database (docs/ha.md). Creates or migrates its schema
// (store/migrations_pg/) under an advisory lock, so instances that start
// together migrate once; a database newer than the binary is refused and
// left untouched. Group commit on one writer thread as with SQLite; a batch's
// `done` runs after PostgreSQL's COMMIT. A lost connection fails the batches
// in flight with Error::Unavailable (ingest answers 503) and is opened again
// by the next write.
struct PostgresOptions {
  std::string dsn;               // libpq connection string or URI; never logged
  std::string instance;          // this rotad's name (application_name, the inbox)
  std::size_t max_batch = 1000;  // batches per group commit
  // Fencing: while it holds a non-zero epoch, every write (but an inbox-only
  // one) checks in its own transaction that this epoch still leads, and
  // fails (writing nothing) when another instance took over. A negative
  // epoch (a standby, a leader that lost its lease) fails every such write.
  // Zero: no check (tools, tests).
  std::shared_ptr<const std::atomic<std::int64_t>> epoch;
  // Each round trip of a write (and of the writer's probe) must be answered
  // within this (the HA lease): a write to a stalled server fails (503)
  // instead of hanging, and the connection is opened again. Loads, history
  // reads and migrations have longer bounds of their own.
  std::chrono::milliseconds write_timeout{5000};
};
Result<std::unique_ptr<Store>> OpenPostgres(const PostgresOptions& options,
                                            Store::CommitObserver observer);

}  // namespace rota::store
