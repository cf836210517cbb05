// Loads a benchmark's YAML config through the real loader (via a temporary
// file, as rotad reads one); exits with the first error.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "config/loader.h"

namespace rota::bench {

inline std::shared_ptr<const config::Config> LoadConfigText(const char* yaml, const char* name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   (std::string("rota-") + name + "-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "rota.yaml") << yaml;
  auto loaded = config::Load((dir / "rota.yaml").string());
  std::filesystem::remove_all(dir);
  if (!loaded.ok()) {
    std::fprintf(stderr, "config: %s\n", loaded.errors.front().ToString().c_str());
    std::exit(1);
  }
  return loaded.config;
}

}  // namespace rota::bench
