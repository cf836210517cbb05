// Silences (run-time and the config's own): the check Evaluate and RunStep
// make before paging (Silenced) and the lookup the API's dry run asks
// (MutedBy). Inhibition and mute intervals are still decided inside
// Evaluate (engine.cpp).
#include <algorithm>

#include "engine/batch.h"
#include "engine/engine.h"

namespace rota::engine {

bool Engine::Silenced(Alert& a, int slot, TimePoint now) {
  const rules::Silence* s = MutedBy(a.labels, now);
  if (s == nullptr) {
    return false;
  }
  Routing& r = a.routings[static_cast<std::size_t>(slot)];
  r.status = Outcome::kSilenced;
  r.gen++;
  Record(a, now,
         Note(EntryKind::kSilenced).Set(Field::kSilence, s->id).Set(Field::kUntil, s->ends_at));
  Schedule(s->ends_at, DeadlineKind::kRecheck, a.id, slot, r.gen);  // looked at again when it ends
  return true;
}

const rules::Silence* Engine::MutedBy(const LabelSet& labels, TimePoint now) const {
  for (const auto& s : silences_) {
    if (s.Mutes(labels, now)) {
      return &s;
    }
  }
  for (const auto& s : model_->config->silences) {
    if (s.Mutes(labels, now)) {
      return &s;
    }
  }
  return nullptr;
}

}  // namespace rota::engine
