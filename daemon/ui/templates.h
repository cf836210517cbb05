// The console's templates and static files, embedded at build time from
// daemon/ui/templates/ and daemon/ui/assets/ (daemon/CMakeLists.txt).
//
// Thread-safety: immutable data.
#pragma once

#include <string_view>

namespace rota::ui {

// The template or asset of that file name; REQUIRES: it exists (a missing
// name aborts at the first request in any test of the page).
std::string_view Template(std::string_view name);
// An asset's text, or an empty view when there is none of that name.
std::string_view Asset(std::string_view name);

}  // namespace rota::ui
