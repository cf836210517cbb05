#include "store/db.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>

namespace rota::store {
namespace {

Error SqlError(sqlite3* db, const std::string& path, std::string_view what) {
  const int code = db != nullptr ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
  std::string msg = std::string(what) + ": " +
                    (db != nullptr ? sqlite3_errmsg(db) : "no connection") + " (" +
                    sqlite3_errstr(code) + ", code " + std::to_string(code) + ") in " + path;
  if ((code & 0xff) == SQLITE_FULL) {
    return Error::Unavailable(msg);
  }
  return Error::Io(msg);
}

}  // namespace

// ---- Statement -----------------------------------------------------------------

Statement::Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, std::int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view v) {
  sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return Fail(SqlError(db_->handle(), db_->path(), "step"));
}

Result<void> Statement::Run() {
  auto r = Step();
  if (!r) {
    return Fail(r.error());
  }
  Reset();
  return {};
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> Statement::OptInt(int column) const {
  return IsNull(column) ? std::nullopt : std::optional<std::int64_t>(Int(column));
}

Statement& Statement::Bind(int index, const std::optional<std::int64_t>& v) {
  return v ? Bind(index, *v) : BindNull(index);
}

std::string Statement::Text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::string_view Statement::TextView(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr
             ? std::string_view()
             : std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---- Db --------------------------------------------------------------------

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, const Options& options) {
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (options.create && !options.read_only) {
    flags |= SQLITE_OPEN_CREATE;
  }
  flags |= SQLITE_OPEN_NOMUTEX;
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
    Error e = SqlError(raw, path, "cannot open the database");
    sqlite3_close(raw);
    return Fail(e);
  }
  std::unique_ptr<Db> db(new Db(raw, path));
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  // Reading the schema proves this is a database before anything writes to it.
  if (auto r = db->Exec("SELECT count(*) FROM sqlite_master"); !r) {
    return Fail(Error::Io("not a usable SQLite database (left untouched): " + db->LastError()));
  }
  if (!options.read_only) {
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
      if (auto r = db->Exec(pragma); !r) {
        return Fail(r.error());
      }
    }
  }
  if (options.max_page_count > 0) {
    if (auto r = db->Exec("PRAGMA max_page_count=" + std::to_string(options.max_page_count)); !r) {
      return Fail(r.error());
    }
  }
  return db;
}

Result<void> Db::CheckInPlace() {
  int moved = 0;
  if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK &&
      moved != 0) {
    return Fail(Error::Unavailable(path_ + " was deleted or replaced while rotad ran; nothing more "
                                           "is written to it: restore it and restart rotad"));
  }
  const std::string wal = path_ + "-wal";
  struct stat st {};
  if (::stat(wal.c_str(), &st) != 0) {
    if (wal_ino_ != 0) {
      return Fail(Error::Unavailable(wal + " was deleted while rotad ran; nothing more is written "
                                           "to the store: restart rotad"));
    }
    return {};
  }
  if (wal_ino_ == 0) {
    wal_dev_ = st.st_dev;
    wal_ino_ = st.st_ino;
  } else if (st.st_dev != wal_dev_ || st.st_ino != wal_ino_) {
    return Fail(Error::Unavailable(wal + " was replaced while rotad ran; nothing more is written "
                                         "to the store: restart rotad"));
  }
  return {};
}

Db::~Db() {
  cache_.clear();  // finalize before closing
  sqlite3_close_v2(db_);
}

Result<Statement*> Db::Cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end()) {
    it->second->Reset();
    return it->second.get();
  }
  auto s = Prepare(sql);
  if (!s) {
    return Fail(s.error());
  }
  auto owned = std::make_unique<Statement>(std::move(*s));
  Statement* raw = owned.get();
  cache_.emplace(std::string(sql), std::move(owned));
  return raw;
}

Result<void> Db::ExecCached(std::string_view sql) {
  auto s = Cached(sql);
  if (!s) {
    return Fail(s.error());
  }
  auto r = (*s)->Run();
  if (!r) {
    (*s)->Reset();
  }
  return r;
}

Result<void> Db::Exec(std::string_view sql) {
  char* msg = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    sqlite3_free(msg);
    return Fail(SqlError(db_, path_, text.substr(0, 60)));
  }
  return {};
}

Result<Statement> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return Fail(SqlError(db_, path_, "prepare"));
  }
  return Statement(this, stmt);
}

std::string Db::LastError() const { return std::string(sqlite3_errmsg(db_)) + " in " + path_; }

int Db::LastErrorCode() const { return sqlite3_extended_errcode(db_); }

bool Db::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

// ---- Txn -------------------------------------------------------------------

Result<Txn> Txn::Begin(Db& db) {
  if (auto r = db.ExecCached("BEGIN IMMEDIATE"); !r) {
    return Fail(r.error());
  }
  return Txn(&db);
}

Txn::~Txn() {
  if (db_ != nullptr) {
    (void)db_->Exec("ROLLBACK");
  }
}

Result<void> Txn::Commit() {
  auto r = db_->ExecCached("COMMIT");
  if (r) {
    db_ = nullptr;
  }
  return r;
}

bool IsFull(const Error& e) { return e.code() == Error::Code::kUnavailable; }

Result<void> Backup(const std::string& source, const std::string& dest) {
  std::error_code ec;
  if (std::filesystem::exists(dest, ec) || ec) {
    return Fail(Error::InvalidArgument(dest + " already exists; choose a new file"));
  }
  Db::Options ro;
  ro.create = false;
  ro.read_only = true;
  auto src = Db::Open(source, ro);
  if (!src) {
    return Fail(src.error());
  }
  Db::Options rw;
  auto dst = Db::Open(dest, rw);
  if (!dst) {
    return Fail(dst.error());
  }
  sqlite3_backup* b = sqlite3_backup_init((*dst)->handle(), "main", (*src)->handle(), "main");
  if (b == nullptr) {
    return Fail(SqlError((*dst)->handle(), dest, "backup"));
  }
  int rc = SQLITE_OK;
  do {
    rc = sqlite3_backup_step(b, -1);  // everything, in one read transaction
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      sqlite3_sleep(50);
    }
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    return Fail(SqlError((*dst)->handle(), dest, "backup"));
  }
  return {};
}

}  // namespace rota::store
