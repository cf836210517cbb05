// SourcePos: where a value came from in a config file, for messages of the
// form "file:line:col: message" (1-based line and column).
//
// Thread-safety: plain value.
#pragma once

#include <string>

namespace rota {

struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;

  [[nodiscard]] std::string ToString() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

}  // namespace rota
