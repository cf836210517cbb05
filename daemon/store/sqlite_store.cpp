// The SQLite backend of store::Store: every line of rota's SQL lives here
// and in migrations/ (plus the loader and retention helpers beside it).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "store/alert_codec.h"
#include "store/db.h"
#include "store/load.h"
#include "store/migrate.h"
#include "store/outbox.h"
#include "store/store.h"
#include "store/writer.h"

namespace rota::store {

void AddMetaRow(std::string_view meta_key, std::string_view value, State& st) {
  if (meta_key.starts_with("reroute:")) {
    auto r = DecodeReroute(value);
    if (!r) {
      st.skipped.push_back({"meta", std::string(meta_key), r.error().message()});
      return;
    }
    std::uint64_t n = 0;
    const std::string_view digits = std::string_view(r->id).substr(2);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), n).ec == std::errc()) {
      st.next_reroute_id = std::max(st.next_reroute_id, n + 1);
    }
    st.reroutes.push_back(std::move(*r));
    return;
  }
  if (meta_key == "serial:silence" || meta_key == "serial:override") {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size()) {
      st.skipped.push_back({"meta", std::string(meta_key), "not a number"});
      return;
    }
    auto& next = meta_key == "serial:silence" ? st.next_silence_id : st.next_override_id;
    next = std::max(next, n);  // the rows' own ids were read first
    return;
  }
  std::int64_t ms = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
  if (ec != std::errc() || end != value.data() + value.size() || ms < 0) {
    st.skipped.push_back({"meta", std::string(meta_key),
                          "not a review period end: \"" + std::string(value.substr(0, 40)) + "\""});
    return;
  }
  st.reviews[std::string(meta_key.substr(std::string_view("review:").size()))] = ms;
}

std::string_view OutboxStateName(OutboxState s) {
  switch (s) {
    case OutboxState::kPending:
      return "pending";
    case OutboxState::kDelivered:
      return "delivered";
    case OutboxState::kFailed:
      return "failed";
  }
  return "failed";
}

std::size_t State::AlertCount() const {
  std::size_t n = 0;
  for (const auto& p : alerts) {
    n += p.size();
  }
  return n;
}

