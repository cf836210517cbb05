// SQLite, wrapped: the only place that includes sqlite3.h.
//
// Db owns a connection opened in WAL mode with synchronous=FULL (a commit
// returns only after fsync), foreign keys on and a busy timeout. Statement
// and Txn are RAII: a statement is finalized, and a transaction not
// committed is rolled back, when they go out of scope. Errors are values
// naming the SQLite error and the file.
//
// Opening never creates over or "repairs" an existing file that is not a
// SQLite database: it fails, and the file is left as it was.
//
// Thread-safety: a Db belongs to one thread at a time (the writer thread owns
// the daemon's); Statements and Txns belong to their Db's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace rota::store {

class Db;

class Statement {
 public:
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int index, std::int64_t v);
  Statement& Bind(int index, std::string_view v);
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<std::int64_t>& v);
  // Runs to the next row: true if there is one, false when done.
  Result<bool> Step();
  // Runs a statement that returns no rows.
  Result<void> Run();
  void Reset();

  [[nodiscard]] std::int64_t Int(int column) const;
  [[nodiscard]] std::optional<std::int64_t> OptInt(int column) const;
  [[nodiscard]] std::string Text(int column) const;
  // The same without a copy; valid until the next Step, Reset or the end.
  [[nodiscard]] std::string_view TextView(int column) const;
  [[nodiscard]] bool IsNull(int column) const;

 private:
  friend class Db;
  Statement(Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Db* db_;
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  struct Options {
    bool create = true;  // create the file if missing
    bool read_only = false;
    int busy_timeout_ms = 5000;
    std::int64_t max_page_count = 0;  // 0: no limit (tests use it to simulate a full disk)
  };

  static Result<std::unique_ptr<Db>> Open(const std::string& path, const Options& options);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Result<void> Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // A statement prepared once per connection and kept (reset, bindings
  // cleared) for the hot paths that run the same SQL for every commit:
  // parsing SQL was a fifth of the writer's time. Valid until the Db goes.
  Result<Statement*> Cached(std::string_view sql);
  // Exec through Cached (SAVEPOINT and friends, once per request).
  Result<void> ExecCached(std::string_view sql);
  [[nodiscard]] const std::string& path() const { return path_; }
  // "message (SQLITE_xxx) in <path>" for the last error.
  [[nodiscard]] std::string LastError() const;
  [[nodiscard]] int LastErrorCode() const;
  // False when SQLite rolled the open transaction back by itself (as it does
  // on SQLITE_FULL and I/O errors).
  [[nodiscard]] bool InTransaction() const;
  [[nodiscard]] sqlite3* handle() const { return db_; }
  // An error when the database file, or its WAL once seen, has been deleted
  // or replaced since it was opened: commits would go to a file nobody will
  // ever open again. Costs two stat(2) calls.
  [[nodiscard]] Result<void> CheckInPlace();

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::uint64_t wal_dev_ = 0;  // the WAL file's identity, once it has been seen
  std::uint64_t wal_ino_ = 0;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit()ed.
class Txn {
 public:
  static Result<Txn> Begin(Db& db);
  Txn(Txn&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  Txn& operator=(Txn&&) = delete;
  ~Txn();
  Result<void> Commit();
  // Forget the transaction without ROLLBACK (SQLite already rolled it back).
  void Abandon() { db_ = nullptr; }

 private:
  explicit Txn(Db* db) : db_(db) {}
  Db* db_;
};

// Whether an error means "no space" (SQLITE_FULL) or the file cannot be written.
bool IsFull(const Error& e);

// Copies the database at `source` (which a running rotad may be writing) to
// `dest` with SQLite's online backup API: one consistent snapshot. `dest`
// must not exist.
Result<void> Backup(const std::string& source, const std::string& dest);

}  // namespace rota::store
