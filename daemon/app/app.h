// App: rotad's lifecycle. It owns every module and is the only place that
// knows them all (docs/architecture.md: only app knows every module).
//
// Start-up: load config (all errors logged, exit 1) → prepare storage →
// bind HTTP → READY. Reload (SIGHUP or POST /-/reload) parses and validates
// everything first and swaps in one step; a failed reload keeps the running
// config. Shutdown (SIGTERM/SIGINT) runs in a fixed order, bounded by
// server.shutdown_timeout: STOPPING → not ready → HTTP stops accepting and
// closes idle connections → in-flight requests finish → event loop stops.
//
// Thread-safety: Run() is called once, from main. Handlers run on the
// io_context threads; the current config is swapped under a mutex.
#pragma once

#include <memory>
#include <string>

#include "log/log.h"

namespace rota::app {

struct Options {
  std::string config_path;
  std::string version;
  std::string revision;
  bool fresh_store = false;  // --fresh-store: begin empty where the store is missing
};

// Exit codes of rotad (documented in docs/operations.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // bad config at start, cannot bind, storage unusable
inline constexpr int kExitUsage = 2;    // bad command line

class App {
 public:
  explicit App(Options options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Runs until SIGTERM/SIGINT; returns the process exit code.
  int Run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rota::app
