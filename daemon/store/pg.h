// Pg: a thin RAII layer over libpq for the PostgreSQL backend. Every
// statement is sent with PQsendQueryParams (text parameters, never spliced
// into SQL); results are owned by PgRows. The connection is non-blocking and
// every round trip has a deadline (SetIoTimeout): libpq alone would wait
// forever on a server or a network that stopped answering. Arrays travel as one text parameter
// (PgArray) so that a batch of rows is one statement with unnest(), one
// round trip, however many rows it holds.
//
// Thread-safety: a PgConn belongs to one thread at a time (libpq's rule).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

struct pg_conn;
struct pg_result;

namespace rota::store {

using PgParam = std::optional<std::string>;  // nullopt: SQL NULL

struct PgStatement {
  std::string sql;
  std::vector<PgParam> params;
};

// The rows of one statement's result.
class PgRows {
 public:
  PgRows() = default;
  explicit PgRows(pg_result* r);
  [[nodiscard]] int size() const;
  [[nodiscard]] bool Null(int row, int col) const;
  [[nodiscard]] std::string_view Text(int row, int col) const;
  [[nodiscard]] std::int64_t Int(int row, int col) const;  // 0 for NULL or junk
  [[nodiscard]] std::optional<std::int64_t> OptInt(int row, int col) const;
  [[nodiscard]] std::int64_t affected() const;  // rows an INSERT / UPDATE / DELETE touched
  [[nodiscard]] pg_result* raw() const { return r_.get(); }

 private:
  struct Clear {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Clear> r_;
};

class PgConn {
 public:
  // Connects and sets the session up (UTC, a short statement timeout). The
  // DSN is never part of an error message: it may carry a password.
  static Result<std::unique_ptr<PgConn>> Connect(const std::string& dsn,
                                                 std::string_view application);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // Every later round trip (Exec, Script, Pipeline) must be answered within
  // `timeout` (default 30 s), sent and read together; the server cancels a
  // statement running longer than 3/4 of it (statement_timeout), so a slow
  // statement fails with the server's word and keeps the connection, and
  // ends a session left idle inside a transaction longer than it
  // (idle_in_transaction_session_timeout), so a cut-off client's locks go. Past it the call
  // fails Unavailable ("PostgreSQL did not answer within 5s") and the
  // connection is dropped (Ok() is false from then on).
  void SetIoTimeout(std::chrono::milliseconds timeout);

  Result<PgRows> Exec(std::string_view sql, const std::vector<PgParam>& params = {});
  // Several statements without parameters (a migration file), in one call.
  Result<void> Script(std::string_view sql);
  // Sends every statement at once and then reads their results (libpq's
  // pipeline mode): one round trip for all. The first that fails stops the
  // rest (the server skips them); its index goes to `failed`. A transaction
  // left open by a failure is rolled back.
  Result<void> Pipeline(const std::vector<PgStatement>& statements, std::size_t* failed = nullptr);
  // Whether the connection is still usable (false after it broke).
  [[nodiscard]] bool Ok() const;
  // The socket, for waiting on notifications.
  [[nodiscard]] int Socket() const;
  // LISTEN's deliveries that have arrived (reads what the socket holds).
  std::vector<std::pair<std::string, std::string>> Notifications();
  pg_conn* handle() { return conn_; }

 private:
  explicit PgConn(pg_conn* c) : conn_(c) {}
  // The error of a failed result (null: the connection's), as Unavailable
  // when the server rather than the statement failed.
  [[nodiscard]] Error Failure(pg_result* r) const;
  using Deadline = std::chrono::steady_clock::time_point;
  // Sends what libpq holds, and waits for a whole result to be readable;
  // false when the deadline passed first (the connection is then dropped).
  bool Flush(Deadline deadline);
  bool Readable(Deadline deadline);
  // Waits until PQgetResult would not block, then calls it; null at the end
  // of a command's results, or when the deadline passed (timed_out_).
  pg_result* NextResult(Deadline deadline);
  [[nodiscard]] Error TimedOut() const;
  [[nodiscard]] Deadline Due() const { return std::chrono::steady_clock::now() + io_timeout_; }
  pg_conn* conn_;
  std::chrono::milliseconds io_timeout_{30000};
  bool timed_out_ = false;
};

// Builds a PostgreSQL array literal ('{"a","b",NULL}') element by element.
class PgArray {
 public:
  PgArray& Add(std::string_view text);
  PgArray& Add(std::int64_t v);
  PgArray& Add(const std::optional<std::int64_t>& v);
  PgArray& AddNull();
  [[nodiscard]] std::string Take() { return std::move(text_) + "}"; }
  [[nodiscard]] bool empty() const { return text_.size() <= 1; }

 private:
  void Sep() {
    if (text_.size() > 1) {
      text_ += ',';
    }
  }
  std::string text_ = "{";
};

// A begun transaction that rolls back unless committed.
class PgTxn {
 public:
  static Result<PgTxn> Begin(PgConn& c);
  PgTxn(PgTxn&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
  PgTxn& operator=(PgTxn&&) = delete;
  ~PgTxn();
  Result<void> Commit();

 private:
  explicit PgTxn(PgConn& c) : c_(&c) {}
  PgConn* c_;
};

}  // namespace rota::store
