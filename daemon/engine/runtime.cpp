// The engine's run-time state besides alerts: silences, reroutes, chat
// threads and notes the shell adds to timelines (engine.h). Split from
// engine.cpp, which decides; this file only keeps and looks up.
#include <algorithm>
#include <unordered_map>

#include "engine/batch.h"
#include "engine/engine.h"

namespace rota::engine {

Result<std::string> Engine::AddReroute(Reroute reroute, TimePoint now) {
  if (model_->config->FindTeam(reroute.team) == nullptr) {
    return Fail(Error::InvalidArgument("unknown team \"" + reroute.team + "\""));
  }
  if (model_->config->FindEscalation(reroute.escalation) == nullptr) {
    return Fail(Error::InvalidArgument("unknown escalation \"" + reroute.escalation + "\""));
  }
  if (reroute.until && *reroute.until <= now) {
    return Fail(Error::InvalidArgument("until must be in the future"));
  }
  reroute.id = "r-" + std::to_string(next_reroute_id_++);
  reroute.created_at = now;
  std::string id = reroute.id;
  reroutes_.push_back(std::move(reroute));
  return id;
}

Result<void> Engine::ClearReroute(const std::string& id) {
  const auto before = reroutes_.size();
  std::erase_if(reroutes_, [&](const Reroute& r) { return r.id == id; });
  if (reroutes_.size() == before) {
    return Fail(Error::NotFound("no reroute " + id));
  }
  return {};
}

std::vector<Reroute> Engine::EndReroutes(TimePoint now) {
  std::vector<Reroute> ended;
  std::erase_if(reroutes_, [&](const Reroute& r) {
    if (r.ActiveAt(now)) {
      return false;
    }
    ended.push_back(r);
    return true;
  });
  return ended;
}

std::vector<Reroute> Engine::EndOrphanReroutes(TimePoint now) {
  std::vector<Reroute> ended;
  std::erase_if(reroutes_, [&](const Reroute& r) {
    if (model_->config->FindTeam(r.team) != nullptr &&
        model_->config->FindEscalation(r.escalation) != nullptr) {
      return false;
    }
    ended.push_back(r);
    return true;
  });
  if (ended.empty()) {
    return ended;
  }
  std::unordered_map<std::string, std::string> why;
  for (const auto& r : ended) {
    why[r.id] =
        "reroute " + r.id + " ended: " +
        (model_->config->FindTeam(r.team) == nullptr ? "its team \"" + r.team + "\""
                                                     : "its escalation \"" + r.escalation + "\"") +
        " is no longer in the config";
  }
  for (auto& [id, a] : alerts_) {
    if (a.state == AlertState::kResolved) {
      continue;
    }
    for (const auto& routing : a.routings) {
      if (const auto it = why.find(routing.reroute); it != why.end()) {
        Record(a, now, Note(EntryKind::kNote).Set(Field::kText, it->second));
        break;
      }
    }
  }
  return ended;
}

const Reroute* Engine::ActiveReroute(std::string_view team, TimePoint now) const {
  const Reroute* best = nullptr;
  for (const auto& r : reroutes_) {
    if (r.team == team && r.ActiveAt(now) &&
        (best == nullptr || r.created_at >= best->created_at)) {
      best = &r;
    }
  }
  return best;
}

void Engine::RestoreReroutes(std::vector<Reroute> reroutes, std::uint64_t next_id) {
  reroutes_ = std::move(reroutes);
  next_reroute_id_ = std::max(next_reroute_id_, next_id);
}

std::string Engine::AddSilence(rules::Silence silence, TimePoint now) {
  if (silence.id.empty()) {
    silence.id = "s-" + std::to_string(next_silence_++);
  }
  const std::string id = silence.id;
  silences_.push_back(std::move(silence));
  (void)now;
  return id;
}

std::vector<std::string> Engine::PruneSilences(TimePoint cutoff) {
  std::vector<std::string> gone;
  std::erase_if(silences_, [&](const rules::Silence& s) {
    if (s.ends_at > cutoff) {
      return false;
    }
    gone.push_back(s.id);
    return true;
  });
  return gone;
}

Result<void> Engine::ExpireSilence(const std::string& id, TimePoint now) {
  auto it = std::find_if(silences_.begin(), silences_.end(),
                         [&](const rules::Silence& s) { return s.id == id; });
  if (it == silences_.end()) {
    return Fail(Error::NotFound("no silence " + id));
  }
  it->ends_at = std::min(it->ends_at, now);
  Batch batch;
  for (auto& [aid, a] : alerts_) {
    for (std::size_t slot = 0; slot < a.routings.size(); ++slot) {
      if (a.state == AlertState::kFiring && a.routings[slot].status == Outcome::kSilenced) {
        Evaluate(a, static_cast<int>(slot), now, batch);
      }
    }
  }
  Emit(batch);
  return {};
}

void Engine::SetThread(AlertId id, const std::string& channel, const std::string& ref) {
  auto it = alerts_.find(id);
  if (it == alerts_.end() || ref.empty() || !ThreadOf(id, channel).empty()) {
    return;
  }
  it->second.threads.emplace_back(channel, ref);
  changed_.insert(id);
}

std::string Engine::ThreadOf(AlertId id, const std::string& channel) const {
  auto it = alerts_.find(id);
  if (it == alerts_.end()) {
    return {};
  }
  for (const auto& [c, ref] : it->second.threads) {
    if (c == channel) {
      return ref;
    }
  }
  return {};
}

bool Engine::SentVia(AlertId id, const std::string& channel) const {
  auto it = alerts_.find(id);
  if (it == alerts_.end()) {
    return false;
  }
  if (!ThreadOf(id, channel).empty()) {
    return true;
  }
  return std::any_of(
      it->second.timeline.begin(), it->second.timeline.end(), [&](const Timeline::Entry& e) {
        return e.kind() == EntryKind::kDelivered && e.Get(Field::kChannel) == channel;
      });
}

void Engine::Annotate(AlertId id, TimePoint at, const Note& note) {
  auto it = alerts_.find(id);
  if (it != alerts_.end()) {
    Record(it->second, at, note);
  }
}

}  // namespace rota::engine
