// Outbox retention: the SQL that forgets finished notifications.
//
// Thread-safety: runs on the Db's thread (the writer's).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "store/db.h"

namespace rota::store {

// Uses the partial index outbox_finished (migration 0002); a unit test holds
// the query plan to that.
inline constexpr std::string_view kPruneFinishedOutboxSql =
    "DELETE FROM outbox WHERE state != 'pending' AND created_at < ?1";

// Deletes delivered and failed notifications created before `cutoff_ms`.
inline Result<void> PruneFinishedOutbox(Db& db, std::int64_t cutoff_ms) {
  auto s = db.Cached(kPruneFinishedOutboxSql);
  if (!s) {
    return Fail(s.error());
  }
  return (*s)->Bind(1, cutoff_ms).Run();
}

}  // namespace rota::store
