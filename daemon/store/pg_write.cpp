#include "store/pg_write.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "store/alert_codec.h"

namespace rota::store {

Result<void> Run(PgConn& c, std::string_view sql, std::vector<PgParam> params) {
  auto r = c.Exec(sql, params);
  if (!r) {
    return Fail(r.error());
  }
  return {};
}

Result<void> Sink::Run(std::string_view sql, std::vector<PgParam> params) {
  if (c_ != nullptr) {
    return store::Run(*c_, sql, std::move(params));
  }
  collected_.push_back({std::string(sql), std::move(params)});
  return {};
}

namespace {

// The last entry per key, in first-seen order: one statement may not touch
// a row twice (ON CONFLICT DO UPDATE refuses it), and the later write wins.
template <typename T, typename Key>
std::vector<const T*> LastPerKey(const std::vector<T>& items, Key key) {
  std::unordered_map<decltype(key(items.front())), std::size_t> at;
  std::vector<const T*> out;
  for (const auto& it : items) {
    auto [pos, fresh] = at.try_emplace(key(it), out.size());
    if (fresh) {
      out.push_back(&it);
    } else {
      out[pos->second] = &it;
    }
  }
  return out;
}

Result<void> WriteAlerts(Sink& c, const Batch& b) {
  if (!b.alerts.empty()) {
    PgArray id, key, state, updated, ends, resolved, doc;
    for (const AlertWrite* a : LastPerKey(b.alerts, [](const AlertWrite& w) { return w.id; })) {
      id.Add(static_cast<std::int64_t>(a->id));
      key.Add(a->key);
      state.Add(engine::AlertStateName(a->state));
      updated.Add(a->updated_ms);
      ends.Add(a->ends_ms);
      resolved.Add(a->resolved_ms);
      doc.Add(a->doc);
    }
    const std::string ids = id.Take();
    auto r = c.Run(
        "INSERT INTO alerts(id, key, state, updated_at, ends_at, resolved_at, doc, rev) "
        "SELECT u.*, nextval('alert_rev') FROM unnest($1::bigint[], $2::text[], $3::text[], "
        "$4::bigint[], $5::bigint[], $6::bigint[], $7::text[]) AS u "
        "ON CONFLICT (id) DO UPDATE SET key = excluded.key, state = excluded.state, "
        "updated_at = excluded.updated_at, ends_at = excluded.ends_at, "
        "resolved_at = excluded.resolved_at, doc = excluded.doc, rev = excluded.rev",
        {ids, key.Take(), state.Take(), updated.Take(), ends.Take(), resolved.Take(), doc.Take()});
    if (!r) {
      return r;
    }
    // A full write carries last-seen and endsAt itself.
    if (auto d = c.Run("DELETE FROM alert_seen WHERE id = ANY($1::bigint[])", {ids}); !d) {
      return d;
    }
  }
  if (!b.touches.empty()) {
    PgArray id, updated, ends;
    for (const AlertTouch* t : LastPerKey(b.touches, [](const AlertTouch& x) { return x.id; })) {
      id.Add(static_cast<std::int64_t>(t->id));
      updated.Add(t->updated_ms);
      ends.Add(t->ends_ms);
    }
    auto r = c.Run(
        "INSERT INTO alert_seen(id, updated_at, ends_at, rev) SELECT u.*, nextval('alert_rev') "
        "FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u ON CONFLICT (id) DO UPDATE "
        "SET updated_at = excluded.updated_at, ends_at = excluded.ends_at, rev = excluded.rev",
        {id.Take(), updated.Take(), ends.Take()});
    if (!r) {
      return r;
    }
  }
  if (!b.forgotten.empty()) {
    PgArray id;
    for (auto f : b.forgotten) {
      id.Add(static_cast<std::int64_t>(f));
    }
    const std::string ids = id.Take();
    if (auto r = c.Run("DELETE FROM alerts WHERE id = ANY($1::bigint[])", {ids}); !r) {
      return r;
    }
    if (auto r = c.Run("DELETE FROM alert_seen WHERE id = ANY($1::bigint[])", {ids}); !r) {
      return r;
    }
  }
  if (!b.history.empty()) {
    PgArray id;
    PgArray received;
    PgArray doc;
    for (const HistoryRow* h : LastPerKey(b.history, [](const HistoryRow& x) { return x.id; })) {
      id.Add(static_cast<std::int64_t>(h->id));
      received.Add(h->received_ms);
      doc.Add(h->doc);
    }
    if (auto r = c.Run("INSERT INTO alert_history(id, received_at, doc) SELECT * FROM "
                       "unnest($1::bigint[], $2::bigint[], $3::text[]) ON CONFLICT (id) DO UPDATE "
                       "SET received_at = excluded.received_at, doc = excluded.doc",
                       {id.Take(), received.Take(), doc.Take()});
        !r) {
      return r;
    }
  }
  if (b.reroutes) {
    if (auto r = c.Run("DELETE FROM meta WHERE key LIKE 'reroute:%'", {}); !r) {
      return r;
    }
    for (const auto& rr : *b.reroutes) {
      if (auto r = c.Run("INSERT INTO meta(key, value) VALUES ($1, $2)",
                         {"reroute:" + rr.id, EncodeReroute(rr)});
          !r) {
        return r;
      }
    }
  }
  for (const auto& m : b.reviews) {
    if (auto r =
            c.Run("INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE "
                  "SET value = excluded.value WHERE meta.value::bigint < excluded.value::bigint",
                  {"review:" + m.key, std::to_string(m.period_end_ms)});
        !r) {
      return r;
    }
  }
  for (const auto& [key, value] : b.Counters()) {
    if (value == 0) {
      continue;
    }
    if (auto r =
            c.Run("INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE "
                  "SET value = excluded.value WHERE meta.value::bigint < excluded.value::bigint",
                  {key, std::to_string(value)});
        !r) {
      return r;
    }
  }
  return {};
}

// Writes rows of a small table (silences, overrides) of (id, end, doc):
// those deleted, then those written whole.
template <typename T, typename Encode>
Result<void> WriteRows(Sink& c, const std::string& table, const std::string& end_column,
                       const std::vector<T>& items, const std::vector<std::string>& deleted,
                       Encode encode) {
  if (!deleted.empty()) {
    PgArray ids;
    for (const auto& id : deleted) {
      ids.Add(id);
    }
    if (auto r = c.Run("DELETE FROM " + table + " WHERE id = ANY($1::text[])", {ids.Take()}); !r) {
      return r;
    }
  }
  if (items.empty()) {
    return {};
  }
  PgArray id, end, doc;
  for (const auto& item : items) {
    const auto [i, e, d] = encode(item);
    id.Add(i);
    end.Add(static_cast<std::int64_t>(e));
    doc.Add(d);
  }
  return c.Run("INSERT INTO " + table + "(id, " + end_column +
                   ", doc) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) "
                   "ON CONFLICT (id) DO UPDATE SET " +
                   end_column + " = excluded." + end_column + ", doc = excluded.doc",
               {id.Take(), end.Take(), doc.Take()});
}

Result<void> WriteOutbox(Sink& c, const Batch& b) {
  if (!b.outbox.empty()) {
    PgArray key, channel, recipient, kind, payload, created, next, attempts;
    for (const auto& o : b.outbox) {
      key.Add(o.key);
      channel.Add(o.channel);
      recipient.Add(o.recipient);
      kind.Add(o.kind);
      payload.Add(o.payload);
      created.Add(o.created_ms);
      next.Add(o.next_attempt_ms);
      attempts.Add(static_cast<std::int64_t>(o.attempts));
    }
    auto r = c.Run(
        "INSERT INTO outbox(idempotency_key, channel, recipient, kind, payload, created_at, "
        "next_attempt_at, attempts) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], "
        "$4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::int[]) "
        "ON CONFLICT (idempotency_key) DO NOTHING",
        {key.Take(), channel.Take(), recipient.Take(), kind.Take(), payload.Take(), created.Take(),
         next.Take(), attempts.Take()});
    if (!r) {
      return r;
    }
  }
  if (b.marks.empty()) {
    return {};
  }
  PgArray done, key, state, attempts, next, error;
  for (const OutboxMark* m : LastPerKey(b.marks, [](const OutboxMark& x) { return x.key; })) {
    if (m->state == OutboxState::kDelivered) {
      done.Add(m->key);  // a delivered notification is done: its row goes
      continue;
    }
    key.Add(m->key);
    state.Add(OutboxStateName(m->state));
    attempts.Add(static_cast<std::int64_t>(m->attempts));
    next.Add(m->state == OutboxState::kPending ? std::optional<std::int64_t>(m->next_attempt_ms)
                                               : std::nullopt);
    error.Add(m->error);
  }
  if (!done.empty()) {
    if (auto r = c.Run("DELETE FROM outbox WHERE idempotency_key = ANY($1::text[])", {done.Take()});
        !r) {
      return r;
    }
  }
  if (key.empty()) {
    return {};
  }
  return c.Run(
      "UPDATE outbox o SET state = u.state, attempts = u.attempts, "
      "next_attempt_at = coalesce(u.next, o.next_attempt_at), last_error = u.err "
      "FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[]) "
      "AS u(key, state, attempts, next, err) WHERE o.idempotency_key = u.key",
      {key.Take(), state.Take(), attempts.Take(), next.Take(), error.Take()});
}

Result<void> WriteInbox(Sink& c, const Batch& b) {
  PgArray ref, instance, method, target, body, received;
  for (const auto& row : b.inbox) {
    ref.Add(row.ref);
    instance.Add(row.instance);
    method.Add(row.method);
    target.Add(row.target);
    body.Add(row.body);
    received.Add(row.received_ms);
  }
  auto r = c.Run(
      "INSERT INTO inbox(ref, instance, method, target, body, received_at) SELECT * FROM "
      "unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) "
      "ON CONFLICT (ref) DO NOTHING",
      {ref.Take(), instance.Take(), method.Take(), target.Take(), body.Take(), received.Take()});
  if (!r) {
    return r;
  }
  // Delivered to the leader's LISTEN at COMMIT.
  return c.Run("SELECT pg_notify('rota_inbox', '')", {});
}

}  // namespace

Result<void> WriteBatch(Sink& c, const Batch& b) {
  if (!b.inbox.empty()) {
    if (auto r = WriteInbox(c, b); !r) {
      return r;
    }
  }
  if (auto r = WriteAlerts(c, b); !r) {
    return r;
  }
  if (auto r = WriteRows(c, "silences", "ends_at", b.silences, b.silences_deleted, SilenceRow);
      !r) {
    return r;
  }
  if (auto r = WriteRows(c, "overrides", "end_at", b.overrides, b.overrides_deleted, OverrideRow);
      !r) {
    return r;
  }
  return WriteOutbox(c, b);
}

namespace {

// Rows by id, the last batch's word on each winning: written or deleted.
template <typename T>
void MergeRows(const std::vector<T>& written, const std::vector<std::string>& deleted,
               std::map<std::string, std::optional<T>>& rows) {
  for (const auto& id : deleted) {
    rows[id] = std::nullopt;
  }
  for (const auto& item : written) {
    rows[item.id] = item;
  }
}

template <typename T>
void TakeRows(std::map<std::string, std::optional<T>>& rows, std::vector<T>& written,
              std::vector<std::string>& deleted) {
  for (auto& [id, row] : rows) {
    if (row) {
      written.push_back(std::move(*row));
    } else {
      deleted.push_back(id);
    }
  }
}

}  // namespace

Batch Merge(const std::vector<const Batch*>& batches) {
  Batch out;
  std::map<std::string, std::optional<rules::Silence>> silences;
  std::map<std::string, std::optional<schedule::OverrideSpec>> overrides;
  std::unordered_map<engine::AlertId, std::size_t> written;  // id -> index in out.alerts
  std::unordered_map<engine::AlertId, AlertTouch> touched;
  for (const Batch* b : batches) {
    for (const auto& a : b->alerts) {
      touched.erase(a.id);
      if (auto [it, fresh] = written.try_emplace(a.id, out.alerts.size()); fresh) {
        out.alerts.push_back(a);
      } else {
        out.alerts[it->second] = a;
      }
    }
    for (const auto& t : b->touches) {
      touched[t.id] = t;
    }
    for (auto id : b->forgotten) {
      touched.erase(id);
      out.forgotten.push_back(id);
    }
    MergeRows(b->silences, b->silences_deleted, silences);
    MergeRows(b->overrides, b->overrides_deleted, overrides);
    out.next_silence_id = std::max(out.next_silence_id, b->next_silence_id);
    out.next_override_id = std::max(out.next_override_id, b->next_override_id);
    if (b->reroutes) {
      out.reroutes = b->reroutes;
    }
    out.outbox.insert(out.outbox.end(), b->outbox.begin(), b->outbox.end());
    out.marks.insert(out.marks.end(), b->marks.begin(), b->marks.end());
    out.inbox.insert(out.inbox.end(), b->inbox.begin(), b->inbox.end());
    out.history.insert(out.history.end(), b->history.begin(), b->history.end());
    out.reviews.insert(out.reviews.end(), b->reviews.begin(), b->reviews.end());
    out.next_alert_id = std::max(out.next_alert_id, b->next_alert_id);
  }
  // Forgotten (retention) after a write in the same commit: the delete wins.
  if (!out.forgotten.empty()) {
    std::unordered_map<engine::AlertId, bool> gone;
    for (auto id : out.forgotten) {
      gone[id] = true;
    }
    std::erase_if(out.alerts, [&](const AlertWrite& a) { return gone.count(a.id) > 0; });
  }
  TakeRows(silences, out.silences, out.silences_deleted);
  TakeRows(overrides, out.overrides, out.overrides_deleted);
  out.touches.reserve(touched.size());
  for (auto& [id, t] : touched) {
    out.touches.push_back(t);
  }
  return out;
}

}  // namespace rota::store
