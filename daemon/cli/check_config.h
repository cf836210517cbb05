// `rotactl check config FILE`: load everything the daemon would and report.
//
// Thread-safety: not applicable (runs once per process).
#pragma once

#include <iosfwd>
#include <string>

namespace rota::cli {

// Prints "file:line:col: message" per error to `err`, warnings likewise with
// "warning: ", and a one-line summary to `out` on success. Returns 0 or 1.
int CheckConfig(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace rota::cli
