#include "cli/check_config.h"

#include <ostream>

#include "config/loader.h"

namespace rota::cli {

int CheckConfig(const std::string& path, std::ostream& out, std::ostream& err) {
  const auto result = config::Load(path, {config::DefaultStorageDir()});
  for (const auto& d : result.errors) {
    err << d.ToString() << "\n";
  }
  for (const auto& d : result.warnings) {
    err << d.pos.ToString() << ": warning: " << d.message << "\n";
  }
  if (!result.ok()) {
    err << path << ": " << result.errors.size() << " error"
        << (result.errors.size() == 1 ? "" : "s") << "\n";
    return 1;
  }
  const auto& c = *result.config;
  out << path << ": OK (" << c.people.size() << " people, " << c.teams.size() << " teams, "
      << c.channels.size() << " channels, " << c.routes.size() << " routes, "
      << c.escalations.size() << " escalations, " << c.rule_files.size() << " rule files)\n";
  return 0;
}

}  // namespace rota::cli
