// rotactl commands that talk to a running rotad over its HTTP API:
// alerts, ack, resolve, explain, silence, override, drill.
//
// Every command takes --url (default $ROTA_URL, else http://127.0.0.1:9095)
// and --token-file (default $ROTA_TOKEN_FILE) for a bearer token; for an
// https:// URL, --ca-file (default $ROTA_CA_FILE, else the system's CAs) and,
// for a listener with client_auth: require, --cert-file and --key-file.
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "cli/remote.h"
#include "core/clock.h"
#include "core/duration.h"
#include "core/time.h"
#include "http/client.h"
#include "http/router.h"

namespace rota::cli {
namespace {

namespace po = boost::program_options;
namespace json = boost::json;

// A coverage ratio as people read it: "77 %" ("-" when there is none).
std::string Percent(const json::value& cov) {
  const auto* r = cov.as_object().if_contains("ratio");
  if (r == nullptr || !(r->is_double() || r->is_int64())) {
    return "-";
  }
  const double ratio = r->is_double() ? r->as_double() : static_cast<double>(r->as_int64());
  return std::to_string(static_cast<int>(ratio * 100.0 + 0.5)) + " %";
}

// Rows of columns, each as wide as its widest cell, two spaces apart.
void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) {
        line += std::string(width[c] - row[c].size() + 2, ' ');
      }
    }
    out << line << "\n";
  }
}

std::vector<std::string> AlertRow(const json::value& a) {
  const auto& labels = a.at("labels").as_object();
  const auto* name = labels.if_contains("alertname");
  std::string who = "notified=" + Str(a, "notified");
  if (Str(a, "held_until") != "-") {
    who += " held_until=" + Str(a, "held_until") + " for=" + Str(a, "next_on_duty");
  }
  return {Str(a, "id"), Str(a, "state"), Str(a, "status"),
          name != nullptr && name->is_string() ? std::string(name->as_string()) : "-", who};
}

int Emit(const Remote& r, const json::value& v, std::ostream& out,
         const std::function<void()>& text) {
  if (r.output == "json") {
    out << json::serialize(v) << "\n";
  } else {
    text();
  }
  return kExitOk;
}

}  // namespace

int Alerts(const Args& args, std::ostream& out, std::ostream& err) {
  Remote r;
  std::string state;
  po::options_description desc(
      "Usage: rotactl alerts [--state open|firing|acknowledged|resolved|all]");
  AddRemoteOptions(desc, r);
  desc.add_options()("state", po::value<std::string>(&state)->default_value("open"),
                     "which alerts");
  po::variables_map vm;
  if (int rc = ParseArgs(args, desc, {}, vm, err, "alerts"); rc != kExitOk) {
    return rc;
  }
  auto v = Call(r, "GET", "/api/v1/alerts?state=" + state, "", err);
  if (!v) {
    return kExitFailure;
  }
  return Emit(r, *v, out, [&] {
    std::vector<std::vector<std::string>> rows{{"ID", "STATE", "STATUS", "ALERTNAME", "WHO"}};
    for (const auto& a : v->at("alerts").as_array()) {
      rows.push_back(AlertRow(a));
    }
    PrintTable(rows, out);
  });
}

int AckOrResolve(const Args& args, std::ostream& out, std::ostream& err, bool ack) {
  Remote r;
  std::string id;
  std::string by;
  std::string comment;
  const std::string cmd = ack ? "ack" : "resolve";
  po::options_description desc("Usage: rotactl " + cmd + " ID --by NAME [--comment TEXT]");
  AddRemoteOptions(desc, r);
  desc.add_options()("id", po::value<std::string>(&id)->required(), "alert id")(
      "by", po::value<std::string>(&by)->required(), "who is acting")(
      "comment", po::value<std::string>(&comment), "why");
  po::positional_options_description pos;
  pos.add("id", 1);
  po::variables_map vm;
  if (int rc = ParseArgs(args, desc, pos, vm, err, cmd); rc != kExitOk) {
    return rc;
  }
  auto v = Call(r, "POST", "/api/v1/alerts/" + id + "/" + cmd,
                json::serialize(json::object{{"by", by}, {"comment", comment}}), err);
  if (!v) {
    return kExitFailure;
  }
  return Emit(r, *v, out, [&] { out << "alert " << id << ": " << Str(*v, "state") << "\n"; });
}

