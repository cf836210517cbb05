// Loading the stored alerts at start-up, on several threads.
//
// Start-up time is what an operator waits for after a restart or a crash,
// and it grows with the number of stored alerts (a million is a realistic
// bad day). The ids are split into ranges; each range is read on its own
// read-only connection (WAL lets readers run side by side) and decoded on
// its own thread; the result is in id order, as one thread would give it.
//
// Thread-safety: LoadAlerts starts and joins its own threads; the config must
// not change while it runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "engine/engine.h"

namespace rota::store {

struct LoadedAlerts {
  // By id, ascending, in parts (one per loading thread; Engine::Restore
  // takes them as they are).
  std::vector<std::vector<engine::Alert>> parts;
  [[nodiscard]] std::size_t size() const;
  struct Skipped {
    std::int64_t id = 0;
    std::string error;
  };
  std::vector<Skipped> skipped;  // documents that do not decode (logged by the caller)
};

// REQUIRES: `path` is a migrated store. threads <= 0: one per core (at most 8).
Result<LoadedAlerts> LoadAlerts(const std::string& path, const config::Config& config,
                                int threads = 0);

}  // namespace rota::store
