// The pipeline's roles: the only instance (SQLite), the leader of several
// (PostgreSQL) or a standby that follows the store for reads. Opening the
// store and restoring the engine from it live here.
#include <boost/asio/post.hpp>
#include <charconv>

#include "app/pipeline.h"
#include "log/log.h"

namespace rota::app {

Result<void> Pipeline::OpenStore(const StoreSpec& spec) {
  auto observer = [this](std::size_t n, double seconds) { metrics_.StoreCommitted(n, seconds); };
  Result<std::unique_ptr<store::Store>> opened = Fail(Error::Internal("no backend"));
  if (spec.backend == config::StorageBackend::kPostgres) {
    store::PostgresOptions options;
    options.dsn = spec.dsn;
    options.instance = spec.instance;
    options.epoch = epoch_;
    options.write_timeout = spec.write_timeout;
    probe_idle_ = true;
    opened = store::OpenPostgres(options, observer);
  } else {
    store::SqliteOptions options;
    options.dir = spec.dir;
    options.max_db_bytes = spec.max_db_bytes;
    options.fresh = spec.fresh;
    opened = store::OpenSqlite(options, observer);
  }
  if (!opened) {
    return Fail(opened.error());
  }
  store_ = std::move(*opened);
  log::Info("store opened",
            {{"backend", spec.backend == config::StorageBackend::kPostgres ? "postgres" : "sqlite"},
             {"dir", spec.backend == config::StorageBackend::kPostgres ? "" : spec.dir}});
  if (spec.backend == config::StorageBackend::kSqlite) {
    return Lead(0);
  }
  // Until the lease is won: the store's state, for reads.
  auto state = LoadStored();
  if (!state) {
    return Fail(state.error());
  }
  Follow(std::move(*state));
  return {};
}

Result<store::State> Pipeline::LoadStored() {
  const auto start = std::chrono::steady_clock::now();
  auto state = store_->Load(*Current().config);
  if (!state) {
    return state;
  }
  for (const auto& bad : state->skipped) {
    log::Error("skipping a stored row that does not decode",
               {{"table", bad.table}, {"id", bad.id}, {"error", bad.error}});
  }
  log::Debug("store loaded", {{"schema", state->schema},
                              {"alerts", state->AlertCount()},
                              {"load_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - start)
                                              .count()},
                              {"silences", state->silences.size()},
                              {"overrides", state->overrides.size()},
                              {"pending_notifications", state->pending.size()},
                              {"skipped", state->skipped.size()}});
  return state;
}

void Pipeline::SetSendGate(std::function<bool()> gate) { dispatcher_.SetGate(std::move(gate)); }

void Pipeline::Restore(store::State state, bool lead) {
  leading_ = lead;
  leading_flag_ = lead;
  // A fresh engine: Restore fills an empty one.
  engine_.reset();
  timer_.cancel();
  armed_for_.reset();
  runtime_overrides_ = std::move(state.overrides);
  next_override_ = std::max(next_override_, state.next_override_id);
  Rebuild();  // the roster with the restored run-time overrides, and the engine
  const TimePoint now = clock_.Now();
  engine_->Restore(std::move(state.alerts), std::move(state.silences), now);
  engine_->ReserveIds(state.next_alert_id, state.next_silence_id);
  engine_->RestoreReroutes(std::move(state.reroutes), state.next_reroute_id);
  {
    std::lock_guard lock(snapshot_mu_);
    reroutes_snapshot_ = engine_->reroutes();
  }
  written_next_id_ = state.next_alert_id;
  reviews_sent_ = std::move(state.reviews);
  reviews_busy_.clear();
  reviews_retry_at_.clear();
  review_marks_.clear();
  review_outgoing_.clear();
  review_outgoing_at_.clear();
  if (!lead) {
    outbox_.Clear();  // what it held is the leader's now
    unwritten_marks_.clear();
    return;
  }
  // Deadlines that passed while nobody led fire now, once; then every plan
  // is made again from the config as loaded now (it may have been edited
  // while rotad was down).
  engine_->Tick(now);
  EndOrphanReroutes();  // the config may have lost their escalation meanwhile
  engine_->RosterChanged({"restart: plans made again from the loaded config", {}, {}, true}, now);
  Commit(nullptr);
  // Notifications decided but not confirmed sent resume their schedule,
  // with the same Idempotency-Key (receivers drop repeats).
  std::vector<notify::Outgoing> pending;
  std::vector<TimePoint> next_attempts;
  for (auto& row : state.pending) {
    notify::Message m;
    m.id = std::move(row.key);
    m.recipient = std::move(row.recipient);
    m.kind = std::move(row.kind);
    m.body = notify::ParseBody(row.payload);
    if (const auto* to = m.body->data.as_object().if_contains("to");
        to != nullptr && to->is_string()) {
      m.to = std::string(to->as_string());
    }
    m.summary = m.kind + " (resumed after restart)";
    // A delayed contact's row: still conditional on its alerts after a
    // restart; the alerts are named in its body.
    const auto& data = m.body->data.as_object();
    if (const auto* after = data.if_contains("after_seconds");
        after != nullptr && after->is_int64() && after->as_int64() > 0) {
      m.not_before_ms = row.next_attempt_ms;
    }
    if (const auto* alerts = data.if_contains("alerts"); alerts != nullptr && alerts->is_array()) {
      for (const auto& a : alerts->as_array()) {
        const auto* id = a.is_object() ? a.as_object().if_contains("id") : nullptr;
        std::uint64_t n = 0;
        if (id != nullptr && id->is_string() &&
            std::from_chars(id->as_string().data(), id->as_string().data() + id->as_string().size(),
                            n)
                    .ec == std::errc()) {
          m.alert_ids.push_back(n);
        }
      }
    }
    m.created_ms = row.created_ms;
    m.attempts = row.attempts;
    next_attempts.push_back(TimePoint{std::chrono::milliseconds(row.next_attempt_ms)});
    pending.push_back({std::move(m), std::move(row.channel)});
  }
  outbox_.Restore(std::move(pending), next_attempts, now);
  Pump();
  Arm();
  // Digests missed while nobody led go out now, once each.
  CheckReviews(now);
}

Result<void> Pipeline::Lead(std::int64_t epoch) {
  epoch_->store(epoch);
  auto state = LoadStored();
  if (!state) {
    epoch_->store(-1);
    return Fail(state.error());
  }
  log::Info("restored state from the store", {{"alerts", state->AlertCount()},
                                              {"silences", state->silences.size()},
                                              {"overrides", state->overrides.size()},
                                              {"pending_notifications", state->pending.size()},
                                              {"skipped", state->skipped.size()},
                                              {"epoch", epoch}});
  Restore(std::move(*state), /*lead=*/true);
  return {};
}

void Pipeline::Follow(store::State state) {
  epoch_->store(-1);
  Restore(std::move(state), /*lead=*/false);
}

}  // namespace rota::app