int Explain(const Args& args, std::ostream& out, std::ostream& err) {
  Remote r;
  std::string id;
  po::options_description desc("Usage: rotactl explain ID");
  AddRemoteOptions(desc, r);
  desc.add_options()("id", po::value<std::string>(&id)->required(), "alert id");
  po::positional_options_description pos;
  pos.add("id", 1);
  po::variables_map vm;
  if (int rc = ParseArgs(args, desc, pos, vm, err, "explain"); rc != kExitOk) {
    return rc;
  }
  auto v = Call(r, "GET", "/api/v1/alerts/" + id, "", err);
  if (!v) {
    return kExitFailure;
  }
  return Emit(r, *v, out, [&] {
    out << "alert " << Str(*v, "id") << " " << json::serialize(v->at("labels")) << "\n"
        << "state " << Str(*v, "state") << ", status " << Str(*v, "status") << ", notified "
        << Str(*v, "notified") << "\n\n";
    for (const auto& e : v->at("timeline").as_array()) {
      out << Str(e, "at") << "  " << Str(e, "what") << "\n";
    }
  });
}

int Silence(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || (args[0] != "add" && args[0] != "ls" && args[0] != "expire")) {
    err << "usage: rotactl silence add|ls|expire ...\n";
    return kExitUsage;
  }
  const std::string sub = args[0];
  const Args rest(args.begin() + 1, args.end());
  Remote r;
  po::options_description desc(
      "Usage: rotactl silence add --matcher M [--matcher M] "
      "(--duration D | --ends-at T) --by NAME [--comment TEXT]\n"
      "       rotactl silence ls\n       rotactl silence expire ID");
  AddRemoteOptions(desc, r);
  std::vector<std::string> matchers;
  std::string duration;
  std::string ends_at;
  std::string by;
  std::string comment;
  std::string id;
  desc.add_options()("matcher", po::value<std::vector<std::string>>(&matchers), "label matcher")(
      "duration", po::value<std::string>(&duration), "e.g. 2h")(
      "ends-at", po::value<std::string>(&ends_at), "RFC 3339")(
      "by", po::value<std::string>(&by), "author")("comment", po::value<std::string>(&comment),
                                                   "why")("id", po::value<std::string>(&id), "");
  po::positional_options_description pos;
  pos.add("id", 1);
  po::variables_map vm;
  if (int rc = ParseArgs(rest, desc, pos, vm, err, "silence " + sub); rc != kExitOk) {
    return rc;
  }
  if (sub == "ls") {
    auto v = Call(r, "GET", "/api/v1/silences", "", err);
    if (!v) {
      return kExitFailure;
    }
    return Emit(r, *v, out, [&] {
      for (const auto& s : v->at("silences").as_array()) {
        out << Str(s, "id") << "  " << (s.at("active").as_bool() ? "active " : "expired") << "  "
            << Str(s, "starts_at") << " .. " << Str(s, "ends_at") << "  " << Str(s, "matchers")
            << "  by " << Str(s, "created_by") << ": " << Str(s, "comment") << "\n";
      }
    });
  }
  if (sub == "expire") {
    if (id.empty()) {
      err << "usage: rotactl silence expire ID\n";
      return kExitUsage;
    }
    auto v = Call(r, "DELETE", "/api/v1/silences/" + id, "", err);
    if (!v) {
      return kExitFailure;
    }
    return Emit(r, *v, out, [&] { out << "silence " << id << " expired\n"; });
  }
  if (matchers.empty() || by.empty() || (duration.empty() && ends_at.empty())) {
    err << "rotactl silence add: --matcher, --by and --duration or --ends-at are required\n";
    return kExitUsage;
  }
  json::array ms;
  for (const auto& m : matchers) {
    ms.emplace_back(m);
  }
  json::object body{{"matchers", ms}, {"created_by", by}, {"comment", comment}};
  if (!duration.empty()) {
    body["duration"] = duration;
  } else {
    body["ends_at"] = ends_at;
  }
  auto v = Call(r, "POST", "/api/v1/silences", json::serialize(body), err);
  if (!v) {
    return kExitFailure;
  }
  return Emit(r, *v, out, [&] { out << Str(*v, "id") << "\n"; });
}

