// Coordination of several rotad on one PostgreSQL database (docs/ha.md):
// the leader's lease with its fencing epoch, and the inbox through which
// the instances that do not lead pass state-changing requests to the one
// that does. All of it is SQL, so it lives in store/; app/ drives it from
// its "ha" thread.
//
// The lease is one row (leader: holder, epoch, expires_at). Times are the
// database's clock (now()), so the instances' clocks need not agree. A
// taker raises the epoch; every write of the leader checks its epoch in
// the same transaction (store.h, PostgresOptions::epoch).
//
// Thread-safety: one Coordinator per thread (it owns one connection).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/store.h"

namespace rota::store {

class PgConn;

struct LeaderInfo {
  std::string holder;  // "" when none ever led
  std::int64_t epoch = 0;
  bool live = false;  // its lease has not expired
};

// A leader's answer to an inbox request, for the instance that accepted it.
struct InboxAnswer {
  std::string ref;
  int status = 0;
  std::string body;
};

struct InboxRequest {
  std::int64_t id = 0;
  InboxRow row;
};

class Coordinator {
 public:
  // Connects; LISTENs on the channels this instance needs. Every round trip
  // must be answered within `lease` (else it fails and Ok() turns false).
  static Result<std::unique_ptr<Coordinator>> Open(const std::string& dsn,
                                                   const std::string& instance,
                                                   std::chrono::milliseconds lease);
  ~Coordinator();

  // Takes the lease when it is free or expired: the new epoch, or nullopt
  // while another instance holds a live lease.
  Result<std::optional<std::int64_t>> TryAcquire(std::chrono::milliseconds lease);
  // Extends this instance's lease of `epoch`; false once another took over.
  Result<bool> Renew(std::int64_t epoch, std::chrono::milliseconds lease);
  // Ends this instance's lease at once (a clean stop), so a standby leads
  // without waiting for it to expire.
  Result<void> Release(std::int64_t epoch);
  Result<LeaderInfo> Leader();

  // The leader: the oldest inbox requests.
  Result<std::vector<InboxRequest>> TakeInbox(std::size_t max);
  // The leader, after the requests' effects are durable: removes them and
  // files their answers, in one transaction that checks `epoch` still
  // leads (false, and nothing removed, when it does not).
  Result<bool> FinishInbox(std::int64_t epoch, const std::vector<std::int64_t>& ids,
                           const std::vector<InboxAnswer>& answers);
  // The accepting instance: the answers filed for `refs` (in any order).
  Result<std::vector<InboxAnswer>> Answers(const std::vector<std::string>& refs);
  // Forgets answers older than `age` (nobody waits that long).
  Result<void> PruneAnswers(std::chrono::seconds age);

  // Waits up to `timeout` for a notification; returns the channels that
  // fired ("rota_inbox", "rota_answer"), empty on timeout.
  Result<std::vector<std::string>> Wait(std::chrono::milliseconds timeout);
  [[nodiscard]] bool Ok() const;

 private:
  explicit Coordinator(std::unique_ptr<PgConn> c, std::string instance);
  std::unique_ptr<PgConn> conn_;
  std::string instance_;
};

}  // namespace rota::store
