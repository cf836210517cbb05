// The pipeline's side of the store: a commit is one batch of everything that
// changed since the last (MakeBatch), written by the store's thread; its
// result answers who waits, re-marks what was not written, or undoes a
// request's change (RevertToStored); readiness follows the store's answers
// and probes.
#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <set>

#include "app/pipeline.h"
#include "app/pipeline_rows.h"
#include "core/time.h"
#include "log/log.h"
#include "store/alert_codec.h"

namespace rota::app {

namespace asio = boost::asio;
using pipeline_rows::kMarkFlushDelay;
using pipeline_rows::Ms;
using pipeline_rows::StoredState;

store::Batch Pipeline::MakeBatch(TimePoint now, const engine::Engine::Changes& changes,
                                 InFlight& flight) {
  // Everything the write needs is copied here, on the strand: the store's
  // thread never touches the engine.
  store::Batch batch;
  batch.alerts.reserve(changes.changed.size());
  for (engine::AlertId id : changes.changed) {
    if (const engine::Alert* a = engine_->Find(id)) {
      batch.alerts.push_back({id, a->key, a->state, Ms(a->updated_at), Ms(a->ends_at),
                              Ms(a->resolved_at), store::EncodeAlert(*a, *config_)});
    }
  }
  for (engine::AlertId id : changes.touched) {
    if (const engine::Alert* a = engine_->Find(id)) {
      batch.touches.push_back({id, Ms(a->updated_at), Ms(a->ends_at)});
    }
  }
  batch.forgotten = changes.forgotten;
  batch.history = std::exchange(pending_history_, {});
  // Only the rows of silences and overrides that changed: each id is
  // written as it is now, or deleted when it is gone.
  flight.silences = std::exchange(silences_changed_, {});
  for (const auto& id : flight.silences) {
    const auto& all = engine_->silences();
    const auto it = std::find_if(all.begin(), all.end(), [&](const auto& s) { return s.id == id; });
    if (it != all.end()) {
      batch.silences.push_back(*it);
    } else {
      batch.silences_deleted.push_back(id);
    }
  }
  if (!flight.silences.empty()) {
    batch.next_silence_id = engine_->NextSilenceId();
  }
  flight.overrides = std::exchange(overrides_changed_, {});
  for (const auto& id : flight.overrides) {
    const auto it = std::find_if(runtime_overrides_.begin(), runtime_overrides_.end(),
                                 [&](const auto& o) { return o.id == id; });
    if (it != runtime_overrides_.end()) {
      batch.overrides.push_back(*it);
    } else {
      batch.overrides_deleted.push_back(id);
    }
  }
  if (!flight.overrides.empty()) {
    batch.next_override_id = next_override_;
  }
  if ((flight.reroutes = std::exchange(reroutes_changed_, false))) {
    batch.reroutes = engine_->reroutes();
  }
  for (const auto& o : flight.outgoing) {
    batch.outbox.push_back({o.message.id, o.channel, o.message.recipient, o.message.kind,
                            o.message.body->json, o.message.created_ms,
                            std::max(Ms(now), o.message.not_before_ms), 0});
  }
  for (std::size_t i = 0; i < flight.deferred.size(); ++i) {
    const auto& o = flight.deferred[i];
    batch.outbox.push_back({o.message.id, o.channel, o.message.recipient, o.message.kind,
                            o.message.body->json, o.message.created_ms, Ms(flight.deferred_at[i]),
                            0});
  }
  batch.reviews = flight.reviews;
  flight.marks = std::exchange(unwritten_marks_, {});
  for (auto& m : outbox_.TakeMarks()) {
    flight.marks.push_back(std::move(m));
  }
  for (const auto& m : flight.marks) {
    batch.marks.push_back({m.key, StoredState(m.state), m.attempts, Ms(m.next_attempt), m.error});
  }
  // max(id) + 1 of the stored alerts is the next id unless the newest rows
  // are deleted: only then is the high-water mark written (one row fewer
  // per commit on the ingest path).
  if (!batch.forgotten.empty() && engine_->next_alert_id() > written_next_id_) {
    batch.next_alert_id = engine_->next_alert_id();
  }
  flight.next_id = batch.next_alert_id;
  flight.rewrite = changes.changed;
  flight.rewrite.insert(flight.rewrite.end(), changes.touched.begin(), changes.touched.end());
  return batch;
}

void Pipeline::Write(Done then, Done answer) {
  if (!leading_) {
    // A standby decides nothing: what reaches its engine (a follower's
    // refresh) is already stored by the leader.
    (void)engine_->TakeNotifications();
    (void)engine_->TakeChanges();
    const Result<void> no(Fail(Error::Unavailable("this instance does not lead")));
    if (answer) {
      answer(no);
    }
    if (then) {
      then(no);
    }
    return;
  }
  const TimePoint now = clock_.Now();
  InFlight flight;
  flight.from_request = then != nullptr || answer != nullptr;
  flight.outgoing = Compose(now);
  flight.deferred = std::exchange(review_outgoing_, {});
  flight.deferred_at = std::exchange(review_outgoing_at_, {});
  flight.reviews = std::exchange(review_marks_, {});
  const auto changes = engine_->TakeChanges();
  if (!store_) {
    Written({}, std::move(flight), answer);
    if (then) {
      then({});
    }
    return;
  }
  store::Batch batch = MakeBatch(now, changes, flight);
  store_->Write(std::move(batch), [this, flight = std::move(flight), then = std::move(then),
                                   answer = std::move(answer)](const Result<void>& r) mutable {
    // Readiness and the metric change before anyone hears the answer, so a
    // 503 is never followed by a /-/ready that still says 200.
    NoteStore(r);
    if (answer) {
      answer(r);
    }
    asio::post(strand_, [this, r, flight = std::move(flight), then = std::move(then)]() mutable {
      Written(r, std::move(flight), nullptr);
      if (then) {
        then(r);
      }
    });
  });
}

void Pipeline::ProbeLoop() {
  const auto steady_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  // PostgreSQL is asked every idle second (it can go away on its own);
  // SQLite only while its writes fail (a probe is a synced write).
  if (store_ && !probing_.load() && (probe_idle_ || !store_ok_.load()) &&
      steady_ms() - last_store_answer_ms_.load() >= 1000) {
    probing_ = true;
    if (!store_->Probe([this](const Result<void>& r) {
          NoteStore(r);
          probing_ = false;
        })) {
      probing_ = false;
    }
  }
  probe_timer_.expires_after(std::chrono::seconds(1));
  probe_timer_.async_wait(asio::bind_executor(strand_, [this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) {
      ProbeLoop();
    }
  }));
}

