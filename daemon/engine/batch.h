// Engine::Batch: the notifications one engine operation decides, merged per
// person (one digest per person; alerts per person, route, step and reason).
// Private to the engine's translation units.
//
// Thread-safety: none; a Batch lives for one operation on the strand.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "engine/engine.h"

namespace rota::engine {

struct Engine::Batch {
  std::vector<Notification> list;
  std::map<std::tuple<std::string, int, std::string, int, std::string>, std::size_t> index;

  Notification& Get(const std::string& person, NotificationKind kind, const std::string& route,
                    int step, const std::string& reason, TimePoint now) {
    // A digest is one per person, whatever the route or step.
    const bool digest = kind == NotificationKind::kDigest;
    auto key = std::make_tuple(person, static_cast<int>(kind), digest ? "" : route,
                               digest ? 0 : step, digest ? "" : reason);
    auto it = index.find(key);
    if (it != index.end()) {
      return list[it->second];
    }
    index.emplace(key, list.size());
    Notification n;
    n.person = person;
    n.kind = kind;
    n.route = route;
    n.step = step;
    n.reason = reason;
    n.at = now;
    list.push_back(std::move(n));
    return list.back();
  }
};

}  // namespace rota::engine