namespace {

Result<void> WriteAlerts(Db& db, const Batch& b) {
  auto up = db.Cached(
      "INSERT INTO alerts(id, key, state, updated_at, ends_at, resolved_at, doc) "
      "VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(id) DO UPDATE SET key=excluded.key, "
      "state=excluded.state, updated_at=excluded.updated_at, ends_at=excluded.ends_at, "
      "resolved_at=excluded.resolved_at, doc=excluded.doc");
  if (!up) {
    return Fail(up.error());
  }
  // A full write carries last-seen and endsAt itself: a re-send's row in
  // alert_seen (migration 0004) would override them at load.
  auto unseen = db.Cached("DELETE FROM alert_seen WHERE id = ?1");
  if (!unseen) {
    return Fail(unseen.error());
  }
  for (const auto& a : b.alerts) {
    (*up)->Bind(1, static_cast<std::int64_t>(a.id)).Bind(2, a.key);
    (*up)->Bind(3, engine::AlertStateName(a.state)).Bind(4, a.updated_ms).Bind(5, a.ends_ms);
    if (auto r = (*up)->Bind(6, a.resolved_ms).Bind(7, a.doc).Run(); !r) {
      return r;
    }
    if (auto r = (*unseen)->Bind(1, static_cast<std::int64_t>(a.id)).Run(); !r) {
      return r;
    }
  }
  auto touch = db.Cached(
      "INSERT INTO alert_seen(id, updated_at, ends_at) VALUES (?1,?2,?3) ON CONFLICT(id) DO UPDATE "
      "SET updated_at=excluded.updated_at, ends_at=excluded.ends_at");
  if (!touch) {
    return Fail(touch.error());
  }
  for (const auto& t : b.touches) {
    (*touch)->Bind(1, static_cast<std::int64_t>(t.id)).Bind(2, t.updated_ms).Bind(3, t.ends_ms);
    if (auto r = (*touch)->Run(); !r) {
      return r;
    }
  }
  auto del = db.Cached("DELETE FROM alerts WHERE id = ?1");
  if (!del) {
    return Fail(del.error());
  }
  for (auto id : b.forgotten) {
    if (auto r = (*del)->Bind(1, static_cast<std::int64_t>(id)).Run(); !r) {
      return r;
    }
    if (auto r = (*unseen)->Bind(1, static_cast<std::int64_t>(id)).Run(); !r) {
      return r;
    }
  }
  if (!b.history.empty()) {
    auto hist =
        db.Cached("INSERT OR REPLACE INTO alert_history(id, received_at, doc) VALUES (?1,?2,?3)");
    if (!hist) {
      return Fail(hist.error());
    }
    for (const auto& h : b.history) {
      (*hist)->Bind(1, static_cast<std::int64_t>(h.id)).Bind(2, h.received_ms);
      if (auto r = (*hist)->Bind(3, h.doc).Run(); !r) {
        return r;
      }
    }
  }
  if (b.reroutes) {
    if (auto r = db.Exec("DELETE FROM meta WHERE key LIKE 'reroute:%'"); !r) {
      return r;
    }
    auto ins = db.Cached("INSERT INTO meta(key, value) VALUES (?1, ?2)");
    if (!ins) {
      return Fail(ins.error());
    }
    for (const auto& rr : *b.reroutes) {
      (*ins)->Bind(1, "reroute:" + rr.id);
      if (auto r = (*ins)->Bind(2, EncodeReroute(rr)).Run(); !r) {
        return r;
      }
    }
  }
  if (!b.reviews.empty()) {
    auto mark = db.Cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE "
        "SET value = excluded.value WHERE CAST(value AS INTEGER) < CAST(excluded.value AS "
        "INTEGER)");
    if (!mark) {
      return Fail(mark.error());
    }
    for (const auto& m : b.reviews) {
      (*mark)->Bind(1, "review:" + m.key);
      if (auto r = (*mark)->Bind(2, std::to_string(m.period_end_ms)).Run(); !r) {
        return r;
      }
    }
  }
  for (const auto& [key, value] : b.Counters()) {
    if (value == 0) {
      continue;
    }
    auto raise = db.Cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE "
        "SET value = excluded.value WHERE CAST(value AS INTEGER) < CAST(excluded.value AS "
        "INTEGER)");
    if (!raise) {
      return Fail(raise.error());
    }
    if (auto r = (*raise)->Bind(1, key).Bind(2, std::to_string(value)).Run(); !r) {
      return r;
    }
  }
  return {};
}

// Writes rows of a small table (silences, overrides) of (id, end, doc):
// those deleted, then those written whole.
template <typename T, typename Encode>
Result<void> WriteRows(Db& db, std::string_view table, std::string_view end_column,
                       const std::vector<T>& items, const std::vector<std::string>& deleted,
                       Encode encode) {
  if (!deleted.empty()) {
    auto del = db.Cached("DELETE FROM " + std::string(table) + " WHERE id = ?1");
    if (!del) {
      return Fail(del.error());
    }
    for (const auto& id : deleted) {
      if (auto r = (*del)->Bind(1, id).Run(); !r) {
        return r;
      }
    }
  }
  if (items.empty()) {
    return {};
  }
  auto ins = db.Cached("INSERT OR REPLACE INTO " + std::string(table) + "(id, " +
                       std::string(end_column) + ", doc) VALUES (?1, ?2, ?3)");
  if (!ins) {
    return Fail(ins.error());
  }
  for (const auto& item : items) {
    const auto [id, end, doc] = encode(item);
    if (auto r = (*ins)->Bind(1, id).Bind(2, end).Bind(3, doc).Run(); !r) {
      return r;
    }
  }
  return {};
}

