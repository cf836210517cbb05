// Schema migrations: numbered SQL files (store/migrations/NNNN_name.sql),
// embedded at build time, applied in order at start-up, each in its own
// transaction, the version kept in SQLite's user_version. A database newer
// than this binary is refused with a clear error and left untouched.
//
// Thread-safety: call on the Db's thread.
#pragma once

#include <string>
#include <vector>

#include "store/db.h"

namespace rota::store {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// The migrations compiled into this binary, ascending.
const std::vector<Migration>& BuiltinMigrations();

// Returns the schema version after migrating.
Result<int> Migrate(Db& db, const std::vector<Migration>& migrations = BuiltinMigrations());

}  // namespace rota::store
