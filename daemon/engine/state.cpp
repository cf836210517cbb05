// The engine's state as the shell sees it: what changed since the last
// write, which ids are taken, retention, read-only lookups; and Restore, which
// rebuilds groups and deadlines from each alert's own fields.
#include <algorithm>
#include <charconv>

#include "engine/batch.h"
#include "engine/engine.h"

namespace rota::engine {

std::size_t Engine::PruneResolved(TimePoint before,
                                  const std::function<void(const Alert&)>& forgetting) {
  // Oldest resolution first: the cost is the alerts forgotten, not all of
  // them (this runs every few seconds with up to millions open).
  std::size_t pruned = 0;
  while (!resolved_order_.empty() && resolved_order_.top().first < before) {
    const AlertId id = resolved_order_.top().second;
    resolved_order_.pop();
    auto it = alerts_.find(id);
    if (it == alerts_.end() || it->second.state != AlertState::kResolved) {
      continue;
    }
    if (forgetting) {
      forgetting(it->second);
    }
    Unindex(it->second);
    forgotten_.push_back(id);
    changed_.erase(id);
    touched_.erase(id);
    alerts_.erase(it);
    ++pruned;
  }
  return pruned;
}

Engine::Changes Engine::TakeChanges() {
  Changes c;
  c.changed.assign(changed_.begin(), changed_.end());
  std::sort(c.changed.begin(), c.changed.end());
  for (AlertId id : touched_) {
    if (changed_.count(id) == 0) {
      c.touched.push_back(id);
    }
  }
  std::sort(c.touched.begin(), c.touched.end());
  changed_.clear();
  touched_.clear();
  c.forgotten.swap(forgotten_);
  return c;
}

void Engine::ReserveIds(AlertId next_alert, std::uint64_t next_silence) {
  next_alert_id_ = std::max(next_alert_id_, next_alert);
  next_silence_ = std::max(next_silence_, next_silence);
}

void Engine::MarkChanged(const std::vector<AlertId>& ids) {
  for (AlertId id : ids) {
    if (alerts_.count(id) > 0) {
      changed_.insert(id);
    }
  }
}

void Engine::Restore(std::vector<Alert> alerts, std::vector<rules::Silence> silences,
                     TimePoint now) {
  std::vector<std::vector<Alert>> parts;
  parts.push_back(std::move(alerts));
  Restore(std::move(parts), std::move(silences), now);
}

void Engine::Restore(std::vector<std::vector<Alert>> parts, std::vector<rules::Silence> silences,
                     TimePoint now) {
  silences_ = std::move(silences);
  for (const auto& s : silences_) {
    std::uint64_t n = 0;
    const std::string_view digits =
        std::string_view(s.id).substr(std::min<std::size_t>(2, s.id.size()));
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (s.id.starts_with("s-") && ec == std::errc() && end == digits.data() + digits.size()) {
      next_silence_ = std::max<std::uint64_t>(next_silence_, n + 1);
    }
  }
  Batch batch;
  std::size_t total = 0;
  for (const auto& part : parts) {
    total += part.size();
  }
  alerts_.reserve(total);
  open_by_key_.reserve(total);
  for (auto& part : parts) {
    for (auto& restored : part) {
      const AlertId id = restored.id;
      next_alert_id_ = std::max(next_alert_id_, id + 1);
      Alert& a = alerts_.insert_or_assign(id, std::move(restored)).first->second;
      reindex_.push_back(id);
      if (a.state == AlertState::kResolved) {
        resolved_order_.push({a.resolved_at.value_or(a.updated_at), id});
        continue;
      }
      SetOpen(a);
      if (a.ends_at) {
        Schedule(*a.ends_at, DeadlineKind::kExpire, id, 0, a.expire_gen);
      }
      if (a.state == AlertState::kAcknowledged) {
        if (a.handover_at) {
          Schedule(*a.handover_at, DeadlineKind::kHandover, id, 0, a.handover_gen);
        }
        continue;
      }
      for (std::size_t slot = 0; slot < a.routings.size(); ++slot) {
        Routing& r = a.routings[slot];
        const config::Route* route = RouteOf(a, static_cast<int>(slot));
        const config::Escalation* esc = EscalationOf(a, static_cast<int>(slot));
        if (route == nullptr || esc == nullptr || esc->steps.empty()) {
          continue;
        }
        r.step = std::min<int>(r.step, static_cast<int>(esc->steps.size()) - 1);
        const auto& step = esc->steps[static_cast<std::size_t>(r.step)];
        if (r.status == Outcome::kNotified && r.escalating && r.last_notified) {
          const Duration wait = r.exhausted ? route->repeat_interval : step.escalate_after;
          Schedule(*r.last_notified + wait, DeadlineKind::kEscalate, id, static_cast<int>(slot),
                   r.gen);
        } else if (r.status == Outcome::kHeld && r.held_until) {
          TimePoint wake = *r.held_until;
          if (step.max_hold && r.hold_started && *r.hold_started + *step.max_hold < wake) {
            wake = *r.hold_started + *step.max_hold;
          }
          Schedule(wake, DeadlineKind::kRelease, id, static_cast<int>(slot), r.gen);
        } else if (r.status == Outcome::kGrouped || r.status == Outcome::kSilenced ||
                   r.status == Outcome::kMuted || r.status == Outcome::kInhibited) {
          r.group = 0;  // rejoin its group afresh (AddToGroup counts it)
          Evaluate(a, static_cast<int>(slot), now, batch);
          continue;
        }
        if (r.group != 0) {
          Group& g = groups_[r.group];
          g.route = r.route;
          g.open++;
        }
      }
    }
    std::vector<Alert>().swap(part);  // the moved-from shells go back now
  }
  changed_.clear();
  touched_.clear();
  Emit(batch);
}

const Alert* Engine::Find(AlertId id) const {
  auto it = alerts_.find(id);
  return it == alerts_.end() ? nullptr : &it->second;
}

const Alert* Engine::FindByKey(const std::string& key) const {
  auto it = open_by_key_.find(key);
  return it == open_by_key_.end() ? nullptr : Find(it->second);
}

void Engine::ForEachAlert(const std::function<void(const Alert&)>& fn) const {
  for (const auto& [id, a] : alerts_) {
    fn(a);
  }
}

}  // namespace rota::engine
