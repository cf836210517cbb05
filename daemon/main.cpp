// rotad: parse flags, build the App, run it. Everything else lives in app/.
#include <boost/program_options.hpp>
#include <iostream>

#include "app/app.h"
#include "log/log.h"
#include "version.h"

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description desc("Usage: rotad --config FILE [options]\n\nOptions");
  std::string config_path;
  std::string level_text = "info";
  desc.add_options()("config", po::value<std::string>(&config_path),
                     "path to rota.yaml (required)")(
      "log-level", po::value<std::string>(&level_text)->default_value("info"),
      "debug, info, warn or error")(
      "fresh-store",
      "begin with an empty store even though storage.dir says one existed there (see "
      "docs/operations.md, The store is missing)")("version", "print the version and exit")(
      "help,h", "print this help");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "rotad: " << e.what() << "\n\n" << desc;
    return rota::app::kExitUsage;
  }
  if (vm.count("help") > 0) {
    std::cout << desc;
    return rota::app::kExitOk;
  }
  if (vm.count("version") > 0) {
    std::cout << "rotad " << rota::kVersion << " (revision " << rota::kRevision << ")\n";
    return rota::app::kExitOk;
  }
  rota::log::Level level{};
  if (!rota::log::ParseLevel(level_text, level)) {
    std::cerr << "rotad: --log-level must be debug, info, warn or error, got \"" << level_text
              << "\"\n";
    return rota::app::kExitUsage;
  }
  if (config_path.empty()) {
    std::cerr << "rotad: --config is required\n\n" << desc;
    return rota::app::kExitUsage;
  }
  rota::log::Init(level);
  rota::app::App app({config_path, rota::kVersion, rota::kRevision, vm.count("fresh-store") > 0});
  return app.Run();
}
