#include "store/pg.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>

#include "core/duration.h"

namespace rota::store {

void PgRows::Clear::operator()(pg_result* r) const { PQclear(r); }

PgRows::PgRows(pg_result* r) : r_(r) {}

int PgRows::size() const { return r_ ? PQntuples(r_.get()) : 0; }

bool PgRows::Null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }

std::string_view PgRows::Text(int row, int col) const {
  return {PQgetvalue(r_.get(), row, col),
          static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
}

std::int64_t PgRows::Int(int row, int col) const { return OptInt(row, col).value_or(0); }

std::optional<std::int64_t> PgRows::OptInt(int row, int col) const {
  if (Null(row, col)) {
    return std::nullopt;
  }
  const auto t = Text(row, col);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) {
    return std::nullopt;
  }
  return v;
}

std::int64_t PgRows::affected() const {
  const char* n = r_ ? PQcmdTuples(r_.get()) : "";
  std::int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

namespace {

// libpq's message, one line (it ends in newlines and may span several).
std::string Message(const char* m) {
  std::string s = m != nullptr ? m : "";
  for (char& c : s) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  while (!s.empty() && s.back() == ' ') {
    s.pop_back();
  }
  return s;
}

}  // namespace

Result<std::unique_ptr<PgConn>> PgConn::Connect(const std::string& dsn,
                                                std::string_view application) {
  // connect_timeout bounds a connect to a host that does not answer;
  // keepalives find a peer that vanished (a failed-over server) within ~8 s,
  // and tcp_user_timeout a peer that stopped acknowledging what we sent.
  // They come before the DSN, so that its own settings win.
  const char* keys[] = {
      "connect_timeout",  "application_name", "keepalives_idle", "keepalives_interval",
      "keepalives_count", "tcp_user_timeout", "dbname",          nullptr};
  const std::string app(application);
  const char* values[] = {"5", app.c_str(), "5", "1", "3", "5000", dsn.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (c == nullptr) {
    return Fail(Error::Unavailable("PostgreSQL: out of memory while connecting"));
  }
  auto conn = std::unique_ptr<PgConn>(new PgConn(c));
  if (PQstatus(c) != CONNECTION_OK) {
    return Fail(Error::Unavailable("cannot connect to PostgreSQL: " + Message(PQerrorMessage(c))));
  }
  if (PQsetnonblocking(c, 1) != 0) {
    return Fail(Error::Unavailable("PostgreSQL: cannot make the connection non-blocking"));
  }
  if (PQserverVersion(c) < 120000) {
    return Fail(Error::InvalidArgument("PostgreSQL " + std::to_string(PQserverVersion(c) / 10000) +
                                       " is too old; rota needs 12 or newer"));
  }
  if (auto r = conn->Exec("SET TIME ZONE 'UTC'"); !r) {
    return Fail(r.error());
  }
  // NOTICEs ("relation already exists, skipping") are for people at psql.
  if (auto r = conn->Exec("SET client_min_messages = warning"); !r) {
    return Fail(r.error());
  }
  return conn;
}

PgConn::~PgConn() { PQfinish(conn_); }

bool PgConn::Ok() const { return !timed_out_ && PQstatus(conn_) == CONNECTION_OK; }

void PgConn::SetIoTimeout(std::chrono::milliseconds timeout) {
  io_timeout_ = timeout;
  // The server's side of the same bound (a lock wait, a slow plan): it
  // cancels, and says so, a little before the connection would be dropped.
  (void)Exec("SET statement_timeout = " +
             std::to_string(std::max<std::int64_t>(1, timeout.count() * 3 / 4)));
  // A session that went quiet inside a transaction (its client cut off by a
  // partition) is ended by the server, so the locks it holds (a write's
  // share lock on the lease row) do not keep a standby from taking over.
  (void)Exec("SET idle_in_transaction_session_timeout = " + std::to_string(timeout.count()));
}

Error PgConn::TimedOut() const {
  return Error::Unavailable("PostgreSQL did not answer within " + FormatDuration(io_timeout_) +
                            "; the connection was dropped");
}

namespace {

// Waits for `events` on `fd` until `deadline`; false when it passed.
bool PollUntil(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
    if (n > 0) {
      return true;
    }
    if (n < 0 && errno != EINTR) {
      return true;  // let libpq find the error
    }
  }
}

}  // namespace

bool PgConn::Flush(Deadline deadline) {
  for (;;) {
    const int r = PQflush(conn_);
    if (r <= 0) {
      return true;  // sent, or failed (PQgetResult reports it)
    }
    if (!PollUntil(PQsocket(conn_), POLLOUT | POLLIN, deadline)) {
      break;
    }
    if (PQconsumeInput(conn_) == 0) {
      return true;
    }
  }
  timed_out_ = true;
  ::shutdown(PQsocket(conn_), SHUT_RDWR);
  return false;
}

bool PgConn::Readable(Deadline deadline) {
  while (PQisBusy(conn_) != 0) {
    if (!PollUntil(PQsocket(conn_), POLLIN, deadline)) {
      timed_out_ = true;
      ::shutdown(PQsocket(conn_), SHUT_RDWR);
      return false;
    }
    if (PQconsumeInput(conn_) == 0) {
      return true;  // broken: PQgetResult says so
    }
  }
  return true;
}

pg_result* PgConn::NextResult(Deadline deadline) {
  if (timed_out_ || !Readable(deadline)) {
    return nullptr;
  }
  return PQgetResult(conn_);
}

int PgConn::Socket() const { return PQsocket(conn_); }

Result<PgRows> PgConn::Exec(std::string_view sql, const std::vector<PgParam>& params) {
  if (timed_out_) {
    return Fail(TimedOut());
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    values.push_back(p ? p->c_str() : nullptr);
  }
  const std::string text(sql);
  const Deadline deadline = Due();
  if (PQsendQueryParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                        values.data(), nullptr, nullptr, 0) != 1) {
    return Fail(Failure(nullptr));
  }
  if (!Flush(deadline)) {
    return Fail(TimedOut());
  }
  // The statement's result (the last, should there be several), then null.
  PgRows rows;
  while (PGresult* r = NextResult(deadline)) {
    rows = PgRows(r);
  }
  if (timed_out_) {
    return Fail(TimedOut());
  }
  const auto status = rows.raw() != nullptr ? PQresultStatus(rows.raw()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    return rows;
  }
  return Fail(Failure(rows.raw()));
}