int Override(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || (args[0] != "add" && args[0] != "ls" && args[0] != "rm")) {
    err << "usage: rotactl override add|ls|rm ...\n";
    return kExitUsage;
  }
  const std::string sub = args[0];
  const Args rest(args.begin() + 1, args.end());
  Remote r;
  po::options_description desc(
      "Usage: rotactl override add --person P [--replaces Q | --team T] --start T --end T [--note "
      "N]\n"
      "       rotactl override ls\n       rotactl override rm ID");
  AddRemoteOptions(desc, r);
  std::string person;
  std::string replaces;
  std::string team;
  std::string start;
  std::string end;
  std::string note;
  std::string id;
  desc.add_options()("person", po::value<std::string>(&person), "who is on duty")(
      "replaces", po::value<std::string>(&replaces), "whom they cover")(
      "team", po::value<std::string>(&team), "add to this team")(
      "start", po::value<std::string>(&start), "RFC 3339, now, now+2h or +2h")(
      "end", po::value<std::string>(&end), "RFC 3339")(
      "note", po::value<std::string>(&note), "why")("id", po::value<std::string>(&id), "");
  po::positional_options_description pos;
  pos.add("id", 1);
  po::variables_map vm;
  if (int rc = ParseArgs(rest, desc, pos, vm, err, "override " + sub); rc != kExitOk) {
    return rc;
  }
  if (sub == "ls") {
    auto v = Call(r, "GET", "/api/v1/overrides", "", err);
    if (!v) {
      return kExitFailure;
    }
    return Emit(r, *v, out, [&] {
      for (const auto& o : v->at("overrides").as_array()) {
        out << Str(o, "id") << "  " << Str(o, "person")
            << (Str(o, "replaces") != "-" ? " replaces " + Str(o, "replaces") : "")
            << (Str(o, "team") != "-" ? " added to " + Str(o, "team") : "") << "  "
            << Str(o, "start") << " .. " << Str(o, "end") << "  (" << Str(o, "source") << ") "
            << Str(o, "note") << "\n";
      }
    });
  }
  if (sub == "rm") {
    if (id.empty()) {
      err << "usage: rotactl override rm ID\n";
      return kExitUsage;
    }
    auto v = Call(r, "DELETE", "/api/v1/overrides/" + id, "", err);
    if (!v) {
      return kExitFailure;
    }
    return Emit(r, *v, out, [&] { out << "override " << id << " removed\n"; });
  }
  if (person.empty() || start.empty() || end.empty()) {
    err << "rotactl override add: --person, --start and --end are required\n";
    return kExitUsage;
  }
  const TimePoint now = SystemClock().Now();
  const auto start_at = CliInstantText(start, "--start", now, err);
  const auto end_at = CliInstantText(end, "--end", now, err);
  if (!start_at || !end_at) {
    return kExitUsage;
  }
  json::object body{{"person", person}, {"start", *start_at}, {"end", *end_at}, {"note", note}};
  if (!replaces.empty()) {
    body["replaces"] = replaces;
  }
  if (!team.empty()) {
    body["team"] = team;
  }
  auto v = Call(r, "POST", "/api/v1/overrides", json::serialize(body), err);
  if (!v) {
    return kExitFailure;
  }
  return Emit(r, *v, out, [&] { out << Str(*v, "id") << "\n"; });
}

