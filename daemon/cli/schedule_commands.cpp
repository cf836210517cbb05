// rotactl oncall and rotactl coverage: schedule queries on a config file.
#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <ostream>

#include "api/schedule_view.h"
#include "ui/calendar.h"
#include "cli/commands.h"
#include "config/loader.h"
#include "config/roster_spec.h"
#include "core/clock.h"
#include "core/time.h"

namespace rota::cli {
namespace {

namespace po = boost::program_options;

struct Common {
  std::string config;
  std::string output = "text";
};

// Parses args and checks -o; returns kExitOk or the exit code to return.
int Parse(const Args& args, po::options_description& desc, const Common& c, std::ostream& err,
          std::string_view command) {
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "rotactl " << command << ": " << e.what() << "\n\n" << desc;
    return kExitUsage;
  }
  if (c.output != "json" && c.output != "text") {
    err << "rotactl " << command << ": -o must be json or text\n";
    return kExitUsage;
  }
  return kExitOk;
}

std::shared_ptr<const config::Config> LoadOrReport(const std::string& path, std::ostream& err) {
  const auto result = config::Load(path, {config::DefaultStorageDir()});
  for (const auto& d : result.errors) {
    err << d.ToString() << "\n";
  }
  return result.config;
}

bool ParseInstant(const std::string& text, std::string_view flag, TimePoint& out,
                  std::ostream& err) {
  auto t = ParseRfc3339(text);
  if (!t) {
    err << "rotactl: " << flag << ": " << t.error().message() << "\n";
    return false;
  }
  out = *t;
  return true;
}

}  // namespace

int OnCall(const Args& args, std::ostream& out, std::ostream& err) {
  Common c;
  std::string team;
  std::string person;
  std::string at_text;
  po::options_description desc(
      "Usage: rotactl oncall --config FILE [--team T] [--person P] [--at RFC3339] [-o json|text]");
  desc.add_options()("config", po::value<std::string>(&c.config)->required(), "rota.yaml")(
      "team", po::value<std::string>(&team), "only this team")(
      "person", po::value<std::string>(&person), "only this person")(
      "at", po::value<std::string>(&at_text), "instant to ask about (default: now)")(
      "output,o", po::value<std::string>(&c.output)->default_value("text"), "json or text");
  if (int rc = Parse(args, desc, c, err, "oncall"); rc != kExitOk) {
    return rc;
  }
  api::OnCallQuery q;
  q.at = SystemClock().Now();
  if (!at_text.empty() && !ParseInstant(at_text, "--at", q.at, err)) {
    return kExitUsage;
  }
  if (!team.empty()) {
    q.team = team;
  }
  if (!person.empty()) {
    q.person = person;
  }
  auto cfg = LoadOrReport(c.config, err);
  if (!cfg) {
    return kExitFailure;
  }
  const schedule::Roster roster(config::ToRosterSpec(*cfg));
  auto result = api::OnCallJson(*cfg, roster, q);
  if (!result) {
    err << "rotactl oncall: " << result.error().message() << "\n";
    return kExitFailure;
  }
  if (c.output == "json") {
    out << boost::json::serialize(*result) << "\n";
  } else {
    out << api::OnCallText(*result);
  }
  return kExitOk;
}

int Coverage(const Args& args, std::ostream& out, std::ostream& err) {
  Common c;
  std::string team;
  std::string from_text;
  std::string to_text;
  po::options_description desc(
      "Usage: rotactl coverage --config FILE --team T [--from RFC3339] [--to RFC3339] "
      "[-o json|text]\n(default: from now, for 7 days)");
  desc.add_options()("config", po::value<std::string>(&c.config)->required(), "rota.yaml")(
      "team", po::value<std::string>(&team)->required(), "the team")(
      "from", po::value<std::string>(&from_text), "start (default: now)")(
      "to", po::value<std::string>(&to_text), "end (default: from + 7 days)")(
      "output,o", po::value<std::string>(&c.output)->default_value("text"), "json or text");
  if (int rc = Parse(args, desc, c, err, "coverage"); rc != kExitOk) {
    return rc;
  }
  TimePoint from = SystemClock().Now();
  if (!from_text.empty() && !ParseInstant(from_text, "--from", from, err)) {
    return kExitUsage;
  }
  TimePoint to = from + std::chrono::hours(24 * 7);
  if (!to_text.empty() && !ParseInstant(to_text, "--to", to, err)) {
    return kExitUsage;
  }
  if (to <= from) {
    err << "rotactl coverage: --to must be after --from\n";
    return kExitUsage;
  }
  if (to - from > std::chrono::hours(24 * 366)) {
    err << "rotactl coverage: at most 366 days at a time\n";
    return kExitUsage;
  }
  auto cfg = LoadOrReport(c.config, err);
  if (!cfg) {
    return kExitFailure;
  }
  const schedule::Roster roster(config::ToRosterSpec(*cfg));
  if (c.output == "json") {
    auto result = api::CoverageJson(roster, team, from, to);
    if (!result) {
      err << "rotactl coverage: " << result.error().message() << "\n";
      return kExitFailure;
    }
    result->as_object()["channel_targets"] = api::ChannelTargets(*cfg, team);
    out << boost::json::serialize(*result) << "\n";
    return kExitOk;
  }
  auto text = api::CoverageText(*cfg, roster, team, from, to);
  if (!text) {
    err << "rotactl coverage: " << text.error().message() << "\n";
    return kExitFailure;
  }
  out << *text;
  return kExitOk;
}

int CalendarUrl(const Args& args, std::ostream& out, std::ostream& err) {
  Common c;
  std::string person;
  std::string team;
  po::options_description desc("Usage: rotactl calendar-url --config FILE (--person P | --team T)");
  desc.add_options()("config", po::value<std::string>(&c.config)->required(), "rota.yaml")(
      "person", po::value<std::string>(&person), "a person's feed")(
      "team", po::value<std::string>(&team), "a team's feed");
  if (int rc = Parse(args, desc, c, err, "calendar-url"); rc != kExitOk) {
    return rc;
  }
  if (person.empty() == team.empty()) {
    err << "rotactl calendar-url: give exactly one of --person or --team\n\n" << desc;
    return kExitUsage;
  }
  auto cfg = LoadOrReport(c.config, err);
  if (!cfg) {
    return kExitFailure;
  }
  if (cfg->calendar.secret.empty()) {
    err << "rotactl calendar-url: " << c.config << " has no calendar.secret_file (docs/ui.md)\n";
    return kExitFailure;
  }
  if (!person.empty() && cfg->FindPerson(person) == nullptr) {
    err << "rotactl calendar-url: unknown person \"" << person << "\"\n";
    return kExitFailure;
  }
  if (!team.empty() && cfg->FindTeam(team) == nullptr) {
    err << "rotactl calendar-url: unknown team \"" << team << "\"\n";
    return kExitFailure;
  }
  out << ui::CalendarUrl(*cfg, person.empty() ? "team" : "person", person.empty() ? team : person) << "\n";
  return kExitOk;
}

}  // namespace rota::cli
