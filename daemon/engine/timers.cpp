// The engine's deadlines: Tick fires what is due, in order (group flushes,
// escalation steps, hold releases, re-checks, endsAt expiry, handover), and
// Emit hands the batch's notifications to the shell.
#include "core/time.h"
#include "engine/batch.h"
#include "engine/engine.h"

namespace rota::engine {

// ---- time ------------------------------------------------------------------------

void Engine::Tick(TimePoint now) {
  Batch batch;
  while (!deadlines_.empty() && deadlines_.top().at <= now) {
    const Deadline d = deadlines_.top();
    deadlines_.pop();
    Fire(d, now, batch);
  }
  Emit(batch);
}

void Engine::Fire(const Deadline& d, TimePoint now, Batch& batch) {
  if (d.kind == DeadlineKind::kGroupFlush) {
    auto g = groups_.find(d.target);
    if (g != groups_.end() && g->second.gen == d.gen && g->second.flush_at) {
      FlushGroup(d.target, d.at, batch);
    }
    return;
  }
  auto it = alerts_.find(d.target);
  if (it == alerts_.end()) {
    return;
  }
  Alert& a = it->second;
  const auto slot = static_cast<std::size_t>(d.slot);
  switch (d.kind) {
    case DeadlineKind::kEscalate:
      if (a.state == AlertState::kFiring && slot < a.routings.size() &&
          a.routings[slot].gen == d.gen) {
        if (a.routings[slot].exhausted) {
          RunStep(a, d.slot, d.at, batch, "repeat_interval", false);
        } else {
          Advance(a, d.slot, d.at, batch, "no acknowledgement within escalate_after");
        }
      }
      return;
    case DeadlineKind::kRelease:
      if (slot < a.routings.size() && a.routings[slot].gen == d.gen) {
        Release(a, d.slot, d.at, batch);
      }
      return;
    case DeadlineKind::kRecheck:
      if (a.state == AlertState::kFiring && slot < a.routings.size() &&
          a.routings[slot].gen == d.gen) {
        Evaluate(a, d.slot, d.at, batch);
      }
      return;
    case DeadlineKind::kExpire:
      if (a.expire_gen == d.gen && a.state != AlertState::kResolved && a.ends_at) {
        if (*a.ends_at <= d.at) {
          ResolveAlert(a, "ended at endsAt " + FormatRfc3339(*a.ends_at) + " (no refresh)", d.at,
                       batch);
        } else {
          Schedule(*a.ends_at, DeadlineKind::kExpire, a.id, 0, a.expire_gen);  // refreshed
        }
      }
      return;
    case DeadlineKind::kHandover:
      if (a.handover_gen == d.gen && a.state == AlertState::kAcknowledged) {
        HandOver(a, d.at, batch);
      }
      return;
    case DeadlineKind::kGroupFlush:
      return;
  }
  (void)now;
}

void Engine::Emit(Batch& batch) {
  for (auto& n : batch.list) {
    n.id = next_notification_id_++;
    out_.push_back(std::move(n));
  }
  batch.list.clear();
  batch.index.clear();
  SyncIndex();
}

std::vector<Notification> Engine::TakeNotifications() {
  std::vector<Notification> out;
  out.swap(out_);
  return out;
}

}  // namespace rota::engine