int Reroute(const Args& args, std::ostream& out, std::ostream& err) {
  const bool ls = !args.empty() && args[0] == "ls";
  const bool clear = !args.empty() && args[0] == "clear";
  const Args rest = ls || clear ? Args(args.begin() + 1, args.end()) : args;
  Remote r;
  po::options_description desc(
      "Usage: rotactl reroute --team T --to escalation:E [--until T] --reason R [--by NAME]\n"
      "       rotactl reroute ls\n       rotactl reroute clear ID");
  AddRemoteOptions(desc, r);
  std::string team;
  std::string to;
  std::string until;
  std::string reason;
  std::string by;
  std::string id;
  desc.add_options()("team", po::value<std::string>(&team), "whose new alerts")(
      "to", po::value<std::string>(&to), "escalation:NAME")("until", po::value<std::string>(&until),
                                                            "RFC 3339 (default: until cleared)")(
      "reason", po::value<std::string>(&reason), "why (shown on every affected alert)")(
      "by", po::value<std::string>(&by), "author")("id", po::value<std::string>(&id), "");
  po::positional_options_description pos;
  pos.add("id", 1);
  po::variables_map vm;
  if (int rc = ParseArgs(rest, desc, pos, vm, err, "reroute"); rc != kExitOk) {
    return rc;
  }
  if (ls) {
    auto v = Call(r, "GET", "/api/v1/reroutes", "", err);
    if (!v) {
      return kExitFailure;
    }
    return Emit(r, *v, out, [&] {
      for (const auto& x : v->at("reroutes").as_array()) {
        out << Str(x, "id") << "  team " << Str(x, "team") << " -> " << Str(x, "to") << "  until "
            << (x.at("until").is_null() ? std::string("cleared") : Str(x, "until")) << "  by "
            << Str(x, "created_by") << ": " << Str(x, "reason") << "\n";
      }
    });
  }
  if (clear) {
    if (id.empty()) {
      err << "usage: rotactl reroute clear ID\n";
      return kExitUsage;
    }
    auto v = Call(r, "DELETE", "/api/v1/reroutes/" + id, "", err);
    if (!v) {
      return kExitFailure;
    }
    return Emit(r, *v, out, [&] { out << "reroute " << id << " cleared\n"; });
  }
  if (team.empty() || to.empty() || reason.empty() || !id.empty()) {
    err << "rotactl reroute: --team, --to and --reason are required (or: reroute ls, reroute clear "
           "ID)\n";
    return kExitUsage;
  }
  json::object body{{"team", team}, {"to", to}, {"reason", reason}, {"created_by", by}};
  if (!until.empty()) {
    body["until"] = until;
  }
  auto v = Call(r, "POST", "/api/v1/reroutes", json::serialize(body), err);
  if (!v) {
    return kExitFailure;
  }
  return Emit(r, *v, out, [&] { out << Str(*v, "id") << "\n"; });
}

namespace {

// Final states of one delivery (docs/api.md, "deliveries").
bool Finished(const std::string& state) { return state != "pending" && state != "retrying"; }

}  // namespace