// From the writer's thread, or the strand without a store.
void Pipeline::NoteStore(const Result<void>& r) {
  last_store_answer_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now().time_since_epoch())
                              .count();
  // A fenced write is the store answering that this instance lost its
  // lease: the store is fine, and a standby serves from it.
  const bool up = r || r.error().code() == Error::Code::kFenced;
  if (up) {
    if (!store_ok_.exchange(true)) {
      log::Info("the store is writable again");
    }
  } else if (store_ok_.exchange(false)) {
    log::Error("cannot write to the store; answering 503 until it can",
               {{"error", r.error().message()}});
  }
  metrics_.SetStoreUp(up);
}

void Pipeline::Written(const Result<void>& r, InFlight flight, const Done& answer) {
  if (answer) {
    answer(r);
  }
  if (!r && flight.from_request && r.error().code() != Error::Code::kFenced && !stopped_ &&
      leading_) {
    // Answered 503: what it carried must not be in force.
    RevertToStored();
    return;
  }
  if (r) {
    written_next_id_ = std::max(written_next_id_, flight.next_id);
  } else {
    // Nothing of this was written: it goes out with the next commit.
    engine_->MarkChanged(flight.rewrite);
    silences_changed_.merge(flight.silences);
    overrides_changed_.merge(flight.overrides);
    reroutes_changed_ = reroutes_changed_ || flight.reroutes;
    std::move(flight.marks.begin(), flight.marks.end(), std::back_inserter(unwritten_marks_));
  }
  // A review digest goes out only once its mark is stored (else a restart
  // would send it again). Unwritten, it waits for the next write; an
  // instance that lost the lead drops it: the leader sends it.
  if (flight.deferred.empty() && flight.reviews.empty()) {
    // Nothing of a review digest in this write (the common case).
  } else if (r) {
    outbox_.Restore(std::move(flight.deferred), flight.deferred_at, clock_.Now());
  } else if (r.error().code() != Error::Code::kFenced) {
    std::move(flight.deferred.begin(), flight.deferred.end(), std::back_inserter(review_outgoing_));
    std::move(flight.deferred_at.begin(), flight.deferred_at.end(),
              std::back_inserter(review_outgoing_at_));
    std::move(flight.reviews.begin(), flight.reviews.end(), std::back_inserter(review_marks_));
  } else {
    for (const auto& m : flight.reviews) {
      reviews_sent_.erase(m.key);
    }
  }
  // Decisions are sent even when they could not be stored: told twice beats
  // never. But not by an instance that no longer leads: its decisions were
  // made on state the leader has moved on from, and the leader decides again.
  if (r || r.error().code() != Error::Code::kFenced) {
    outbox_.Add(std::move(flight.outgoing), clock_.Now());
  }
  Pump();
}

void Pipeline::RevertToStored() {
  auto state = LoadStored();
  if (!state) {
    log::Error(
        "cannot read the store to undo a write that failed; what it carried stays in force "
        "and is written with the next commit",
        {{"error", state.error().message()}});
    return;
  }
  log::Warn("a write failed: undoing what it carried (answered 503); the state is as stored",
            {{"alerts", state->AlertCount()}});
  // What was pending in memory is pending in the store too (or was never
  // stored, and is undone with the rest): resumed from there.
  outbox_.Clear();
  unwritten_marks_.clear();
  silences_changed_.clear();
  overrides_changed_.clear();
  reroutes_changed_ = false;
  pending_history_.clear();
  review_outgoing_.clear();
  review_outgoing_at_.clear();
  review_marks_.clear();
  Restore(std::move(*state), /*lead=*/true);
}

void Pipeline::Commit(std::function<void(const Result<void>&)> then) {
  Write(std::move(then));
  Arm();
}

void Pipeline::CommitAndAnswer(std::function<void(const Result<void>&)> answer) {
  Write(nullptr, std::move(answer));
  Arm();
}

}  // namespace rota::app
