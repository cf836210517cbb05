// Plans that follow the roster (engine.h): the index of what waits on whom,
// kept in step with every decision, and RosterChanged, which plans again
// what a change of the roster can touch.
#include <algorithm>

#include "engine/batch.h"
#include "engine/engine.h"

namespace rota::engine {
namespace {

constexpr int kSlotBits = 16;

std::uint64_t Code(AlertId id, std::size_t slot) {
  return (id << kSlotBits) | static_cast<std::uint64_t>(slot);
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

// ---- the index -------------------------------------------------------------------

void Engine::Unindex(const Alert& a) {
  for (std::size_t slot = 0; slot < a.routings.size(); ++slot) {
    if (auto it = hold_of_.find(Code(a.id, slot)); it != hold_of_.end()) {
      it->second->second.erase(it->first);
      if (it->second->second.empty()) {
        holds_.erase(it->second);
      }
      hold_of_.erase(it);
    }
  }
  if (auto it = handover_of_.find(a.id); it != handover_of_.end()) {
    if (auto h = handovers_.find(it->second); h != handovers_.end()) {
      h->second.erase(a.id);
      if (h->second.empty()) {
        handovers_.erase(h);
      }
    }
    handover_of_.erase(it);
  }
}

void Engine::Reindex(const Alert& a) {
  for (std::size_t slot = 0; slot < a.routings.size() && slot < (1U << kSlotBits); ++slot) {
    const Routing& r = a.routings[slot];
    const std::uint64_t code = Code(a.id, slot);
    const bool waits = (a.state == AlertState::kFiring && r.status == Outcome::kHeld) ||
                       (a.state == AlertState::kResolved && r.held_until.has_value());
    const config::Escalation* esc = waits ? EscalationOf(a, static_cast<int>(slot)) : nullptr;
    auto at = hold_of_.find(code);
    if (esc == nullptr) {
      if (at != hold_of_.end()) {
        at->second->second.erase(code);
        if (at->second->second.empty()) {
          holds_.erase(at->second);
        }
        hold_of_.erase(at);
      }
      continue;
    }
    const std::pair<std::string, int> key{esc->name, r.step};
    if (at != hold_of_.end()) {
      if (at->second->first == key) {
        continue;
      }
      at->second->second.erase(code);
      if (at->second->second.empty()) {
        holds_.erase(at->second);
      }
    }
    auto bucket = holds_.try_emplace(key).first;
    bucket->second.insert(code);
    hold_of_[code] = bucket;
  }
  const bool hands_over = a.state == AlertState::kAcknowledged && a.handover_at.has_value();
  auto at = handover_of_.find(a.id);
  if (at != handover_of_.end() && (!hands_over || at->second != a.acked_by)) {
    if (auto h = handovers_.find(at->second); h != handovers_.end()) {
      h->second.erase(a.id);
      if (h->second.empty()) {
        handovers_.erase(h);
      }
    }
    handover_of_.erase(at);
    at = handover_of_.end();
  }
  if (hands_over && at == handover_of_.end()) {
    handovers_[a.acked_by].insert(a.id);
    handover_of_.emplace(a.id, a.acked_by);
  }
}

void Engine::SyncIndex() {
  if (reindex_.empty()) {
    return;
  }
  std::sort(reindex_.begin(), reindex_.end());
  reindex_.erase(std::unique(reindex_.begin(), reindex_.end()), reindex_.end());
  for (AlertId id : reindex_) {
    if (auto it = alerts_.find(id); it != alerts_.end()) {
      Reindex(it->second);
    }
  }
  reindex_.clear();
}

// ---- re-planning -----------------------------------------------------------------

bool Engine::StepTouched(const config::EscalationStep& step, const RosterChange& change) const {
  if (change.everything) {
    return true;
  }
  for (const auto& target : step.notify) {
    switch (target.kind) {
      case config::Target::Kind::kChannel:
        break;
      case config::Target::Kind::kPerson:
        if (Contains(change.people, target.id)) {
          return true;
        }
        break;
      default: {
        if (Contains(change.teams, target.id)) {
          return true;
        }
        if (const config::Team* team = model_->config->FindTeam(target.id)) {
          for (const auto& p : change.people) {
            if (Contains(team->members, p)) {
              return true;
            }
          }
        }
        break;
      }
    }
  }
  return false;
}

std::size_t Engine::RosterChanged(const RosterChange& change, TimePoint now) {
  SyncIndex();
  // The buckets the change can touch: a bucket names its escalation and
  // step, and the config has few of those.
  std::vector<std::uint64_t> holds;
  for (const auto& [key, codes] : holds_) {
    const config::Escalation* esc = model_->config->FindEscalation(key.first);
    const bool touched = change.everything || esc == nullptr || esc->steps.empty() ||
                         StepTouched(esc->steps[static_cast<std::size_t>(std::clamp<int>(
                                         key.second, 0, static_cast<int>(esc->steps.size()) - 1))],
                                     change);
    if (touched) {
      holds.insert(holds.end(), codes.begin(), codes.end());
    }
  }
  std::vector<AlertId> handovers;
  if (change.everything) {
    for (const auto& [person, ids] : handovers_) {
      handovers.insert(handovers.end(), ids.begin(), ids.end());
    }
  } else {
    for (const auto& p : change.people) {
      if (auto it = handovers_.find(p); it != handovers_.end()) {
        handovers.insert(handovers.end(), it->second.begin(), it->second.end());
      }
    }
  }
  // Alert order: the same change gives the same notifications, in order.
  std::sort(holds.begin(), holds.end());
  std::sort(handovers.begin(), handovers.end());
  Batch batch;
  for (std::uint64_t code : holds) {
    auto it = alerts_.find(code >> kSlotBits);
    const auto slot = static_cast<int>(code & ((1U << kSlotBits) - 1));
    if (it != alerts_.end() && slot < static_cast<int>(it->second.routings.size())) {
      ReplanHold(it->second, slot, now, batch, change.reason);
    }
  }
  for (AlertId id : handovers) {
    if (auto it = alerts_.find(id); it != alerts_.end()) {
      ReplanHandover(it->second, now, batch, change.reason);
    }
  }
  Emit(batch);
  return holds.size() + handovers.size();
}

void Engine::ReplanHold(Alert& a, int slot, TimePoint now, Batch& batch,
                        const std::string& reason) {
  Routing& r = a.routings[static_cast<std::size_t>(slot)];
  const config::Escalation* esc = EscalationOf(a, slot);
  if (esc == nullptr || RouteOf(a, slot) == nullptr || esc->steps.empty()) {
    return;
  }
  // A reload may have removed steps.
  r.step = std::min<int>(r.step, static_cast<int>(esc->steps.size()) - 1);
  const auto& step = esc->steps[static_cast<std::size_t>(r.step)];
  const auto people = OnDutyForStep(step, now, nullptr);
  const auto replanned = [&] {
    Record(a, now, Note(EntryKind::kReplanned).Set(Field::kReason, reason));
  };
  if (a.state == AlertState::kResolved) {
    // Resolved while held: the release lists it as resolved to whoever comes on.
    if (!r.held_until) {
      return;
    }
    if (!people.empty()) {
      replanned();
      Release(a, slot, now, batch);
      return;
    }
    const auto next = NextForStep(step, now);
    if (next && (next->at != *r.held_until || next->people != r.held_for)) {
      replanned();
      r.held_until = next->at;
      r.held_for = next->people;
      r.gen++;
      Schedule(next->at, DeadlineKind::kRelease, a.id, slot, r.gen);
      changed_.insert(a.id);
    }
    return;
  }
  if (a.state != AlertState::kFiring || r.status != Outcome::kHeld) {
    return;
  }
  if (people.empty()) {
    const auto policy = step.when_nobody_on_duty.value_or(esc->when_nobody_on_duty);
    if (policy != config::NobodyOnDuty::kHold) {
      return;  // `next` waits for the repeat: still nobody to tell
    }
    const auto next = NextForStep(step, now);
    if (next ? (r.held_until == next->at && r.held_for == next->people) : !r.held_until) {
      return;  // the same plan
    }
  }
  replanned();
  RunStep(a, slot, now, batch, people.empty() ? "roster changed" : "roster changed: on duty now",
          true);
}

void Engine::ReplanHandover(Alert& a, TimePoint now, Batch& batch, const std::string& reason) {
  if (a.state != AlertState::kAcknowledged || !a.handover_at) {
    return;
  }
  const auto& roster = *model_->roster;
  if (!roster.IsOnDuty(a.acked_by, now)) {
    Record(a, now, Note(EntryKind::kReplanned).Set(Field::kReason, reason));
    HandOver(a, now, batch);
    return;
  }
  const auto spans = roster.PersonDutySpans(a.acked_by, now, now + std::chrono::hours(24 * 8));
  if (!spans || spans->empty() || spans->front().start > now ||
      spans->front().end == *a.handover_at) {
    return;
  }
  Record(a, now, Note(EntryKind::kReplanned).Set(Field::kReason, reason));
  a.handover_gen++;
  a.handover_at = spans->front().end;
  Schedule(*a.handover_at, DeadlineKind::kHandover, a.id, 0, a.handover_gen);
  Record(a, now,
         Note(EntryKind::kHandoverPlanned)
             .Set(Field::kUntil, *a.handover_at)
             .Set(Field::kBy, a.acked_by));
}

// The acker's duty ended: the alert is theirs no more; escalation starts
// again from step 1 with whoever is on duty.
void Engine::HandOver(Alert& a, TimePoint now, Batch& batch) {
  const std::string from = a.acked_by;
  a.state = AlertState::kFiring;
  a.acked_by.clear();
  a.handover_at.reset();
  a.handover_gen++;
  counters_.handovers++;
  Record(a, now, Note(EntryKind::kHandedOver).Set(Field::kBy, from));
  for (std::size_t s = 0; s < a.routings.size(); ++s) {
    Routing& r = a.routings[s];
    r.step = 0;
    r.round = 0;
    r.exhausted = false;
    r.escalating = true;
    RunStep(a, static_cast<int>(s), now, batch, "handover from " + from, false);
  }
}

}  // namespace rota::engine
