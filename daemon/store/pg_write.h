// The statements of a PostgreSQL write: one batch (or the merged batches of
// a group commit) as one statement per table, rows travelling as arrays
// through unnest(). The statements go to a Sink: run one by one on a
// connection, or collected for one pipelined round trip (pg_store.cpp).
//
// Thread-safety: plain functions; a Sink belongs to its caller's thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/pg.h"
#include "store/store.h"

namespace rota::store {

// Fencing: share-locks the lease row when `epoch` ($1) still leads, and
// returns one row then, none otherwise. Held to the end of the transaction,
// the lock makes a takeover (which updates the row) wait for this commit.
inline constexpr std::string_view kLeaderRowIfEpoch =
    "SELECT 1 FROM leader WHERE id = 1 AND epoch = $1 FOR SHARE";

// Runs one statement, discarding its rows.
Result<void> Run(PgConn& c, std::string_view sql, std::vector<PgParam> params);

// Where a write's statements go: run one by one on a connection (the slow,
// per-batch path) or collected for one pipelined round trip (the usual one).
class Sink {
 public:
  Sink() = default;
  explicit Sink(PgConn& c) : c_(&c) {}
  Result<void> Run(std::string_view sql, std::vector<PgParam> params);
  std::vector<PgStatement>& collected() { return collected_; }

 private:
  PgConn* c_ = nullptr;
  std::vector<PgStatement> collected_;
};

// Everything `b` changes: inbox rows, alerts and touches, forgotten ids, the
// next id, silences and overrides, new notifications and marks.
Result<void> WriteBatch(Sink& c, const Batch& b);

// The batches of one commit as one batch, with what they would leave had
// they been written one after another: per alert the last full write, and
// a touch only when it came after it; the last replacement of silences and
// overrides; every new notification and every mark (the last per key wins
// when written); the highest next id.
Batch Merge(const std::vector<const Batch*>& batches);

}  // namespace rota::store
