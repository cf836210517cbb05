// Loading rota.yaml and its rule files into a validated Config.
//
// Loading never stops at the first problem: every error found is reported,
// each as "file:line:col: message" (1-based), so an operator fixes a whole
// config in one pass. A load with any error yields no Config at all; callers
// (daemon start, reload, `rotactl check config`) keep whatever they had.
//
// This is the only place that touches YAML: yaml-cpp exceptions are caught
// here and become diagnostics. Reading the files, their `*_file` secrets and
// the system tz database is the only I/O.
//
// Thread-safety: Load is reentrant; it shares nothing between calls.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/source_pos.h"

namespace rota::config {

struct Diagnostic {
  SourcePos pos;
  std::string message;
  [[nodiscard]] std::string ToString() const { return pos.ToString() + ": " + message; }
};

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when errors is not empty
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;  // loadable, but worth a look
  [[nodiscard]] bool ok() const { return errors.empty(); }
};

struct LoadOptions {
  // Storage dir default when the config names none ($STATE_DIRECTORY or ./var).
  std::string default_storage_dir = "./var";
  // A config with no routes is an error (rotad, check config, test rules):
  // every alert would be unrouted. Schedule-only readers leave it off.
  bool require_routes = false;
};

// Loads `path` and every file its `rule_files` globs match (relative to the
// directory of `path`).
LoadResult Load(const std::string& path, const LoadOptions& options = {});

// The storage default the daemon uses: $STATE_DIRECTORY (set by systemd's
// StateDirectory=) when present, else "./var".
std::string DefaultStorageDir();

}  // namespace rota::config