int Drill(const Args& args, std::ostream& out, std::ostream& err) {
  Remote r;
  std::vector<std::string> labels;
  std::string timeout_text = "30s";
  po::options_description desc(
      "Usage: rotactl drill [--label name=value ...] [--timeout 30s] [--dry-run]\n"
      "Sends a synthetic alert through rotad (alertname=RotaDrill plus the labels). This PAGES\n"
      "REAL PEOPLE: whoever is on duty for the matching route, through their real contacts.\n"
      "Waits up to --timeout for every notification's outcome (delivered, retrying, failed),\n"
      "prints who got it when (or until when it is held, and for whom), then resolves it.\n"
      "Exits 0 only if every notification was delivered. --dry-run pages nobody: it shows\n"
      "who would be paged now, and when.");
  AddRemoteOptions(desc, r);
  bool dry_run = false;
  desc.add_options()("label", po::value<std::vector<std::string>>(&labels), "name=value")(
      "timeout", po::value<std::string>(&timeout_text)->default_value("30s"),
      "how long to wait for the deliveries' outcome")("dry-run", po::bool_switch(&dry_run),
                                                      "page nobody: show who would be paged");
  po::variables_map vm;
  if (int rc = ParseArgs(args, desc, {}, vm, err, "drill"); rc != kExitOk) {
    return rc;
  }
  const auto timeout = ParseDuration(timeout_text);
  if (!timeout) {
    err << "rotactl drill: --timeout: " << timeout.error().message() << "\n";
    return kExitUsage;
  }
  const auto now = SystemClock().Now();
  json::object ls{{"alertname", "RotaDrill"},
                  {"drill_id", std::to_string(now.time_since_epoch().count())}};
  for (const auto& l : labels) {
    const auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << "rotactl drill: --label takes name=value, got " << Quote(l) << "\n";
      return kExitUsage;
    }
    ls[l.substr(0, eq)] = l.substr(eq + 1);
  }
  const std::string event = json::serialize(
      json::object{{"labels", ls}, {"annotations", json::object{{"summary", "rota drill"}}}});
  if (dry_run) {
    auto v = Call(r, "POST", "/api/v1/events/dry-run", event, err);
    if (!v) {
      return kExitFailure;
    }
    const auto& a = v->at("alerts").as_array().at(0);
    const std::string status = Str(a, "status");
    if (r.output == "json") {
      out << json::serialize(*v) << "\n";
    } else {
      out << "dry run: nobody is paged\n";
      if (status == "notified") {
        out << "would page " << Str(a, "notified") << " at " << Str(a, "at") << "\n";
      } else if (status == "held") {
        out << "nobody on duty: would be held until " << Str(a, "held_until") << " for "
            << Str(a, "next_on_duty") << "\n";
      } else {
        out << "status: " << status << "\n";
      }
    }
    return status == "notified" ? kExitOk : kExitFailure;
  }
  err << "rotactl drill: this pages real people (their real contacts); --dry-run shows who without "
         "paging\n";
  auto v = Call(r, "POST", "/api/v1/events", event, err);
  if (!v) {
    return kExitFailure;
  }
  const auto& a = v->at("alerts").as_array().at(0);
  const std::string id = Str(a, "id");
  std::string status = Str(a, "status");
  // Wait for the outcome: grouped becomes notified (or held); each contact
  // of each person told becomes delivered or failed, or stays retrying.
  std::optional<json::value> detail;
  const auto deadline = std::chrono::steady_clock::now() + *timeout;
  for (;;) {
    detail = Call(r, "GET", "/api/v1/alerts/" + id, "", err);
    if (!detail) {
      break;
    }
    status = Str(*detail, "status");
    bool done = status != "grouped";
    if (status == "notified" || status == "acknowledged") {
      const auto& deliveries = detail->at("deliveries").as_array();
      done = !deliveries.empty();
      for (const auto& d : deliveries) {
        if (d.as_object().contains("after_s")) {
          continue;  // a delayed contact: not part of the drill (the resolve skips it)
        }
        done = done && Finished(Str(d, "state"));
      }
    }
    if (done || std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  (void)Call(r, "POST", "/api/v1/alerts/" + id + "/resolve",
             json::serialize(json::object{{"by", "rotactl drill"}, {"comment", "drill over"}}),
             err);
  bool all_delivered = false;
  if (detail && (status == "notified" || status == "acknowledged")) {
    all_delivered = true;
    bool any = false;
    for (const auto& d : detail->at("deliveries").as_array()) {
      if (!d.as_object().contains("after_s")) {
        any = true;
        all_delivered = all_delivered && Str(d, "state") == "delivered";
      }
    }
    all_delivered = all_delivered && any;
  }
  if (r.output == "json") {
    out << json::serialize(json::object{{"answer", a},
                                        {"alert", detail ? *detail : json::value(nullptr)},
                                        {"delivered", all_delivered}})
        << "\n";
  } else {
    out << "drill alert " << id << " " << json::serialize(ls) << "\n";
    if (status == "held") {
      const json::value& held = detail ? *detail : a;
      out << "nobody on duty: held until " << Str(held, "held_until") << " for "
          << Str(held, "next_on_duty") << " (nobody was paged)\n";
    } else if (detail && (status == "notified" || status == "acknowledged")) {
      out << "notified " << Str(*detail, "notified") << "\n";
      for (const auto& d : detail->at("deliveries").as_array()) {
        const std::string state = Str(d, "state");
        out << "  " << Str(d, "person") << " via " << Str(d, "channel") << ": " << state;
        if (d.as_object().contains("after_s")) {
          out << " (a contact with after: " << Str(d, "after_s") << "s; not waited for)";
        } else if (state == "pending" || state == "retrying") {
          out << " (no outcome within " << timeout_text << ")";
        }
        if (Str(d, "detail") != "-" && !Str(d, "detail").empty()) {
          out << " [" << Str(d, "detail") << "]";
        }
        if (Str(d, "at") != "-") {
          out << " at " << Str(d, "at");
        }
        out << "\n";
        if (Str(d, "person").starts_with("channel:")) {
          out << "  " << Str(d, "person")
              << " is a channel: no hours (the one explicit exception to hours are law)\n";
        }
      }
    } else {
      out << "status: " << status << "\n";
    }
    if (detail) {
      out << "\n";
      for (const auto& e : detail->at("timeline").as_array()) {
        out << Str(e, "at") << "  " << Str(e, "what") << "\n";
      }
    }
    out << "(resolved the drill alert)\n";
    out << (all_delivered ? "drill passed: every notification was delivered\n"
                          : "drill FAILED: not every notification was delivered\n");
  }
  return all_delivered ? kExitOk : kExitFailure;
}

int Report(const Args& args, std::ostream& out, std::ostream& err) {
  Remote r;
  std::string team;
  std::string from;
  std::string to;
  po::options_description desc(
      "Usage: rotactl report --team T [--from RFC3339] [--to RFC3339] [-o text|json|csv|html]\n"
      "(default: the 28 days before --to, which defaults to now)");
  AddRemoteOptions(desc, r);
  desc.add_options()("team", po::value<std::string>(&team)->required(), "the team")(
      "from", po::value<std::string>(&from), "start of the period")(
      "to", po::value<std::string>(&to), "end of the period (default: now)");
  po::variables_map vm;
  if (int rc = ParseArgs(args, desc, {}, vm, err, "report"); rc != kExitOk) {
    return rc;
  }
  if (r.output != "text" && r.output != "json" && r.output != "csv" && r.output != "html") {
    err << "rotactl report: -o must be text, json, csv or html\n";
    return kExitUsage;
  }
  std::string target = "/api/v1/report?team=" + http::PercentEncode(team);
  const TimePoint now = SystemClock().Now();
  for (auto* t : {&from, &to}) {
    if (!t->empty()) {
      auto text = CliInstantText(*t, t == &from ? "--from" : "--to", now, err);
      if (!text) {
        return kExitUsage;
      }
      *t = *text;
    }
  }
  if (!from.empty()) {
    target += "&from=" + http::PercentEncode(from);
  }
  if (!to.empty()) {
    target += "&to=" + http::PercentEncode(to);
  }
  if (r.output == "html") {
    // The console's report page as a file of its own: styles inlined, no script.
    const std::string page = "/ui/report" + target.substr(target.find('?')) + "&standalone=1";
    auto html = CallRaw(r, "GET", page, "", err);
    if (!html) {
      return kExitFailure;
    }
    out << *html;
    return kExitOk;
  }
  if (r.output == "csv") {
    auto csv = CallRaw(r, "GET", target + "&format=csv", "", err);
    if (!csv) {
      return kExitFailure;
    }
    out << *csv;
    return kExitOk;
  }
  auto v = Call(r, "GET", target, "", err);
  if (!v) {
    return kExitFailure;
  }
  return Emit(r, *v, out, [&] {
    const auto stats = [&](const json::value& s) {
      std::ostringstream o;
      o << Str(s, "count") << " alerts, p50 " << Str(s, "p50_s") << " s, p90 " << Str(s, "p90_s")
        << " s, max " << Str(s, "max_s") << " s";
      return o.str();
    };
    const auto& cov = v->at("coverage");
    out << "team " << Str(*v, "team") << ", " << Str(*v, "from") << " to " << Str(*v, "to") << "\n"
        << "alerts            " << Str(*v, "alerts") << " (" << Str(v->at("in_hours"), "alerts")
        << " while someone was on duty)\n"
        << "time to seen      " << stats(v->at("time_to_seen")) << "\n"
        << "  in hours        " << stats(v->at("in_hours").at("time_to_seen")) << "\n"
        << "  held            " << stats(v->at("held").at("time_to_seen")) << "\n"
        << "time to ack       " << stats(v->at("time_to_ack")) << "\n"
        << "held              " << Str(v->at("held"), "alerts") << " alerts, "
        << Str(v->at("held"), "total_s") << " s in all, longest " << Str(v->at("held"), "max_s")
        << " s; resolved while held " << Str(v->at("held"), "resolved_while_held") << ", dropped "
        << Str(v->at("held"), "dropped") << ", capped by max_hold " << Str(v->at("held"), "capped")
        << "\n"
        << "escalated beyond step 1 " << Str(*v, "escalated_beyond_first_step")
        << ", failed notifications " << Str(*v, "failed_notifications") << ", refused off duty "
        << Str(*v, "refused_off_duty") << "\n"
        << "support hours     " << Str(cov, "covered_s") << " of " << Str(cov, "support_hours_s")
        << " s covered (" << Percent(cov) << "), " << cov.at("gaps").as_array().size() << " gaps\n";
    out << "\nfit: one more covered hour (team's clock) and the held time it would have saved\n";
    for (const auto& f : v->at("fit").as_array()) {
      out << "  " << std::left << std::setw(10) << Str(f, "weekday") << std::right << std::setw(2)
          << Str(f, "hour") << ":00  " << Str(f, "held_s_saved") << " s\n";
    }
    if (v->at("fit").as_array().empty()) {
      out << "  none: nothing was held\n";
    }
    out << "\ndrills\n";
    for (const auto& d : v->at("drills").as_array()) {
      out << "  alert " << Str(d, "alert") << " at " << Str(d, "at") << ", seen after "
          << Str(d, "time_to_seen_s") << " s\n";
    }
    if (v->at("drills").as_array().empty()) {
      out << "  none\n";
    }
  });
}

}  // namespace rota::cli
