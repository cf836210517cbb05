#include "store/copy.h"

#include <filesystem>
#include <vector>

#include "store/db.h"
#include "store/migrate.h"
#include "store/pg.h"
#include "store/store.h"

namespace rota::store {
namespace {

struct Column {
  std::string name;
  bool integer;
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  std::string order;  // the SQLite ORDER BY
  bool rev = false;   // PostgreSQL's rev column, from alert_rev
};

const std::vector<Table>& Tables() {
  static const std::vector<Table> kTables = {
      {"alerts",
       {{"id", true},
        {"key", false},
        {"state", false},
        {"updated_at", true},
        {"ends_at", true},
        {"resolved_at", true},
        {"doc", false}},
       "id",
       true},
      {"alert_seen", {{"id", true}, {"updated_at", true}, {"ends_at", true}}, "id", true},
      {"outbox",
       {{"idempotency_key", false},
        {"channel", false},
        {"recipient", false},
        {"kind", false},
        {"payload", false},
        {"created_at", true},
        {"next_attempt_at", true},
        {"attempts", true},
        {"state", false},
        {"last_error", false}},
       "id"},
      {"silences", {{"id", false}, {"ends_at", true}, {"doc", false}}, "id"},
      {"overrides", {{"id", false}, {"end_at", true}, {"doc", false}}, "id"},
      {"meta", {{"key", false}, {"value", false}}, "key"},
      {"alert_history", {{"id", true}, {"received_at", true}, {"doc", false}}, "id"},
  };
  return kTables;
}

constexpr int kRowsPerStatement = 5000;

Result<void> Flush(PgConn& pg, const Table& t, std::vector<PgArray>& arrays, int& rows) {
  if (rows == 0) {
    return {};
  }
  std::string cols;
  std::string types;
  std::vector<PgParam> params;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    cols += (i > 0 ? ", " : "") + t.columns[i].name;
    types += (i > 0 ? ", $" : "$") + std::to_string(i + 1) +
             (t.columns[i].integer ? "::bigint[]" : "::text[]");
    params.emplace_back(arrays[i].Take());
  }
  const std::string sql = "INSERT INTO " + t.name + "(" + cols + (t.rev ? ", rev" : "") +
                          ") SELECT u.*" + (t.rev ? ", nextval('alert_rev')" : "") +
                          " FROM unnest(" + types + ") AS u";
  auto r = pg.Exec(sql, params);
  arrays.assign(t.columns.size(), PgArray());
  rows = 0;
  if (!r) {
    return Fail(r.error());
  }
  return {};
}

Result<std::int64_t> CopyTable(Db& db, PgConn& pg, const Table& t) {
  std::string cols;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    cols += (i > 0 ? ", " : "") + t.columns[i].name;
  }
  auto rows = db.Prepare("SELECT " + cols + " FROM " + t.name + " ORDER BY " + t.order);
  if (!rows) {
    return Fail(rows.error());
  }
  std::vector<PgArray> arrays(t.columns.size());
  int pending = 0;
  std::int64_t copied = 0;
  while (true) {
    auto more = rows->Step();
    if (!more) {
      return Fail(more.error());
    }
    if (!*more) {
      break;
    }
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      const int c = static_cast<int>(i);
      if (rows->IsNull(c)) {
        arrays[i].AddNull();
      } else if (t.columns[i].integer) {
        arrays[i].Add(rows->Int(c));
      } else {
        arrays[i].Add(rows->TextView(c));
      }
    }
    ++copied;
    if (++pending == kRowsPerStatement) {
      if (auto r = Flush(pg, t, arrays, pending); !r) {
        return Fail(r.error());
      }
    }
  }
  if (auto r = Flush(pg, t, arrays, pending); !r) {
    return Fail(r.error());
  }
  return copied;
}

// The target holds nothing and nobody leads on it.
Result<void> CheckTarget(PgConn& pg) {
  auto n = pg.Exec(
      "SELECT (SELECT count(*) FROM alerts) + (SELECT count(*) FROM outbox) + "
      "(SELECT count(*) FROM silences) + (SELECT count(*) FROM overrides) + (SELECT count(*) FROM "
      "meta) + "
      "(SELECT count(*) FROM alert_history), "
      "(SELECT count(*) FROM leader WHERE expires_at > clock_timestamp())");
  if (!n) {
    return Fail(n.error());
  }
  if (n->Int(0, 1) > 0) {
    return Fail(
        Error::InvalidArgument("a rotad leads on the PostgreSQL database; stop every instance on "
                               "it before moving a store in"));
  }
  if (n->Int(0, 0) > 0) {
    return Fail(Error::InvalidArgument(
        "the PostgreSQL database already holds rota state; moving a store in needs an empty one "
        "(nothing was changed)"));
  }
  return {};
}

}  // namespace

Result<CopyCounts> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& dsn) {
  if (!std::filesystem::exists(sqlite_path)) {
    return Fail(Error::NotFound(sqlite_path + " does not exist"));
  }
  Db::Options options;
  options.create = false;
  auto db = Db::Open(sqlite_path, options);
  if (!db) {
    return Fail(db.error());
  }
  if (auto v = Migrate(**db); !v) {
    return Fail(v.error());
  }
  {
    // Creates or migrates the PostgreSQL schema (under its advisory lock).
    PostgresOptions po;
    po.dsn = dsn;
    po.instance = "rotactl";
    auto opened = OpenPostgres(po, nullptr);
    if (!opened) {
      return Fail(opened.error());
    }
    (*opened)->Stop();
  }
  auto pg = PgConn::Connect(dsn, "rotactl migrate-store");
  if (!pg) {
    return Fail(pg.error());
  }
  auto txn = PgTxn::Begin(**pg);
  if (!txn) {
    return Fail(txn.error());
  }
  if (auto r = CheckTarget(**pg); !r) {
    return Fail(r.error());
  }
  // A read transaction on SQLite: one consistent snapshot of every table.
  if (auto r = (*db)->Exec("BEGIN"); !r) {
    return Fail(r.error());
  }
  CopyCounts counts;
  for (const auto& t : Tables()) {
    auto n = CopyTable(**db, **pg, t);
    if (!n) {
      return Fail(Error::Io("copying " + t.name + ": " + n.error().message()));
    }
    counts[t.name] = *n;
  }
  (void)(*db)->Exec("COMMIT");
  if (auto r = txn->Commit(); !r) {
    return Fail(r.error());
  }
  return counts;
}

}  // namespace rota::store
