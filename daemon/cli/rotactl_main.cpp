// rotactl: the operator's command line. Subcommands dispatch here.
#include <iostream>
#include <string>
#include <string_view>

#include "cli/check_config.h"
#include "version.h"

namespace {

constexpr int kUsage = 2;

void Usage(std::ostream& out) {
  out << "Usage: rotactl COMMAND ...\n\n"
         "Commands:\n"
         "  check config FILE   validate rota.yaml and every rule file it loads;\n"
         "                      prints file:line:col: message per error, exit 1 on error\n"
         "  version             print the version\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    Usage(std::cerr);
    return kUsage;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    Usage(std::cout);
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    std::cout << "rotactl " << rota::kVersion << " (revision " << rota::kRevision << ")\n";
    return 0;
  }
  if (cmd == "check") {
    if (argc != 4 || std::string_view(argv[2]) != "config") {
      std::cerr << "usage: rotactl check config FILE\n";
      return kUsage;
    }
    return rota::cli::CheckConfig(argv[3], std::cout, std::cerr);
  }
  std::cerr << "rotactl: unknown command \"" << cmd << "\"\n\n";
  Usage(std::cerr);
  return kUsage;
}