Error PgConn::Failure(pg_result* r) const {
  if (!Ok()) {
    return Error::Unavailable("PostgreSQL connection lost: " + Message(PQerrorMessage(conn_)));
  }
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string code = state != nullptr ? state : "";
  std::string msg =
      "PostgreSQL: " + Message(r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
  // Class 08 (connection), 53 (resources: disk full, too many connections),
  // 57 (operator intervention: shutting down, admin shutdown): the server,
  // not the statement. Callers answer 503 and try again.
  if (code.starts_with("08") || code.starts_with("53") || code.starts_with("57")) {
    return Error::Unavailable(std::move(msg));
  }
  return Error::Io(std::move(msg));
}

Result<void> PgConn::Pipeline(const std::vector<PgStatement>& statements, std::size_t* failed) {
  if (timed_out_) {
    return Fail(TimedOut());
  }
  const Deadline deadline = Due();
  if (PQenterPipelineMode(conn_) != 1) {
    return Fail(Failure(nullptr));
  }
  bool sent = true;
  for (const auto& st : statements) {
    std::vector<const char*> values;
    values.reserve(st.params.size());
    for (const auto& p : st.params) {
      values.push_back(p ? p->c_str() : nullptr);
    }
    if (PQsendQueryParams(conn_, st.sql.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0) != 1) {
      sent = false;
      break;
    }
  }
  if (!sent || PQpipelineSync(conn_) != 1) {
    const Error e = Failure(nullptr);
    (void)PQexitPipelineMode(conn_);
    return Fail(Error::Unavailable("PostgreSQL: cannot send a pipeline: " + e.message()));
  }
  if (!Flush(deadline)) {
    return Fail(TimedOut());
  }
  std::optional<Error> first;
  // Per statement: its result, then a null; then the sync's own result.
  for (std::size_t i = 0; i < statements.size(); ++i) {
    PgRows rows(NextResult(deadline));
    if (timed_out_) {
      return Fail(TimedOut());
    }
    const auto status = rows.raw() != nullptr ? PQresultStatus(rows.raw()) : PGRES_FATAL_ERROR;
    if (!first && status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      first = Failure(rows.raw());
      if (failed != nullptr) {
        *failed = i;
      }
    }
    if (rows.raw() == nullptr) {
      break;  // the connection broke
    }
    while (PGresult* extra = NextResult(deadline)) {
      PQclear(extra);
    }
  }
  while (PGresult* sync = NextResult(deadline)) {
    const bool done = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (done) {
      break;
    }
  }
  if (timed_out_) {
    return Fail(TimedOut());
  }
  (void)PQexitPipelineMode(conn_);
  if (first) {
    if (Ok() && PQtransactionStatus(conn_) != PQTRANS_IDLE) {
      (void)Exec("ROLLBACK");
    }
    return Fail(*first);
  }
  return {};
}

Result<void> PgConn::Script(std::string_view sql) {
  if (timed_out_) {
    return Fail(TimedOut());
  }
  const std::string text(sql);
  const Deadline deadline = Due();
  if (PQsendQuery(conn_, text.c_str()) != 1 || !Flush(deadline)) {
    return Fail(timed_out_ ? TimedOut()
                           : Error::Io("PostgreSQL: " + Message(PQerrorMessage(conn_))));
  }
  // One result per statement; the first failure ends the script.
  bool ok = true;
  std::string error;
  while (PGresult* r = NextResult(deadline)) {
    const auto status = PQresultStatus(r);
    if (ok && status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      ok = false;
      error = Message(PQresultErrorMessage(r));
    }
    PQclear(r);
  }
  if (timed_out_) {
    return Fail(TimedOut());
  }
  if (!ok) {
    return Fail(Error::Io("PostgreSQL: " + error));
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> PgConn::Notifications() {
  std::vector<std::pair<std::string, std::string>> out;
  if (PQconsumeInput(conn_) == 0) {
    return out;
  }
  while (PGnotify* n = PQnotifies(conn_)) {
    out.emplace_back(n->relname, n->extra != nullptr ? n->extra : "");
    PQfreemem(n);
  }
  return out;
}

PgArray& PgArray::Add(std::string_view text) {
  Sep();
  text_ += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      text_ += '\\';
    }
    text_ += c;
  }
  text_ += '"';
  return *this;
}

PgArray& PgArray::Add(std::int64_t v) {
  Sep();
  text_ += std::to_string(v);
  return *this;
}

PgArray& PgArray::Add(const std::optional<std::int64_t>& v) { return v ? Add(*v) : AddNull(); }

PgArray& PgArray::AddNull() {
  Sep();
  text_ += "NULL";
  return *this;
}

Result<PgTxn> PgTxn::Begin(PgConn& c) {
  if (auto r = c.Exec("BEGIN"); !r) {
    return Fail(r.error());
  }
  return PgTxn(c);
}

PgTxn::~PgTxn() {
  if (c_ != nullptr && c_->Ok()) {
    (void)c_->Exec("ROLLBACK");
  }
}

Result<void> PgTxn::Commit() {
  PgConn* c = c_;
  c_ = nullptr;
  if (auto r = c->Exec("COMMIT"); !r) {
    return Fail(r.error());
  }
  return {};
}

}  // namespace rota::store
