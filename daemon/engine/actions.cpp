// What ends or pauses an alert's paging from outside the engine's own
// timers: resolving (by its source or a person) and acknowledging, with the
// notices and handovers they bring. Split from engine.cpp, which routes and
// decides.
#include <algorithm>

#include "engine/batch.h"
#include "engine/engine.h"

namespace rota::engine {

void Engine::ResolveAlert(Alert& a, const std::string& why, TimePoint now, Batch& batch) {
  if (a.state == AlertState::kResolved) {
    return;
  }
  const bool was_told = !a.notified.empty();  // acked or not: they heard of it
  a.state = AlertState::kResolved;
  a.resolved_at = now;
  resolved_order_.push({now, a.id});
  a.updated_at = now;
  Record(a, now, Note(EntryKind::kResolved).Set(Field::kReason, why));
  if (auto it = open_by_key_.find(a.key); it != open_by_key_.end() && it->second == a.id) {
    open_by_key_.erase(it);
  }
  a.handover_gen++;
  a.expire_gen++;
  for (std::size_t slot = 0; slot < a.routings.size(); ++slot) {
    Routing& r = a.routings[slot];
    if (!r.held_until) {
      r.gen++;  // a held routing keeps its release: the digest lists it as resolved
    }
    if (auto g = groups_.find(r.group); g != groups_.end()) {
      if (g->second.open > 0) {
        g->second.open--;
      }
      if (g->second.open == 0 && g->second.pending.empty()) {
        groups_.erase(g);
      }
    }
    const config::Route* route = RouteOf(a, static_cast<int>(slot));
    if (was_told && r.status == Outcome::kNotified && route != nullptr) {
      std::vector<std::string> told;
      for (const auto& p : a.notified) {
        if (config::IsChannelRecipient(p) || model_->roster->IsOnDuty(p, now)) {
          batch.Get(p, NotificationKind::kResolved, route->name, r.step + 1, "resolved", now)
              .alerts.push_back(a.id);
          told.push_back(p);
        }
      }
      if (!told.empty()) {
        Record(a, now, Note(EntryKind::kResolvedNotice).List(Field::kPeople, told));
      }
    }
  }
  // Alerts this one inhibited may now go ahead.
  if (!model_->inhibit_rules.empty()) {
    for (auto& [oid, other] : alerts_) {
      for (std::size_t slot = 0; slot < other.routings.size(); ++slot) {
        if (other.state == AlertState::kFiring &&
            other.routings[slot].status == Outcome::kInhibited) {
          Evaluate(other, static_cast<int>(slot), now, batch);
        }
      }
    }
  }
}

Result<Outcome> Engine::Acknowledge(AlertId id, const std::string& who, const std::string& comment,
                                    TimePoint now) {
  auto it = alerts_.find(id);
  if (it == alerts_.end()) {
    return Fail(Error::NotFound("no alert " + std::to_string(id)));
  }
  Alert& a = it->second;
  if (a.state != AlertState::kFiring) {
    return a.Status();
  }
  a.state = AlertState::kAcknowledged;
  a.acked_by = who;
  a.updated_at = now;
  Note acked(EntryKind::kAcknowledged);
  acked.Set(Field::kBy, who);
  if (!comment.empty()) {
    acked.Set(Field::kComment, comment);
  }
  Record(a, now, acked);
  for (auto& r : a.routings) {
    r.gen++;
    r.escalating = false;
    r.held_until.reset();
    r.hold_started.reset();
    r.held_for.clear();
  }
  // Channel targets that were told hear it was taken (no hours to respect).
  Batch batch;
  const config::Route* route = a.routings.empty() ? nullptr : RouteOf(a, 0);
  for (const auto& p : a.notified) {
    if (config::IsChannelRecipient(p) && route != nullptr) {
      batch
          .Get(p, NotificationKind::kAcknowledged, route->name, a.routings.front().step + 1,
               "acknowledged by " + who, now)
          .alerts.push_back(a.id);
    }
  }
  const config::Escalation* esc = a.routings.empty() ? nullptr : EscalationOf(a, 0);
  const auto& roster = *model_->roster;
  if (esc != nullptr && esc->on_shift_end == config::OnShiftEnd::kHandover &&
      roster.HasPerson(who)) {
    if (roster.IsOnDuty(who, now)) {
      const auto spans = roster.PersonDutySpans(who, now, now + std::chrono::hours(24 * 8));
      if (spans && !spans->empty() && spans->front().start <= now) {
        a.handover_gen++;
        a.handover_at = spans->front().end;
        Schedule(spans->front().end, DeadlineKind::kHandover, a.id, 0, a.handover_gen);
        Record(a, now,
               Note(EntryKind::kHandoverPlanned)
                   .Set(Field::kUntil, spans->front().end)
                   .Set(Field::kBy, who));
      }
    } else {
      Record(a, now, Note(EntryKind::kNoHandover).Set(Field::kBy, who));
    }
  }
  Emit(batch);
  return Outcome::kAcknowledged;
}

Result<Outcome> Engine::Resolve(AlertId id, const std::string& who, const std::string& comment,
                                TimePoint now) {
  auto it = alerts_.find(id);
  if (it == alerts_.end()) {
    return Fail(Error::NotFound("no alert " + std::to_string(id)));
  }
  Batch batch;
  ResolveAlert(it->second, "resolved by " + who + (comment.empty() ? "" : ": " + comment), now,
               batch);
  Emit(batch);
  return Outcome::kResolved;
}

}  // namespace rota::engine
