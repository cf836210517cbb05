// rotactl oncall and rotactl coverage: schedule queries on a config file.
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <ostream>

#include "api/schedule_view.h"
#include "cli/commands.h"
#include "cli/remote.h"
#include "config/loader.h"
#include "config/roster_spec.h"
#include "core/clock.h"
#include "core/time.h"
#include "http/router.h"
#include "ui/calendar.h"

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

}  // namespace

namespace {

constexpr const char* kOfflineNote =
    "(from the config file alone: a running rotad's run-time overrides are not included; "
    "--url or $ROTA_URL asks rotad)\n";

// The options of a command that reads the config, or asks rotad with --url.
struct Source {
  Common c;
  Remote remote;
};

void AddSourceOptions(po::options_description& desc, Source& s) {
  desc.add_options()("config", po::value<std::string>(&s.c.config), "rota.yaml (without --url)");
  AddRemoteOptions(desc, s.remote, /*url_default=*/false);
}

// Checks -o and that one of --config and --url is given.
int CheckSource(Source& s, std::ostream& err, std::string_view command) {
  s.c.output = s.remote.output;
  if (s.c.output != "json" && s.c.output != "text") {
    err << "rotactl " << command << ": -o must be json or text\n";
    return kExitUsage;
  }
  if (s.remote.url.empty() && s.c.config.empty()) {
    err << "rotactl " << command
        << ": give --config FILE, or --url (or $ROTA_URL) to ask a running rotad\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace

int OnCall(const Args& args, std::ostream& out, std::ostream& err) {
  Source s;
  std::string team;
  std::string person;
  std::string at_text;
  po::options_description desc(
      "Usage: rotactl oncall (--config FILE | --url URL) [--team T] [--person P] [--at T] [-o "
      "json|text]\n"
      "With --url (or $ROTA_URL) asks rotad, run-time overrides included; with --config reads the "
      "file\n"
      "alone. --at takes RFC 3339, now, now+2h or +2h.");
  AddSourceOptions(desc, s);
  desc.add_options()("team", po::value<std::string>(&team), "only this team")(
      "person", po::value<std::string>(&person), "only this person")(
      "at", po::value<std::string>(&at_text), "instant to ask about (default: now)");
  po::variables_map vm;
  if (int rc = ParseArgs(args, desc, {}, vm, err, "oncall"); rc != kExitOk) {
    return rc;
  }
  if (int rc = CheckSource(s, err, "oncall"); rc != kExitOk) {
    return rc;
  }
  api::OnCallQuery q;
  q.at = SystemClock().Now();
  if (!at_text.empty()) {
    auto at = ParseCliInstant(at_text, q.at);
    if (!at) {
      err << "rotactl oncall: --at: " << at.error().message() << "\n";
      return kExitUsage;
    }
    q.at = *at;
  }
  if (!team.empty()) {
    q.team = team;
  }
  if (!person.empty()) {
    q.person = person;
  }
  boost::json::value result;
  if (!s.remote.url.empty()) {
    std::string target = "/api/v1/oncall?at=" + http::PercentEncode(FormatRfc3339(q.at));
    if (q.team) {
      target += "&team=" + http::PercentEncode(*q.team);
    }
    if (q.person) {
      target += "&person=" + http::PercentEncode(*q.person);
    }
    auto v = Call(s.remote, "GET", target, "", err);
    if (!v) {
      return kExitFailure;
    }
    result = std::move(*v);
  } else {
    auto cfg = LoadOrReport(s.c.config, err);
    if (!cfg) {
      return kExitFailure;
    }
    const schedule::Roster roster(config::ToRosterSpec(*cfg));
    auto r = api::OnCallJson(*cfg, roster, q);
    if (!r) {
      err << "rotactl oncall: " << r.error().message() << "\n";
      return kExitFailure;
    }
    result = std::move(*r);
    result.as_object()["source"] = "config file (run-time overrides not included)";
  }
  if (s.c.output == "json") {
    out << boost::json::serialize(result) << "\n";
  } else {
    if (s.remote.url.empty()) {
      out << kOfflineNote;
    }
    out << api::OnCallText(result);
  }
  return kExitOk;
}

int Coverage(const Args& args, std::ostream& out, std::ostream& err) {
  Source s;
  std::string team;
  std::string from_text;
  std::string to_text;
  po::options_description desc(
      "Usage: rotactl coverage (--config FILE | --url URL) --team T [--from T] [--to T] [-o "
      "json|text]\n"
      "(default: from now, for 7 days; instants: RFC 3339, now, now+2h or +2h). With --url (or\n"
      "$ROTA_URL) asks rotad, run-time overrides included; with --config reads the file alone.");
  AddSourceOptions(desc, s);
  desc.add_options()("team", po::value<std::string>(&team)->required(), "the team")(
      "from", po::value<std::string>(&from_text), "start (default: now)")(
      "to", po::value<std::string>(&to_text), "end (default: from + 7 days)");
  po::variables_map vm;
  if (int rc = ParseArgs(args, desc, {}, vm, err, "coverage"); rc != kExitOk) {
    return rc;
  }
  if (int rc = CheckSource(s, err, "coverage"); rc != kExitOk) {
    return rc;
  }
  const TimePoint now = SystemClock().Now();
  const auto instant = [&](const std::string& text, std::string_view flag, TimePoint& at) {
    if (text.empty()) {
      return true;
    }
    auto t = ParseCliInstant(text, now);
    if (!t) {
      err << "rotactl coverage: " << flag << ": " << t.error().message() << "\n";
      return false;
    }
    at = *t;
    return true;
  };
  TimePoint from = now;
  if (!instant(from_text, "--from", from)) {
    return kExitUsage;
  }
  TimePoint to = from + std::chrono::hours(24 * 7);
  if (!instant(to_text, "--to", to)) {
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
  if (!s.remote.url.empty()) {
    const std::string target = "/api/v1/coverage?team=" + http::PercentEncode(team) +
                               "&from=" + http::PercentEncode(FormatRfc3339(from)) +
                               "&to=" + http::PercentEncode(FormatRfc3339(to)) +
                               (s.c.output == "json" ? "" : "&format=text");
    auto body = CallRaw(s.remote, "GET", target, "", err);
    if (!body) {
      return kExitFailure;
    }
    out << *body;
    if (s.c.output == "json") {
      out << "\n";
    }
    return kExitOk;
  }
  auto cfg = LoadOrReport(s.c.config, err);
  if (!cfg) {
    return kExitFailure;
  }
  const schedule::Roster roster(config::ToRosterSpec(*cfg));
  if (s.c.output == "json") {
    auto result = api::CoverageJson(roster, team, from, to);
    if (!result) {
      err << "rotactl coverage: " << result.error().message() << "\n";
      return kExitFailure;
    }
    result->as_object()["channel_targets"] = api::ChannelTargets(*cfg, team);
    result->as_object()["source"] = "config file (run-time overrides not included)";
    out << boost::json::serialize(*result) << "\n";
    return kExitOk;
  }
  auto text = api::CoverageText(*cfg, roster, team, from, to);
  if (!text) {
    err << "rotactl coverage: " << text.error().message() << "\n";
    return kExitFailure;
  }
  out << kOfflineNote << *text;
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
  out << ui::CalendarUrl(*cfg, person.empty() ? "team" : "person", person.empty() ? team : person)
      << "\n";
  return kExitOk;
}

}  // namespace rota::cli
