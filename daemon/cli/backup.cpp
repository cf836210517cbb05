// rotactl backup --config F FILE: a consistent copy of the store of the
// daemon running on that config (SQLite's online backup; rotad keeps running).
#include <boost/program_options.hpp>

#include <filesystem>
#include <ostream>

#include "cli/commands.h"
#include "config/loader.h"
#include "store/db.h"

namespace rota::cli {

int Backup(const Args& args, std::ostream& out, std::ostream& err) {
  namespace po = boost::program_options;
  std::string config_path;
  std::string dest;
  po::options_description desc("Usage: rotactl backup --config FILE DEST");
  desc.add_options()("config", po::value<std::string>(&config_path)->required(), "rota.yaml")(
      "dest", po::value<std::string>(&dest)->required(), "the backup file to create");
  po::positional_options_description pos;
  pos.add("dest", 1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "rotactl backup: " << e.what() << "\n\n" << desc;
    return kExitUsage;
  }
  const auto loaded = config::Load(config_path, {config::DefaultStorageDir()});
  for (const auto& e : loaded.errors) {
    err << e.ToString() << "\n";
  }
  if (!loaded.ok()) {
    return kExitFailure;
  }
  const std::string source = (std::filesystem::path(loaded.config->storage.dir) / "rota.db").string();
  if (auto r = store::Backup(source, dest); !r) {
    err << "rotactl backup: " << r.error().message() << "\n";
    return kExitFailure;
  }
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(dest, ec);
  out << "backed up " << source << " to " << dest << " (" << (ec ? 0 : bytes) << " bytes)\n";
  return kExitOk;
}

}  // namespace rota::cli