Result<void> WriteOutbox(Db& db, const Batch& b) {
  auto ins = db.Cached(
      "INSERT OR IGNORE INTO outbox(idempotency_key, channel, recipient, kind, payload, "
      "created_at, "
      "next_attempt_at, attempts) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
  if (!ins) {
    return Fail(ins.error());
  }
  for (const auto& o : b.outbox) {
    (*ins)->Bind(1, o.key).Bind(2, o.channel).Bind(3, o.recipient).Bind(4, o.kind);
    (*ins)->Bind(5, o.payload).Bind(6, o.created_ms).Bind(7, o.next_attempt_ms);
    if (auto r = (*ins)->Bind(8, static_cast<std::int64_t>(o.attempts)).Run(); !r) {
      return r;
    }
  }
  auto mark = db.Cached(
      "UPDATE outbox SET state=?2, attempts=?3, next_attempt_at=coalesce(?4, next_attempt_at), "
      "last_error=?5 WHERE idempotency_key=?1");
  if (!mark) {
    return Fail(mark.error());
  }
  // A delivered notification is done: its row goes. Moving it from the
  // pending index to the finished one (as failed rows are) was a sixth of
  // the WAL frames an alert costs, for a row nothing reads again.
  auto done = db.Cached("DELETE FROM outbox WHERE idempotency_key=?1");
  if (!done) {
    return Fail(done.error());
  }
  for (const auto& m : b.marks) {
    if (m.state == OutboxState::kDelivered) {
      if (auto r = (*done)->Bind(1, m.key).Run(); !r) {
        return r;
      }
      continue;
    }
    (*mark)->Bind(1, m.key).Bind(2, OutboxStateName(m.state));
    (*mark)->Bind(3, static_cast<std::int64_t>(m.attempts));
    (*mark)->Bind(4, m.state == OutboxState::kPending
                         ? std::optional<std::int64_t>(m.next_attempt_ms)
                         : std::nullopt);
    if (auto r = (*mark)->Bind(5, m.error).Run(); !r) {
      return r;
    }
  }
  return {};
}

Result<void> WriteBatch(Db& db, const Batch& b) {
  if (!b.inbox.empty()) {
    return Fail(Error::InvalidArgument("the SQLite store has no inbox: one instance leads alone"));
  }
  if (auto r = WriteAlerts(db, b); !r) {
    return r;
  }
  if (auto r = WriteRows(db, "silences", "ends_at", b.silences, b.silences_deleted, SilenceRow);
      !r) {
    return r;
  }
  if (auto r = WriteRows(db, "overrides", "end_at", b.overrides, b.overrides_deleted, OverrideRow);
      !r) {
    return r;
  }
  return WriteOutbox(db, b);
}

// Every (id, doc) row of a small table: decoded into `out`, or skipped;
// returns the next free serial of ids "<prefix>N", counting skipped rows.
template <typename T, typename Decode>
Result<std::uint64_t> LoadDocs(Db& db, std::string_view table, std::string_view prefix,
                               Decode decode, std::vector<T>& out, std::vector<Skipped>& skipped) {
  auto rows = db.Prepare("SELECT id, doc FROM " + std::string(table) + " ORDER BY id");
  if (!rows) {
    return Fail(rows.error());
  }
  std::uint64_t next = 1;
  while (rows->Step().value_or(false)) {
    const std::string id = rows->Text(0);
    next = std::max(next, IdSerial(id, prefix) + 1);
    if (auto item = decode(rows->TextView(1))) {
      out.push_back(std::move(*item));
    } else {
      skipped.push_back({std::string(table), id, item.error().message()});
    }
  }
  return next;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, std::unique_ptr<Db> db, int schema, std::size_t max_batch,
              CommitObserver observer, int lock_fd)
      : path_(std::move(path)),
        schema_(schema),
        db_(std::move(db)),
        max_batch_(max_batch),
        observer_(std::move(observer)),
        lock_fd_(lock_fd) {}
  ~SqliteStore() override {
    Stop();
    if (lock_fd_ >= 0) {
      ::close(lock_fd_);  // releases the flock: another rotad may open the folder now
    }
  }

  Result<State> Load(const config::Config& config) override;
  void Write(Batch batch, Done done) override {
    Writer().Submit([b = std::move(batch)](Db& db) { return WriteBatch(db, b); }, std::move(done));
  }
  // A write of one meta row, committed and synced like any batch: whether
  // the store takes writes again (a full disk that got room).
  bool Probe(Done done) override {
    Writer().Submit(
        [](Db& db) -> Result<void> {
          auto probe = db.Cached(
              "INSERT INTO meta(key, value) VALUES ('probe', ?1) ON CONFLICT(key) DO UPDATE "
              "SET value = excluded.value");
          if (!probe) {
            return Fail(probe.error());
          }
          return (*probe)
              ->Bind(1, std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count()))
              .Run();
        },
        std::move(done));
    return true;
  }
  void PruneFinished(std::int64_t cutoff_ms, std::int64_t history_cutoff_ms) override {
    Writer().Submit(
        [cutoff_ms, history_cutoff_ms](Db& db) -> Result<void> {
          if (auto r = PruneFinishedOutbox(db, cutoff_ms); !r) {
            return r;
          }
          auto del = db.Cached("DELETE FROM alert_history WHERE received_at < ?1");
          if (!del) {
            return Fail(del.error());
          }
          return (*del)->Bind(1, history_cutoff_ms).Run();
        },
        nullptr);
  }
  Result<std::vector<HistoryRow>> History(std::int64_t from_ms, std::int64_t to_ms) override {
    // A reader of its own: WAL lets it read beside the writer.
    auto db = Db::Open(path_, {.create = false, .read_only = true});
    if (!db) {
      return Fail(db.error());
    }
    auto rows = (*db)->Prepare(
        "SELECT id, received_at, doc FROM alert_history WHERE received_at >= ?1 AND received_at < "
        "?2 "
        "ORDER BY id");
    if (!rows) {
      return Fail(rows.error());
    }
    rows->Bind(1, from_ms).Bind(2, to_ms);
    std::vector<HistoryRow> out;
    while (true) {
      auto more = rows->Step();
      if (!more) {
        return Fail(more.error());
      }
      if (!*more) {
        break;
      }
      out.push_back({static_cast<engine::AlertId>(rows->Int(0)), rows->Int(1), rows->Text(2)});
    }
    return out;
  }
  void Stop() override {
    if (writer_) {
      writer_->Stop();  // what is queued is written, then the database closes
    }
  }

 private:
  store::Writer& Writer() {
    if (!writer_) {  // the first write after Load takes the connection over
      writer_ = std::make_unique<store::Writer>(std::move(db_), max_batch_, observer_);
    }
    return *writer_;
  }
  Result<void> LoadSmallTables(State& st);

  std::string path_;
  int schema_;
  std::unique_ptr<Db> db_;  // until the writer takes it
  std::size_t max_batch_;
  CommitObserver observer_;
  int lock_fd_ = -1;  // <dir>/rota.lock, flock'ed for the store's life
  std::unique_ptr<store::Writer> writer_;
};

