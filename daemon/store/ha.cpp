#include "store/ha.h"

#include <poll.h>

#include "store/pg.h"
#include "store/pg_write.h"

namespace rota::store {

namespace {

std::string Ms(std::chrono::milliseconds d) { return std::to_string(d.count()); }

}  // namespace

Coordinator::Coordinator(std::unique_ptr<PgConn> c, std::string instance)
    : conn_(std::move(c)), instance_(std::move(instance)) {}

Coordinator::~Coordinator() = default;

Result<std::unique_ptr<Coordinator>> Coordinator::Open(const std::string& dsn,
                                                       const std::string& instance,
                                                       std::chrono::milliseconds lease) {
  auto c = PgConn::Connect(dsn, "rotad " + instance + " ha");
  if (!c) {
    return Fail(c.error());
  }
  // A renewal that takes longer than the lease is worth nothing: give up
  // on it (and the connection), and step down.
  (*c)->SetIoTimeout(lease);
  for (const char* channel : {"LISTEN rota_inbox", "LISTEN rota_answer"}) {
    if (auto r = (*c)->Exec(channel); !r) {
      return Fail(r.error());
    }
  }
  return std::unique_ptr<Coordinator>(new Coordinator(std::move(*c), instance));
}

bool Coordinator::Ok() const { return conn_->Ok(); }

Result<std::optional<std::int64_t>> Coordinator::TryAcquire(std::chrono::milliseconds lease) {
  auto r = conn_->Exec(
      "UPDATE leader SET holder = $1, epoch = epoch + 1, "
      "expires_at = clock_timestamp() + $2 * interval '1 millisecond' "
      "WHERE id = 1 AND (expires_at < clock_timestamp() OR holder IS NULL) RETURNING epoch",
      {instance_, Ms(lease)});
  if (!r) {
    return Fail(r.error());
  }
  if (r->size() == 0) {
    return std::optional<std::int64_t>();
  }
  return std::optional<std::int64_t>(r->Int(0, 0));
}

Result<bool> Coordinator::Renew(std::int64_t epoch, std::chrono::milliseconds lease) {
  auto r = conn_->Exec(
      "UPDATE leader SET expires_at = clock_timestamp() + $3 * interval '1 millisecond' "
      "WHERE id = 1 AND holder = $1 AND epoch = $2",
      {instance_, std::to_string(epoch), Ms(lease)});
  if (!r) {
    return Fail(r.error());
  }
  return r->affected() == 1;
}

Result<void> Coordinator::Release(std::int64_t epoch) {
  auto r = conn_->Exec(
      "UPDATE leader SET expires_at = '-infinity' WHERE id = 1 AND holder = $1 AND epoch = $2",
      {instance_, std::to_string(epoch)});
  if (!r) {
    return Fail(r.error());
  }
  return {};
}

Result<LeaderInfo> Coordinator::Leader() {
  auto r = conn_->Exec(
      "SELECT coalesce(holder, ''), epoch, expires_at > clock_timestamp() FROM leader WHERE id = "
      "1");
  if (!r) {
    return Fail(r.error());
  }
  if (r->size() != 1) {
    return Fail(Error::Io("the leader table has no row; is the schema intact?"));
  }
  return LeaderInfo{std::string(r->Text(0, 0)), r->Int(0, 1), r->Text(0, 2) == "t"};
}

Result<std::vector<InboxRequest>> Coordinator::TakeInbox(std::size_t max) {
  auto r = conn_->Exec(
      "SELECT id, ref, instance, method, target, body, received_at FROM inbox ORDER BY id LIMIT $1",
      {std::to_string(max)});
  if (!r) {
    return Fail(r.error());
  }
  std::vector<InboxRequest> out;
  for (int i = 0; i < r->size(); ++i) {
    out.push_back(
        {r->Int(i, 0),
         {std::string(r->Text(i, 1)), std::string(r->Text(i, 2)), std::string(r->Text(i, 3)),
          std::string(r->Text(i, 4)), std::string(r->Text(i, 5)), r->Int(i, 6)}});
  }
  return out;
}

Result<bool> Coordinator::FinishInbox(std::int64_t epoch, const std::vector<std::int64_t>& ids,
                                      const std::vector<InboxAnswer>& answers) {
  auto txn = PgTxn::Begin(*conn_);
  if (!txn) {
    return Fail(txn.error());
  }
  auto fence = conn_->Exec(kLeaderRowIfEpoch, {std::to_string(epoch)});
  if (!fence) {
    return Fail(fence.error());
  }
  if (fence->size() == 0) {
    return false;
  }
  PgArray id_array;
  for (auto id : ids) {
    id_array.Add(id);
  }
  if (auto r = conn_->Exec("DELETE FROM inbox WHERE id = ANY($1::bigint[])", {id_array.Take()});
      !r) {
    return Fail(r.error());
  }
  if (!answers.empty()) {
    PgArray ref, status, body;
    for (const auto& a : answers) {
      ref.Add(a.ref);
      status.Add(static_cast<std::int64_t>(a.status));
      body.Add(a.body);
    }
    auto r = conn_->Exec(
        "INSERT INTO inbox_answers(ref, status, body) SELECT * FROM unnest($1::text[], $2::int[], "
        "$3::text[]) "
        "ON CONFLICT (ref) DO UPDATE SET status = excluded.status, body = excluded.body",
        {ref.Take(), status.Take(), body.Take()});
    if (!r) {
      return Fail(r.error());
    }
    if (auto n = conn_->Exec("SELECT pg_notify('rota_answer', '')"); !n) {
      return Fail(n.error());
    }
  }
  if (auto r = txn->Commit(); !r) {
    return Fail(r.error());
  }
  return true;
}

Result<std::vector<InboxAnswer>> Coordinator::Answers(const std::vector<std::string>& refs) {
  PgArray ref;
  for (const auto& r : refs) {
    ref.Add(r);
  }
  auto r = conn_->Exec("SELECT ref, status, body FROM inbox_answers WHERE ref = ANY($1::text[])",
                       {ref.Take()});
  if (!r) {
    return Fail(r.error());
  }
  std::vector<InboxAnswer> out;
  for (int i = 0; i < r->size(); ++i) {
    out.push_back(
        {std::string(r->Text(i, 0)), static_cast<int>(r->Int(i, 1)), std::string(r->Text(i, 2))});
  }
  return out;
}

Result<void> Coordinator::PruneAnswers(std::chrono::seconds age) {
  auto r = conn_->Exec(
      "DELETE FROM inbox_answers WHERE created_at < clock_timestamp() - $1 * interval '1 second'",
      {std::to_string(age.count())});
  if (!r) {
    return Fail(r.error());
  }
  return {};
}

Result<std::vector<std::string>> Coordinator::Wait(std::chrono::milliseconds timeout) {
  std::vector<std::string> fired;
  for (auto& [channel, payload] : conn_->Notifications()) {
    fired.push_back(channel);
  }
  if (!fired.empty()) {
    return fired;
  }
  pollfd p{conn_->Socket(), POLLIN, 0};
  if (p.fd < 0) {
    return Fail(Error::Unavailable("PostgreSQL connection lost"));
  }
  if (::poll(&p, 1, static_cast<int>(timeout.count())) > 0) {
    for (auto& [channel, payload] : conn_->Notifications()) {
      fired.push_back(channel);
    }
    if (!conn_->Ok()) {
      return Fail(Error::Unavailable("PostgreSQL connection lost"));
    }
  }
  return fired;
}

}  // namespace rota::store
