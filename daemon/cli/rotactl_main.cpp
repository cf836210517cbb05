// rotactl: the operator's command line. Subcommands dispatch to cli/.
#include <iostream>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "version.h"

namespace {

void Usage(std::ostream& out) {
  out << "Usage: rotactl COMMAND ...\n\n"
         "Commands:\n"
         "  check config FILE [--at T]   validate rota.yaml, its rule files and schedules;\n"
         "                               file:line:col: message per problem, exit 1 on error\n"
         "  oncall --config FILE [--team T] [--person P] [--at T] [-o json|text]\n"
         "                               who is on duty, and why the others are not\n"
         "  coverage --config FILE --team T [--from T] [--to T] [-o json|text]\n"
         "                               on-duty windows and gaps, per day\n"
         "  calendar-url --config FILE (--person P | --team T)\n"
         "                               a calendar feed's URL, with its token (docs/ui.md)\n"
         "  test rules TESTS.yaml         routing unit tests (who gets an alert at an instant)\n"
         "  backup --config FILE DEST    a consistent copy of a running rotad's store (SQLite)\n"
         "  migrate-store --from sqlite:PATH --to postgres:DSN | postgres-file:FILE\n"
         "                               move a stopped rotad's SQLite store into an empty\n"
         "                               PostgreSQL database (docs/ha.md)\n"
         "\n"
         "Against a running rotad (--url, default $ROTA_URL or http://127.0.0.1:9095;\n"
         "--token-file, default $ROTA_TOKEN_FILE; for https://, --ca-file, default\n"
         "$ROTA_CA_FILE or the system's CAs, and --cert-file/--key-file for mutual TLS):\n"
         "  alerts [--state S]           open alerts (or firing|acknowledged|resolved|all)\n"
         "  ack ID --by NAME             take an alert (stops escalation)\n"
         "  resolve ID --by NAME         close an alert\n"
         "  explain ID                   an alert's timeline: every decision and why\n"
         "  silence add|ls|expire        silences\n"
         "  override add|ls|rm           run-time overrides\n"
         "  reroute --team T --to escalation:E [--until T] --reason R\n"
         "  reroute ls | clear ID        send a team's new alerts to another escalation\n"
         "  drill [--label k=v] [--dry-run] a synthetic alert end to end (pages real people):\n"
         "                               waits for delivery, exits 1 unless all delivered\n"
         "  report --team T [--from T] [--to T] [-o text|json|csv|html]\n"
         "                               a team's review: time to seen and ack, holds,\n"
         "                               coverage, and the hours that would help most\n"
         "  version                      print the version\n\n"
         "Instants (T) are RFC 3339, e.g. 2026-11-23T09:00:00Z.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using rota::cli::Args;
  if (argc < 2) {
    Usage(std::cerr);
    return rota::cli::kExitUsage;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    Usage(std::cout);
    return rota::cli::kExitOk;
  }
  if (cmd == "version" || cmd == "--version") {
    std::cout << "rotactl " << rota::kVersion << " (revision " << rota::kRevision << ")\n";
    return rota::cli::kExitOk;
  }
  if (cmd == "check") {
    if (argc < 3 || std::string_view(argv[2]) != "config") {
      std::cerr << "usage: rotactl check config FILE [--at RFC3339]\n";
      return rota::cli::kExitUsage;
    }
    return rota::cli::CheckConfig(Args(argv + 3, argv + argc), std::cout, std::cerr);
  }
  const Args rest(argv + 2, argv + argc);
  if (cmd == "test") {
    if (argc < 3 || std::string_view(argv[2]) != "rules") {
      std::cerr << "usage: rotactl test rules TESTS.yaml\n";
      return rota::cli::kExitUsage;
    }
    return rota::cli::TestRules(Args(argv + 3, argv + argc), std::cout, std::cerr);
  }
  if (cmd == "calendar-url") {
    return rota::cli::CalendarUrl(rest, std::cout, std::cerr);
  }
  if (cmd == "backup") {
    return rota::cli::Backup(rest, std::cout, std::cerr);
  }
  if (cmd == "migrate-store") {
    return rota::cli::MigrateStore(rest, std::cout, std::cerr);
  }
  if (cmd == "alerts") {
    return rota::cli::Alerts(rest, std::cout, std::cerr);
  }
  if (cmd == "ack" || cmd == "resolve") {
    return rota::cli::AckOrResolve(rest, std::cout, std::cerr, cmd == "ack");
  }
  if (cmd == "report") {
    return rota::cli::Report(rest, std::cout, std::cerr);
  }
  if (cmd == "explain") {
    return rota::cli::Explain(rest, std::cout, std::cerr);
  }
  if (cmd == "silence") {
    return rota::cli::Silence(rest, std::cout, std::cerr);
  }
  if (cmd == "override") {
    return rota::cli::Override(rest, std::cout, std::cerr);
  }
  if (cmd == "reroute") {
    return rota::cli::Reroute(rest, std::cout, std::cerr);
  }
  if (cmd == "drill") {
    return rota::cli::Drill(rest, std::cout, std::cerr);
  }
  if (cmd == "oncall") {
    return rota::cli::OnCall(Args(argv + 2, argv + argc), std::cout, std::cerr);
  }
  if (cmd == "coverage") {
    return rota::cli::Coverage(Args(argv + 2, argv + argc), std::cout, std::cerr);
  }
  std::cerr << "rotactl: unknown command \"" << cmd << "\"\n\n";
  Usage(std::cerr);
  return rota::cli::kExitUsage;
}
