// Reading the files a config names: the main file, rule files, templates,
// secret and CA files. Only regular files are read, each under a size limit,
// so a FIFO never blocks a load and /dev/zero never exhausts memory.
//
// Thread-safety: reentrant.
#pragma once

#include <cstddef>
#include <string>

#include "core/error.h"

namespace rota::config {

// The most a single config, rule, template or secret file may hold.
inline constexpr std::size_t kMaxConfigFileBytes = 16U << 20U;  // 16 MiB

// The whole of `path`, or an error naming it: not found, not a regular file
// (directory, FIFO, device, socket), a symlink loop, or over `max_bytes`.
Result<std::string> ReadConfigFile(const std::string& path,
                                   std::size_t max_bytes = kMaxConfigFileBytes);

}  // namespace rota::config