Result<void> SqliteStore::LoadSmallTables(State& st) {
  // At start-up the writer's connection, before the writer takes it; later
  // (undoing a failed write) a reader of its own beside the writer (WAL).
  std::unique_ptr<Db> reader;
  if (!db_) {
    auto opened = Db::Open(path_, {.create = false, .read_only = true});
    if (!opened) {
      return Fail(opened.error());
    }
    reader = std::move(*opened);
  }
  Db& db = db_ ? *db_ : *reader;
  auto silences = LoadDocs(db, "silences", "s-", DecodeSilence, st.silences, st.skipped);
  if (!silences) {
    return Fail(silences.error());
  }
  st.next_silence_id = *silences;
  auto overrides = LoadDocs(db, "overrides", "o-", DecodeOverride, st.overrides, st.skipped);
  if (!overrides) {
    return Fail(overrides.error());
  }
  st.next_override_id = *overrides;
  auto pending = db.Prepare(
      "SELECT idempotency_key, channel, recipient, kind, payload, created_at, next_attempt_at, "
      "attempts FROM outbox WHERE state = 'pending' ORDER BY id");
  if (!pending) {
    return Fail(pending.error());
  }
  while (pending->Step().value_or(false)) {
    st.pending.push_back({pending->Text(0), pending->Text(1), pending->Text(2), pending->Text(3),
                          pending->Text(4), pending->Int(5), pending->Int(6),
                          static_cast<int>(pending->Int(7))});
  }
  auto meta = db.Prepare(kMetaStateSql);
  if (!meta) {
    return Fail(meta.error());
  }
  while (meta->Step().value_or(false)) {
    AddMetaRow(meta->Text(0), meta->Text(1), st);
  }
  auto next = db.Prepare(
      "SELECT max(coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'next_alert_id'), "
      "1), "
      "coalesce((SELECT max(id) FROM alerts), 0) + 1)");
  if (!next || !next->Step().value_or(false)) {
    return Fail(next ? Error::Io("cannot read the next alert id") : next.error());
  }
  st.next_alert_id = static_cast<engine::AlertId>(std::max<std::int64_t>(1, next->Int(0)));
  return {};
}

