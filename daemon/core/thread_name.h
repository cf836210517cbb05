// SetThreadName: names the calling thread for `top -H`, `ps -L` and gdb, so
// an operator sees which part of rotad burns CPU (http, engine, store,
// checkpoint, notify:<channel>, ...).
//
// Linux keeps at most 15 bytes of a name; longer names are cut there.
// Thread-safety: affects only the calling thread.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace rota {

inline void SetThreadName(std::string_view name) {
  constexpr std::size_t kMax = 15;
  const std::string cut(name.substr(0, kMax));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace rota
