// rotactl backup --config F FILE: a consistent copy of the store of the
// daemon running on that config (SQLite's online backup; rotad keeps running).
// rotactl migrate-store: a stopped SQLite store into PostgreSQL.
#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "cli/commands.h"
#include "config/loader.h"
#include "store/copy.h"
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
  if (loaded.config->storage.backend == config::StorageBackend::kPostgres) {
    err << "rotactl backup: the store is PostgreSQL (storage.backend: postgres); back it up with "
           "PostgreSQL's own tools (pg_dump, or the server's base backups): see docs/ha.md\n";
    return kExitFailure;
  }
  const std::string source =
      (std::filesystem::path(loaded.config->storage.dir) / "rota.db").string();
  if (auto r = store::Backup(source, dest); !r) {
    err << "rotactl backup: " << r.error().message() << "\n";
    return kExitFailure;
  }
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(dest, ec);
  out << "backed up " << source << " to " << dest << " (" << (ec ? 0 : bytes) << " bytes)\n";
  return kExitOk;
}

// The DSN of --to: "postgres:DSN" or "postgres-file:FILE" (keeps a password
// out of the process list).
Result<std::string> TargetDsn(const std::string& to) {
  if (to.starts_with("postgres:")) {
    return to.substr(9);
  }
  if (to.starts_with("postgres-file:")) {
    std::ifstream in(to.substr(14));
    if (!in) {
      return Fail(Error::NotFound("cannot read " + to.substr(14)));
    }
    std::stringstream text;
    text << in.rdbuf();
    std::string dsn = text.str();
    while (!dsn.empty() && (dsn.back() == '\n' || dsn.back() == '\r' || dsn.back() == ' ')) {
      dsn.pop_back();
    }
    return dsn;
  }
  return Fail(Error::InvalidArgument("--to must be postgres:DSN or postgres-file:FILE"));
}

int MigrateStore(const Args& args, std::ostream& out, std::ostream& err) {
  namespace po = boost::program_options;
  std::string from;
  std::string to;
  po::options_description desc(
      "Usage: rotactl migrate-store --from sqlite:PATH --to postgres:DSN | postgres-file:FILE");
  desc.add_options()("from", po::value<std::string>(&from)->required(),
                     "sqlite:PATH, the storage.dir or its rota.db")(
      "to", po::value<std::string>(&to)->required(), "postgres:DSN or postgres-file:FILE");
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "rotactl migrate-store: " << e.what() << "\n\n" << desc;
    return kExitUsage;
  }
  if (!from.starts_with("sqlite:")) {
    err << "rotactl migrate-store: --from must be sqlite:PATH\n";
    return kExitUsage;
  }
  std::string path = from.substr(7);
  if (std::filesystem::is_directory(path)) {
    path = (std::filesystem::path(path) / "rota.db").string();
  }
  auto dsn = TargetDsn(to);
  if (!dsn) {
    err << "rotactl migrate-store: " << dsn.error().message() << "\n";
    return kExitUsage;
  }
  auto counts = store::CopySqliteToPostgres(path, *dsn);
  if (!counts) {
    err << "rotactl migrate-store: " << counts.error().message() << "\n";
    return kExitFailure;
  }
  out << "moved " << path << " into PostgreSQL:";
  for (const auto& [table, n] : *counts) {
    out << " " << table << "=" << n;
  }
  out << "\nNext: set storage.backend: postgres in rota.yaml and start rotad; keep " << path
      << " until it runs.\n";
  return kExitOk;
}

}  // namespace rota::cli
