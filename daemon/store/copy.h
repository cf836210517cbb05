// Moving a store from SQLite to PostgreSQL (`rotactl migrate-store`): every
// row of the SQLite store, as stored (documents are not decoded, so routes
// that a config no longer has survive the move), into an empty, migrated
// PostgreSQL database, in one transaction: all of it or nothing.
//
// REQUIRES: no rotad runs on either store meanwhile (the SQLite file is
// migrated to this binary's schema first, as rotad would at start).
// Thread-safety: one call at a time.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/error.h"

namespace rota::store {

// Rows copied, by table.
using CopyCounts = std::map<std::string, std::int64_t>;

Result<CopyCounts> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& dsn);

}  // namespace rota::store