Result<State> SqliteStore::Load(const config::Config& config) {
  State st;
  st.schema = schema_;
  // Alerts decode on every core: start-up time grows with the stored alerts.
  auto loaded = LoadAlerts(path_, config);
  if (!loaded) {
    return Fail(loaded.error());
  }
  st.alerts = std::move(loaded->parts);
  for (const auto& bad : loaded->skipped) {
    st.skipped.push_back({"alerts", std::to_string(bad.id), bad.error});
  }
  if (auto r = LoadSmallTables(st); !r) {
    return Fail(r.error());
  }
  return st;
}

}  // namespace

namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// Writes the marker durably: temporary file, fsync, rename, fsync of the dir.
Result<void> WriteMarker(const std::string& dir, const std::string& marker) {
  const std::string tmp = marker + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(Error::Io("cannot write " + tmp + ": " + std::strerror(errno)));
  }
  const std::string text =
      "rotad created rota.db in this directory. While this file exists, rotad refuses to start\n"
      "if rota.db is missing (restore it from a backup, or start with --fresh-store).\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), marker.c_str()) != 0) {
    return Fail(Error::Io("cannot write " + marker + ": " + std::strerror(errno)));
  }
  if (const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    (void)::fsync(d);
    ::close(d);
  }
  return {};
}

}  // namespace

namespace {

// One process per store folder: an exclusive flock on <dir>/rota.lock, held
// for the store's life (the kernel drops it when the process dies, kill -9
// included). The holder's pid is written in the file, for the message.
Result<int> LockFolder(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string lock = (std::filesystem::path(dir) / "rota.lock").string();
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(Error::Io("cannot open " + lock + ": " + std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid =
        n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("unknown");
    pid.erase(std::remove_if(pid.begin(), pid.end(), [](char c) { return c < '0' || c > '9'; }),
              pid.end());
    if (err == EWOULDBLOCK) {
      return Fail(Error::Unavailable(
          "storage.dir " + dir + " is in use by another rotad (pid " +
          (pid.empty() ? "unknown" : pid) + ", lock " + lock +
          "): a SQLite store serves one instance; stop that one, give this one "
          "another storage.dir, or run several on storage.backend: postgres (docs/ha.md)"));
    }
    return Fail(Error::Io("cannot lock " + lock + ": " + std::strerror(err)));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // The lock holds all the same; only the message of a second instance loses the pid.
  }
  return fd;
}

Result<std::unique_ptr<Store>> OpenLocked(const SqliteOptions& options,
                                          Store::CommitObserver observer, int lock_fd) {
  const std::string path = (std::filesystem::path(options.dir) / "rota.db").string();
  const std::string marker = path + ".marker";
  const bool existed = Exists(path);
  if (!existed && Exists(marker) && !options.fresh) {
    return Fail(Error::NotFound(
        path + " is missing, but " + marker +
        " says a store was created here: its alerts, "
        "silences and pending notifications are gone. Restore rota.db from a backup "
        "(rotactl backup), or start rotad once with --fresh-store to begin with an empty store"));
  }
  Db::Options db_options;
  db_options.max_page_count = options.max_db_bytes > 0 ? options.max_db_bytes / 4096 : 0;
  auto db = Db::Open(path, db_options);
  if (!db) {
    return Fail(db.error());
  }
  auto version = Migrate(**db);
  if (!version) {
    return Fail(version.error());
  }
  if (!existed || !Exists(marker)) {
    if (auto m = WriteMarker(options.dir, marker); !m) {
      return Fail(m.error());
    }
  }
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(
      path, std::move(*db), *version, options.max_batch, std::move(observer), lock_fd));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options,
                                          Store::CommitObserver observer) {
  auto lock = LockFolder(options.dir);
  if (!lock) {
    return Fail(lock.error());
  }
  const int lock_fd = *lock;
  auto opened = OpenLocked(options, std::move(observer), lock_fd);
  if (!opened) {
    ::close(lock_fd);
  }
  return opened;
}

}  // namespace rota::store
