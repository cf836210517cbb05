#include "store/migrate.h"

namespace rota::store {

const std::vector<Migration>& BuiltinMigrations() {
  static const std::vector<Migration> kMigrations = {
#include "store_migrations.inc"
  };
  return kMigrations;
}

namespace {

// In its own scope: a statement still open makes schema changes such as
// DROP INDEX fail with "table is locked".
Result<int> UserVersion(Db& db) {
  auto stmt = db.Prepare("PRAGMA user_version");
  if (!stmt) {
    return Fail(stmt.error());
  }
  auto row = stmt->Step();
  if (!row) {
    return Fail(row.error());
  }
  return static_cast<int>(stmt->Int(0));
}

}  // namespace

Result<int> Migrate(Db& db, const std::vector<Migration>& migrations) {
  auto current = UserVersion(db);
  if (!current) {
    return Fail(current.error());
  }
  int version = *current;
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (version > latest) {
    return Fail(Error::InvalidArgument(
        "the database " + db.path() + " is at schema version " + std::to_string(version) +
        ", newer than this rotad understands (" + std::to_string(latest) +
        "); run a newer rotad or restore a backup. The file was not changed."));
  }
  for (const auto& m : migrations) {
    if (m.version <= version) {
      continue;
    }
    auto txn = Txn::Begin(db);
    if (!txn) {
      return Fail(txn.error());
    }
    if (auto r = db.Exec(m.sql); !r) {
      return Fail(Error::Io("migration " + m.name + " failed: " + r.error().message()));
    }
    if (auto r = db.Exec("PRAGMA user_version=" + std::to_string(m.version)); !r) {
      return Fail(r.error());
    }
    if (auto r = txn->Commit(); !r) {
      return Fail(r.error());
    }
    version = m.version;
  }
  return version;
}

}  // namespace rota::store
