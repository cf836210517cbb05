// rotactl's commands. Each takes its arguments (after the command words) and
// the output streams, and returns the process exit code: 0 success, 1 failure
// (bad config, unknown team, check found errors), 2 usage error.
//
// "Now" is read here, in the shell, once per command, unless --at is given.
//
// Thread-safety: not applicable (one command per process).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace rota::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

using Args = std::vector<std::string>;

// check config FILE [--at RFC3339]
int CheckConfig(const Args& args, std::ostream& out, std::ostream& err);
// oncall --config F [--team T] [--person P] [--at RFC3339] [-o json|text]
int OnCall(const Args& args, std::ostream& out, std::ostream& err);
// coverage --config F --team T [--from RFC3339] [--to RFC3339] [-o json|text]
int Coverage(const Args& args, std::ostream& out, std::ostream& err);
// calendar-url --config F (--person P | --team T): a feed's URL with its token
int CalendarUrl(const Args& args, std::ostream& out, std::ostream& err);
// test rules TESTS.yaml
int TestRules(const Args& args, std::ostream& out, std::ostream& err);
// backup --config F FILE
int Backup(const Args& args, std::ostream& out, std::ostream& err);
// migrate-store --from sqlite:PATH --to postgres:DSN|postgres-file:FILE
int MigrateStore(const Args& args, std::ostream& out, std::ostream& err);

// Against a running rotad (--url, --token-file):
int Alerts(const Args& args, std::ostream& out, std::ostream& err);
int AckOrResolve(const Args& args, std::ostream& out, std::ostream& err, bool ack);
int Explain(const Args& args, std::ostream& out, std::ostream& err);
int Silence(const Args& args, std::ostream& out, std::ostream& err);
int Override(const Args& args, std::ostream& out, std::ostream& err);
int Reroute(const Args& args, std::ostream& out, std::ostream& err);
int Drill(const Args& args, std::ostream& out, std::ostream& err);
// report --team T [--from T1] [--to T2] [-o text|json|csv]: a team's review
int Report(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace rota::cli
