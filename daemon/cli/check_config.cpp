#include <boost/program_options.hpp>
#include <ostream>

#include "api/listener_tls.h"
#include "cli/commands.h"
#include "config/lint.h"
#include "config/loader.h"
#include "core/clock.h"
#include "core/time.h"

namespace rota::cli {

namespace po = boost::program_options;

int CheckConfig(const Args& args, std::ostream& out, std::ostream& err) {
  po::options_description desc("Usage: rotactl check config FILE [--at RFC3339]");
  std::string at_text;
  desc.add_options()("at", po::value<std::string>(&at_text),
                     "lint as of this instant (default: now)");
  po::options_description hidden;
  std::string path;
  hidden.add_options()("file", po::value<std::string>(&path));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("file", 1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "rotactl check config: " << e.what() << "\n" << desc;
    return kExitUsage;
  }
  if (path.empty()) {
    err << desc;
    return kExitUsage;
  }
  TimePoint now = SystemClock().Now();
  if (!at_text.empty()) {
    auto at = ParseRfc3339(at_text);
    if (!at) {
      err << "rotactl check config: --at: " << at.error().message() << "\n";
      return kExitUsage;
    }
    now = *at;
  }
  const auto result = config::Load(path, {config::DefaultStorageDir(), /*require_routes=*/true});
  std::vector<config::Diagnostic> errors = result.errors;
  std::vector<config::Diagnostic> warnings = result.warnings;
  if (result.ok()) {
    if (const auto& tls = result.config->server.tls) {  // the certificate as rotad would use it
      if (auto made = api::ListenerTls(*tls); !made) {
        errors.push_back(made.error());
      }
    }
    auto lint = config::Lint(*result.config, now);
    errors.insert(errors.end(), lint.errors.begin(), lint.errors.end());
    warnings.insert(warnings.end(), lint.warnings.begin(), lint.warnings.end());
  }
  for (const auto& d : errors) {
    err << d.ToString() << "\n";
  }
  for (const auto& d : warnings) {
    err << d.pos.ToString() << ": warning: " << d.message << "\n";
  }
  if (!errors.empty()) {
    err << path << ": " << errors.size() << " error" << (errors.size() == 1 ? "" : "s") << "\n";
    return kExitFailure;
  }
  const auto& c = *result.config;
  const auto count = [](std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
  };
  out << path << ": OK (" << count(c.people.size(), "person", "people") << ", "
      << count(c.teams.size(), "team", "teams") << ", "
      << count(c.channels.size(), "channel", "channels") << ", "
      << count(c.routes.size(), "route", "routes") << ", "
      << count(c.escalations.size(), "escalation", "escalations") << ", "
      << count(c.rule_files.size(), "rule file", "rule files");
  if (!warnings.empty()) {
    out << ", " << warnings.size() << " warning" << (warnings.size() == 1 ? "" : "s");
  }
  out << ")\n";
  return kExitOk;
}

}  // namespace rota::cli
