// Config loading: every error kind with its file:line:col, all errors at
// once, rule files, secrets, defaults. Configs are embedded as raw strings
// and written to a fresh temporary directory per test.
#include "config/loader.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "../test_util.h"
#include "config/file.h"

namespace fs = std::filesystem;
using rota::config::kMaxConfigFileBytes;
using rota::config::Load;
using rota::config::LoadResult;
using rota::config::ReadConfigFile;
using rota::testing::TempDir;

namespace {

// A minimal valid base the error tests extend.
constexpr const char* kBase = R"(channels:
  - {name: hooks, type: webhook, url: "http://127.0.0.1:8099/notify"}
  - {name: console, type: log}
time_intervals:
  - name: berlin-mornings
    time_intervals:
      - weekdays: ['monday:thursday']
        times: [{start_time: '09:00', end_time: '13:00'}]
people:
  - id: alice
    timezone: Europe/Berlin
    hours: [berlin-mornings]
    contacts: [{channel: hooks, to: alice}]
  - id: bob
    hours:
      - times: [{start_time: '22:00', end_time: '06:00'}]
    contacts: [{channel: console, to: bob}]
teams:
  - id: payments
    members: [alice, bob]
routes:
  - name: payments-pages
    matchers: ['service="payments"', 'severity=~"critical|page"']
    group_by: [alertname]
    escalation: payments
escalations:
  - name: payments
    steps:
      - {notify: ['team:payments'], escalate_after: 15m}
      - {notify: ['person:alice']}
    repeat: 1
)";

// Loads `text` as rota.yaml; returns the result and "line:col: message" lines.
struct Loaded {
  LoadResult result;
  std::vector<std::string> errors;  // "line:col: message", file name stripped
  std::vector<std::string> files;   // file of each error
};

Loaded LoadText(const TempDir& dir, const std::string& text,
                const std::map<std::string, std::string>& extra = {}) {
  for (const auto& [name, body] : extra) {
    dir.Write(name, body);
  }
  const std::string path = dir.Write("rota.yaml", text);
  Loaded out{Load(path), {}, {}};
  for (const auto& d : out.result.errors) {
    out.errors.push_back(std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " +
                         d.message);
    out.files.push_back(fs::path(d.pos.file).filename().string());
  }
  return out;
}

bool HasError(const Loaded& l, const std::string& pos, const std::string& fragment) {
  for (const auto& e : l.errors) {
    if (e.starts_with(pos + ": ") && e.find(fragment) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string AllErrors(const Loaded& l) {
  std::string s;
  for (const auto& e : l.errors) {
    s += e + "\n";
  }
  return s;
}

}  // namespace

TEST_CASE("the base config loads with its defaults and references resolved") {
  TempDir dir;
  auto l = LoadText(dir, kBase);
  INFO(AllErrors(l));
  REQUIRE(l.result.ok());
  const auto& c = *l.result.config;
  CHECK(c.global.timezone == "UTC");
  CHECK(c.server.listen == "127.0.0.1:9095");
  CHECK(c.server.max_connections == 1024);
  CHECK(c.storage.dir == "./var");
  CHECK(c.global.external_url == "http://127.0.0.1:9095");
  REQUIRE(c.people.size() == 2);
  CHECK(c.people[0].zone != nullptr);
  CHECK(c.people[0].hours.names == std::vector<std::string>{"berlin-mornings"});
  CHECK(c.people[0].hours.intervals.size() == 1);
  CHECK(c.people[1].timezone == "UTC");  // global default
  CHECK(c.people[1].hours.intervals.at(0).times.at(0).Wraps());
  REQUIRE(c.routes.size() == 1);
  CHECK(c.routes[0].matchers.size() == 2);
  CHECK(c.routes[0].group_wait == std::chrono::seconds(30));
  REQUIRE(c.escalations.size() == 1);
  CHECK(c.escalations[0].steps[0].escalate_after == std::chrono::minutes(15));
  CHECK(c.escalations[0].steps[1].escalate_after == std::chrono::minutes(30));
  CHECK(c.escalations[0].repeat == 1);
  CHECK(c.hash != 0);
  CHECK(l.result.warnings.empty());
}

TEST_CASE("YAML syntax errors name line and column") {
  TempDir dir;
  auto l = LoadText(dir, "people:\n  - id: alice\n    name: [unclosed\n");
  REQUIRE(l.errors.size() == 1);
  CHECK(l.errors[0].find("YAML syntax error") != std::string::npos);
  CHECK(l.errors[0].starts_with("4:"));
  CHECK(l.files[0] == "rota.yaml");
}

TEST_CASE("a missing file is one error naming it") {
  auto r = Load("/nonexistent/rota.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].ToString().starts_with("/nonexistent/rota.yaml:1:1: cannot read"));
  CHECK(r.config == nullptr);
}

TEST_CASE("unknown keys are errors at the key, listing what is allowed") {
  TempDir dir;
  auto l = LoadText(dir, std::string(kBase) + "serverr:\n  listen: x\n");
  CHECK(HasError(l, "32:1", "unknown key \"serverr\" in the config file (expected one of: global"));
  auto p = LoadText(dir, R"(people:
  - id: alice
    hourz: []
)");
  CHECK(HasError(p, "3:5", "unknown key \"hourz\" in a person (expected one of: id, name,"));
}

TEST_CASE("duplicate keys in one map are errors") {
  TempDir dir;
  auto l = LoadText(dir, "global:\n  timezone: UTC\n  timezone: Europe/Berlin\n");
  CHECK(HasError(l, "3:3", "duplicate key \"timezone\" in global"));
}

TEST_CASE("wrong types are errors saying what was expected") {
  TempDir dir;
  auto l = LoadText(dir, R"(people: {id: alice}
teams:
  - id: t
    members: alice
server:
  max_request_bytes: lots
escalations:
  - name: e
    repeat: twice
    steps: [{notify: ['person:x']}]
routes:
  - name: r
    escalation: e
    continue: maybe
)");
  INFO(AllErrors(l));
  CHECK(HasError(l, "1:9", "expected people to be a list, got a map"));
  CHECK(HasError(l, "4:14", "expected members to be a list, got a scalar"));
  CHECK(HasError(l, "6:22", "expected max_request_bytes to be a whole number, got \"lots\""));
  CHECK(HasError(l, "9:13", "expected repeat to be a whole number"));
  CHECK(HasError(l, "14:15", "expected continue to be true or false, got \"maybe\""));
}

TEST_CASE("server.max_connections takes 1 to 1000000") {
  TempDir dir;
  auto ok = LoadText(dir, "server:\n  max_connections: 16\n");
  INFO(AllErrors(ok));
  REQUIRE(ok.result.ok());
  CHECK(ok.result.config->server.max_connections == 16);
  auto zero = LoadText(dir, "server:\n  max_connections: 0\n");
  CHECK(HasError(zero, "2:20", "max_connections must be between 1 and 1000000, got 0"));
}

TEST_CASE("server.tls reads its PEM files relative to the config and checks its keys") {
  TempDir dir;
  const std::string cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const std::string key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
  auto ok = LoadText(dir,
                     "server:\n  listen: 127.0.0.1:9443\n  tls:\n    cert_file: tls/c.pem\n"
                     "    key_file: tls/k.pem\n    client_ca_file: tls/ca.pem\n"
                     "    client_auth: require\n",
                     {{"tls/c.pem", cert}, {"tls/k.pem", key}, {"tls/ca.pem", cert}});
  INFO(AllErrors(ok));
  REQUIRE(ok.result.ok());
  const auto& tls = ok.result.config->server.tls;
  REQUIRE(tls.has_value());
  CHECK(tls->cert_file == (fs::path(dir.path()) / "tls/c.pem").string());
  CHECK(tls->cert_pem == cert);
  CHECK(tls->key_pem.Reveal() == key);
  CHECK(tls->client_ca_pem == cert);
  CHECK(tls->client_auth == rota::config::ClientAuth::kRequire);
  CHECK(tls->pos.line == 4);
  // With TLS the default external URL is https.
  CHECK(ok.result.config->global.external_url == "https://127.0.0.1:9443");

  auto plain = LoadText(dir, "server:\n  listen: 127.0.0.1:9443\n");
  REQUIRE(plain.result.ok());
  CHECK_FALSE(plain.result.config->server.tls.has_value());

  auto bad = LoadText(dir, R"(server:
  tls:
    cert_file: tls/missing.pem
    client_auth: sometimes
)");
  INFO(AllErrors(bad));
  CHECK(HasError(bad, "3:5", "server.tls is missing required key \"key_file\""));
  CHECK(HasError(bad, "3:16", "missing.pem"));
  CHECK(HasError(bad, "4:18", "client_auth must be none or require, got \"sometimes\""));

  auto not_pem = LoadText(dir, "server:\n  tls: {cert_file: tls/k.txt, key_file: tls/k.pem}\n",
                          {{"tls/k.txt", "just text\n"}});
  CHECK(HasError(not_pem, "2:20", "holds no PEM block"));

  auto require_alone = LoadText(dir,
                                "server:\n  tls: {cert_file: tls/c.pem, key_file: tls/k.pem, "
                                "client_auth: require}\n");
  CHECK(HasError(require_alone, "2:8", "client_auth: require needs client_ca_file"));
  auto ca_alone = LoadText(dir,
                           "server:\n  tls: {cert_file: tls/c.pem, key_file: tls/k.pem, "
                           "client_ca_file: tls/ca.pem}\n");
  CHECK(HasError(ca_alone, "2:68", "client_ca_file is used only with client_auth: require"));
  auto unknown = LoadText(dir,
                          "server:\n  tls: {cert_file: tls/c.pem, key_file: tls/k.pem, "
                          "min_version: TLS13}\n");
  CHECK(HasError(unknown, "2:52", "min_version"));
}

TEST_CASE("bad durations are errors at the value") {
  TempDir dir;
  auto l = LoadText(dir, R"(server:
  read_timeout: 5 minutes
escalations:
  - name: e
    steps:
      - {notify: ['person:a'], escalate_after: 15}
people: [{id: a}]
routes:
  - {name: r, escalation: e, group_wait: 1h1h}
)");
  INFO(AllErrors(l));
  CHECK(HasError(l, "2:17", "read_timeout: not a valid duration: \"5 minutes\""));
  CHECK(HasError(l, "6:48", "escalate_after: not a valid duration: \"15\""));
  CHECK(HasError(l, "9:42", "group_wait: not a valid duration: \"1h1h\""));
}

TEST_CASE("unknown references are errors at the reference") {
  TempDir dir;
  auto l = LoadText(dir, R"(channels: [{name: hooks, type: log}]
people:
  - id: alice
    hours: [nights]
    contacts: [{channel: pager, to: alice}]
teams:
  - {id: payments, members: [alice, zed], support_hours: [weekdays]}
routes:
  - name: r
    escalation: missing
    mute_time_intervals: [holidays]
escalations:
  - name: e
    steps: [{notify: ['person:nobody', 'team:ghosts', 'team:payments']}]
)");
  INFO(AllErrors(l));
  CHECK(HasError(l, "4:13", "unknown time interval \"nights\""));
  CHECK(HasError(l, "5:26", "person \"alice\": unknown channel \"pager\""));
  CHECK(HasError(l, "7:37", "team \"payments\": unknown person \"zed\""));
  CHECK(HasError(l, "7:59", "unknown time interval \"weekdays\""));
  CHECK(HasError(l, "10:17", "route \"r\": unknown escalation \"missing\""));
  CHECK(HasError(l, "11:27", "unknown time interval \"holidays\""));
  CHECK(HasError(l, "14:23", "escalation \"e\": unknown person \"nobody\""));
  CHECK(HasError(l, "14:40", "escalation \"e\": unknown team \"ghosts\""));
  CHECK(l.errors.size() == 8);
}

TEST_CASE("duplicate ids are errors naming the first definition") {
  TempDir dir;
  auto l = LoadText(dir, R"(people:
  - id: alice
  - id: bob
  - id: alice
channels:
  - {name: c, type: log}
  - {name: c, type: log}
)");
  INFO(AllErrors(l));
  CHECK(HasError(l, "4:5", "duplicate person id \"alice\" (first defined at "));
  CHECK(HasError(l, "4:5", "rota.yaml:2:5)"));
  CHECK(HasError(l, "7:5", "duplicate channel name \"c\""));
}

TEST_CASE("every error is reported at once, not just the first") {
  TempDir dir;
  auto l = LoadText(dir, R"(global: {timezone: Mars/Base}
people:
  - {id: "bad id!", timezone: Nowhere/Land}
  - {id: ok, unknown: 1}
time_intervals:
  - name: t
    time_intervals:
      - weekdays: [funday]
        times: [{start_time: '25:00', end_time: '26:00'}]
        days_of_month: ['0']
        months: [smarch]
        years: ['2028:2026']
)");
  INFO(AllErrors(l));
  CHECK(HasError(l, "1:20", "unknown time zone \"Mars/Base\""));
  CHECK(HasError(l, "3:10", "person id \"bad id!\" must start with a letter or digit"));
  CHECK(HasError(l, "3:31", "unknown time zone \"Nowhere/Land\""));
  CHECK(HasError(l, "4:14", "unknown key \"unknown\""));
  CHECK(HasError(l, "8:20", "funday is not a valid weekday"));
  CHECK(HasError(l, "9:17", "couldn't parse timestamp 25:00"));
  CHECK(HasError(l, "10:25", "0 is not a valid day of the month"));
  CHECK(HasError(l, "11:18", "smarch is not a valid month"));
  CHECK(HasError(l, "12:17", "end year 2026 is before start year 2028"));
  CHECK(l.errors.size() == 9);
  CHECK(l.result.config == nullptr);
}

TEST_CASE("required keys and bad values of sections") {
  TempDir dir;
  auto l = LoadText(dir, R"(server: {listen: "localhost"}
global: {external_url: "ftp://x"}
channels:
  - {type: webhook, url: "http://x"}
  - {name: w, type: webhook}
  - {name: s, type: carrier-pigeon}
  - {name: m, type: email, from: a@b, smarthost: nohost, url: "http://x"}
escalations:
  - {name: e, steps: []}
  - name: f
    when_nobody_on_duty: panic
    steps: [{notify: ['rotation:x']}]
routes:
  - {name: r, escalation: e, matchers: ['sev=~"("'], group_by: ['...', 'x']}
)");
  INFO(AllErrors(l));
  CHECK(HasError(l, "1:18", "listen must be host:port"));
  CHECK(HasError(l, "2:24", "external_url must start with http:// or https://"));
  CHECK(HasError(l, "4:5", "channel is missing required key \"name\""));
  CHECK(HasError(l, "5:5", "missing url or url_file"));
  CHECK(HasError(l, "6:21", "unknown channel type \"carrier-pigeon\""));
  CHECK(HasError(l, "7:50", "smarthost must be host:port"));
  CHECK(HasError(l, "7:63",
                 "key \"url\" is only for webhook, slack, mattermost, msteams, ntfy, pagerduty and "
                 "opsgenie channels, not email"));
  CHECK(HasError(l, "9:22", "an escalation needs at least one step"));
  CHECK(HasError(l, "11:26", "when_nobody_on_duty must be hold, next or drop"));
  CHECK(HasError(l, "12:23", "unknown target \"rotation:x\""));
  CHECK(HasError(l, "14:41", "invalid regular expression"));
  CHECK(HasError(l, "14:64", "group_by: '...' groups by all labels"));
}

TEST_CASE("routes take Alertmanager's matchers: several per line, quoted and UTF-8 names") {
  TempDir dir;
  auto l = LoadText(dir, R"(people: [{id: a}]
escalations: [{name: e, steps: [{notify: ['person:a']}]}]
routes:
  - name: r
    escalation: e
    matchers: ['{"service.name"=~"api|web"}', 'severity=page,env!=dev']
    group_by: [service.name, k8s-pod]
)");
  INFO(AllErrors(l));
  REQUIRE(l.result.ok());
  const auto& route = l.result.config->routes.at(0);
  REQUIRE(route.matchers.size() == 3);
  CHECK(route.matchers[0].name() == "service.name");
  CHECK(route.matchers[2].name() == "env");
  CHECK(route.group_by == std::vector<std::string>{"service.name", "k8s-pod"});
}

TEST_CASE("time_off takes inclusive dates or instants") {
  TempDir dir;
  auto l = LoadText(dir, R"(people:
  - id: alice
    time_off:
      - {start: 2026-12-24, end: 2027-01-02}
      - {start: "2026-11-23T09:00:00Z", end: "2026-11-23T12:00:00+01:00", reason: dentist}
  - id: bob
    time_off:
      - {start: 2027-01-02, end: 2026-12-24}
      - {start: 2026-02-30, end: 2026-03-01}
      - {start: "2026-11-23T09:00:00Z", end: "2026-11-23T08:00:00Z"}
)");
  INFO(AllErrors(l));
  CHECK(HasError(l, "8:34", "time_off end 2026-12-24 is before start 2027-01-02"));
  CHECK(HasError(l, "9:17", "not a valid calendar date"));
  CHECK(HasError(l, "10:46", "is not after start"));
  CHECK(l.errors.size() == 3);
}

TEST_CASE("rule_files globs load routes and escalations relative to the config") {
  TempDir dir;
  auto l = LoadText(
      dir, R"(people: [{id: dave}]
teams: [{id: db, members: [dave]}]
rule_files: ['rules.d/*.yaml', {glob: 'missing/*.yaml', optional: true}]
)",
      {{"rules.d/b.yaml", "routes:\n  - {name: b, escalation: db}\n"},
       {"rules.d/a.yaml", "escalations:\n  - {name: db, steps: [{notify: ['team:db']}]}\n"},
       {"rules.d/notes.txt", "not yaml: ["}});
  INFO(AllErrors(l));
  REQUIRE(l.result.ok());
  const auto& c = *l.result.config;
  REQUIRE(c.rule_files.size() == 2);
  CHECK(fs::path(c.rule_files[0]).filename() == "a.yaml");
  CHECK(c.routes.at(0).name == "b");
  REQUIRE(l.result.warnings.size() == 1);
  CHECK(l.result.warnings[0].message.find("missing/*.yaml") != std::string::npos);
}

TEST_CASE("hostile rule files are errors naming the path, never a crash or a hang") {
  TempDir dir;
  const std::string r = dir.path() + "/r";
  fs::create_directories(r + "/sub.yaml");  // a directory the glob matches
  fs::create_symlink(r + "/loop-b.yaml", r + "/loop-a.yaml");
  fs::create_symlink(r + "/loop-a.yaml", r + "/loop-b.yaml");
  fs::create_symlink("/dev/zero", r + "/zero.yaml");
  REQUIRE(::mkfifo((r + "/fifo.yaml").c_str(), 0600) == 0);
  auto l = LoadText(dir, "rule_files: ['r/*.yaml']\n");
  INFO(AllErrors(l));
  CHECK_FALSE(l.result.ok());
  CHECK(HasError(l, "1:14", r + "/fifo.yaml: a FIFO, only regular files are read"));
  CHECK(HasError(l, "1:14", r + "/sub.yaml: a directory, only regular files are read"));
  CHECK(HasError(l, "1:14", r + "/zero.yaml: a character device"));
  CHECK(HasError(l, "1:14", r + "/loop-a.yaml: Too many levels of symbolic links"));
  CHECK(HasError(l, "1:14", r + "/loop-b.yaml: Too many levels of symbolic links"));
}

TEST_CASE("a rule file over the size limit is an error naming it") {
  TempDir dir;
  const std::string big = dir.Write("r/big.yaml", std::string(kMaxConfigFileBytes + 1, '#'));
  auto l = LoadText(dir, "rule_files: ['r/*.yaml']\n");
  INFO(AllErrors(l));
  CHECK(HasError(l, "1:14", big + ": 16777217 bytes, over the limit of 16 MiB per file"));
  auto ok = ReadConfigFile(big, kMaxConfigFileBytes + 1);
  REQUIRE(ok.has_value());
  CHECK(ok->size() == kMaxConfigFileBytes + 1);
}

TEST_CASE("a main config that is not a regular file is one error") {
  TempDir dir;
  const std::string fifo = dir.path() + "/rota.yaml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto result = Load(fifo);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].ToString() ==
        fifo + ":1:1: cannot read " + fifo + ": a FIFO, only regular files are read");
}

TEST_CASE("errors in rule files name the rule file") {
  TempDir dir;
  auto l = LoadText(dir, "rule_files: ['r/*.yaml']\n",
                    {{"r/x.yaml", "routes:\n  - name: x\n    escalation: nope\n    bogus: 1\n"},
                     {"r/y.yaml", "people: []\n"}});
  INFO(AllErrors(l));
  REQUIRE(l.errors.size() == 3);
  CHECK(HasError(l, "4:5", "unknown key \"bogus\" in a route"));
  CHECK(HasError(l, "3:17", "route \"x\": unknown escalation \"nope\""));
  CHECK(HasError(l, "1:1",
                 "unknown key \"people\" in a rule file (expected one of: routes, escalations, "
                 "inhibit_rules)"));
  CHECK(l.files[0] == "x.yaml");
}

TEST_CASE("duplicate names across files are caught") {
  TempDir dir;
  auto l = LoadText(dir, R"(people: [{id: a}]
escalations: [{name: e, steps: [{notify: ['person:a']}]}]
rule_files: ['r.yaml']
)",
                    {{"r.yaml", "escalations: [{name: e, steps: [{notify: ['person:a']}]}]\n"}});
  REQUIRE(l.errors.size() == 1);
  CHECK(l.files[0] == "r.yaml");
  CHECK(l.errors[0].find("duplicate escalation name \"e\" (first defined at ") !=
        std::string::npos);
}

TEST_CASE("secrets come from *_file keys, relative to the config, trimmed") {
  TempDir dir;
  dir.Write("secrets/slack", "https://hooks.slack.example/T000/B000/XXXX\n");
  dir.Write("secrets/token", "s3cr3t\n");
  auto l = LoadText(dir, R"(channels:
  - {name: s, type: slack, url_file: secrets/slack}
  - {name: w, type: webhook, url: "http://x/", bearer_token_file: secrets/token,
     headers: {X-Team: payments}}
  - {name: gone, type: slack, url_file: secrets/nothing}
  - {name: both, type: slack, url: "http://a", url_file: secrets/slack}
)");
  INFO(AllErrors(l));
  CHECK(HasError(l, "5:41", "cannot read "));
  CHECK(HasError(l, "6:58", "set either url or url_file, not both"));
  REQUIRE(l.errors.size() == 2);

  auto ok = LoadText(dir, R"(channels:
  - {name: s, type: slack, url_file: secrets/slack}
  - {name: w, type: webhook, url: "http://x/", bearer_token_file: secrets/token,
     headers: {X-Team: payments}}
)");
  REQUIRE(ok.result.ok());
  const auto& c = *ok.result.config;
  CHECK(c.channels[0].url.Reveal() == "https://hooks.slack.example/T000/B000/XXXX");
  CHECK(c.channels[1].bearer_token.Reveal() == "s3cr3t");
  CHECK(c.channels[1].headers.at("X-Team") == "payments");
}

TEST_CASE("a bad url from a secret file never shows the secret") {
  TempDir dir;
  dir.Write("secret", "hunter2-token\n");
  auto l = LoadText(dir, "channels: [{name: s, type: slack, url_file: secret}]\n");
  REQUIRE(l.errors.size() == 1);
  CHECK(l.errors[0].find("url must start with http") != std::string::npos);
  CHECK(l.errors[0].find("hunter2") == std::string::npos);
}

TEST_CASE("the config hash changes with any loaded file") {
  TempDir dir;
  auto a = LoadText(dir, "rule_files: ['r.yaml']\n", {{"r.yaml", "routes: []\n"}});
  auto b = LoadText(dir, "rule_files: ['r.yaml']\n", {{"r.yaml", "routes: []\n# changed\n"}});
  REQUIRE(a.result.ok());
  REQUIRE(b.result.ok());
  CHECK(a.result.config->hash != b.result.config->hash);
}

TEST_CASE("the example config in rules/ loads cleanly") {
  auto r = Load(std::string(ROTA_SOURCE_DIR) + "/rules/rota.yaml");
  std::string all;
  for (const auto& e : r.errors) {
    all += e.ToString() + "\n";
  }
  INFO(all);
  REQUIRE(r.ok());
  CHECK(r.warnings.empty());
  CHECK(r.config->people.size() >= 3);
  CHECK_FALSE(r.config->routes.empty());
}

TEST_CASE("teams: page, rotation, required_coverage; overrides: references and times") {
  TempDir dir;
  auto l = LoadText(dir, R"(people: [{id: a}, {id: b}]
teams:
  - {id: t1, members: [a], page: one}
  - {id: t2, members: [a, b], page: some}
  - id: t3
    members: [a, b]
    page: one
    rotation: {order: [a, z, a], shift_length: 0s, start: 'monday 9am'}
    required_coverage: {level: loud, weeks: 99}
  - {id: t4, members: [a], rotation: {start: '2026-01-05T09:00'}}
overrides:
  - {person: a, replaces: a, start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z'}
  - {person: a, replaces: b, team: t1, start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z'}
  - {person: ghost, start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z'}
  - {person: a, team: t9, start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z'}
  - {person: b, team: t9, start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z'}
)");
  INFO(AllErrors(l));
  CHECK(HasError(l, "3:34", "team \"t1\": page: one needs a rotation"));
  CHECK(HasError(l, "4:37", "page must be all or one, got \"some\""));
  CHECK(HasError(l, "8:48", "shift_length must be at least 1m"));
  CHECK(HasError(l, "8:59", "rotation start must be a wall-clock date and time"));
  CHECK(HasError(l, "9:32", "required_coverage level must be off, warning or error"));
  CHECK(HasError(l, "9:45", "weeks must be between 1 and 52"));
  CHECK(HasError(l, "10:38", "a rotation only applies with page: one"));
  CHECK(HasError(l, "12:27", "a person cannot replace themself"));
  CHECK(HasError(l, "13:36", "either replaces a person or adds one to a team"));
  CHECK(HasError(l, "14:5", "override: unknown person \"ghost\""));
  CHECK(HasError(l, "15:63", "override end 2026-01-01T00:00:00Z is not after start"));
  CHECK(HasError(l, "16:5", "override: unknown team \"t9\""));
  CHECK(HasError(l, "8:27", "rotation names \"z\", who is not a member"));
  CHECK(HasError(l, "8:30", "rotation lists \"a\" twice"));
}

TEST_CASE("team defaults: zone from global, rotation order from members") {
  TempDir dir;
  auto l = LoadText(dir, R"(global: {timezone: Asia/Kolkata}
people: [{id: a}, {id: b}]
teams:
  - {id: t, members: [b, a], page: one, rotation: {start: '2026-01-05T09:00'}}
overrides:
  - {person: a, replaces: b, start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00+01:00', note: x}
)");
  INFO(AllErrors(l));
  REQUIRE(l.result.ok());
  const auto& t = l.result.config->teams.at(0);
  CHECK(t.timezone == "Asia/Kolkata");
  REQUIRE(t.rotation.has_value());
  CHECK(t.rotation->order == std::vector<std::string>{"b", "a"});
  CHECK(t.rotation->timezone == "Asia/Kolkata");
  CHECK(t.rotation->shift_length == std::chrono::hours(24 * 7));
  CHECK(t.required_coverage.weeks == 4);
  REQUIRE(l.result.config->overrides.size() == 1);
  CHECK(l.result.config->overrides[0].id == "config-1");
  CHECK(l.result.config->overrides[0].end == rota::testing::At("2026-01-01T23:00:00Z"));
}

TEST_CASE("ui and calendar: defaults, values and errors at the key") {
  TempDir dir;
  {
    auto l = LoadText(dir, kBase);
    REQUIRE(l.result.ok());
    CHECK_FALSE(l.result.config->ui.public_support_page);
    CHECK_FALSE(l.result.config->ui.support_page_names);
    CHECK(l.result.config->ui.session_ttl == std::chrono::hours(12));
    CHECK(l.result.config->calendar.secret.empty());
    CHECK(l.result.config->calendar.days == 90);
  }
  dir.Write("cal.key", std::string(40, 'c'));
  {
    auto l = LoadText(
        dir, std::string(kBase) +
                 "ui: {public_support_page: true, support_page_names: true, session_ttl: 1h}\n"
                 "calendar: {secret_file: cal.key, days: 366}\n");
    INFO(AllErrors(l));
    REQUIRE(l.result.ok());
    CHECK(l.result.config->ui.public_support_page);
    CHECK(l.result.config->ui.support_page_names);
    CHECK(l.result.config->ui.session_ttl == std::chrono::hours(1));
    CHECK(l.result.config->calendar.secret.Reveal() == std::string(40, 'c'));
    CHECK(l.result.config->calendar.days == 366);
  }
  dir.Write("short.key", "tooshort");
  auto bad = LoadText(dir, std::string(kBase) +
                               "ui: {public_support_page: maybe, session_ttl: 1m, names: true}\n"
                               "calendar: {secret_file: short.key, days: 367}\n");
  INFO(AllErrors(bad));
  CHECK(HasError(bad, "32:51", "unknown key \"names\" in ui"));
  CHECK(HasError(bad, "32:27", "expected public_support_page to be true or false"));
  CHECK(HasError(bad, "32:47", "session_ttl must be between 5m and 30d"));
  CHECK(HasError(bad, "33:25", "at least 32 bytes"));
  CHECK(HasError(bad, "33:42", "days must be between 1 and 366"));
  auto none = LoadText(dir, std::string(kBase) + "calendar: {days: 30}\n");
  CHECK(HasError(none, "32:11", "calendar needs secret_file"));
}

TEST_CASE("a contact's after: is a delay from 0s to 24h") {
  TempDir dir;
  auto ok =
      LoadText(dir, R"(channels: [{name: hooks, type: webhook, url: "http://127.0.0.1:8099/n"}]
people:
  - id: alice
    contacts: [{channel: hooks, to: a}, {channel: hooks, to: b, after: 5m}]
)");
  INFO(AllErrors(ok));
  REQUIRE(ok.result.ok());
  CHECK(ok.result.config->people[0].contacts[0].after == rota::Duration(0));
  CHECK(ok.result.config->people[0].contacts[1].after == std::chrono::minutes(5));
  auto bad =
      LoadText(dir, R"(channels: [{name: hooks, type: webhook, url: "http://127.0.0.1:8099/n"}]
people:
  - id: alice
    contacts: [{channel: hooks, to: b, after: 2d}]
)");
  CHECK(HasError(bad, "4:47", "after must be between 0s and 24h"));
}

// ---- what a new user trips over ------------------------------------------------

TEST_CASE("a rule_files pattern that matches nothing is an error unless optional") {
  TempDir dir;
  auto l = LoadText(dir, std::string(kBase) + "rule_files: ['route/*.yaml']\n",
                    {{"routes/a.yaml", "routes: []\n"}});
  INFO(AllErrors(l));
  CHECK_FALSE(l.result.ok());
  CHECK(HasError(l, "32:14", "rule_files pattern \"route/*.yaml\" matches no files"));
  CHECK(HasError(l, "32:14", "optional: true"));
  auto ok =
      LoadText(dir, std::string(kBase) + "rule_files: [{glob: 'route/*.yaml', optional: true}]\n");
  INFO(AllErrors(ok));
  CHECK(ok.result.ok());
  REQUIRE(ok.result.warnings.size() == 1);
  CHECK(ok.result.warnings[0].message.find("(optional)") != std::string::npos);
  auto bad = LoadText(dir, std::string(kBase) + "rule_files: [{optional: true}]\n");
  CHECK(HasError(bad, "32:14", "missing required key \"glob\""));
}

TEST_CASE("a config with no routes is an error for rotad, check config and test rules") {
  TempDir dir;
  const std::string path = dir.Write("rota.yaml", "people: [{id: alice, hours: [{}]}]\n");
  CHECK(Load(path).ok());  // schedule-only readers (rotactl oncall --config) may load it
  const auto r = Load(path, {"./var", /*require_routes=*/true});
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors.at(0).message.find("no routes: every alert would be unrouted") !=
        std::string::npos);
  CHECK(r.errors.at(0).pos.line == 1);
}

TEST_CASE("zones: an unknown name suggests the one it differs from in case") {
  TempDir dir;
  auto l = LoadText(
      dir, "people: [{id: a, timezone: america/new_york}, {id: b, timezone: Mars/Olympus}]\n");
  INFO(AllErrors(l));
  CHECK(HasError(l, "1:28", "unknown time zone \"america/new_york\""));
  CHECK(HasError(l, "1:28", "did you mean America/New_York?"));
  CHECK(HasError(l, "1:65", "unknown time zone \"Mars/Olympus\""));
  for (const auto& e : l.errors) {
    if (e.find("Mars") != std::string::npos) {
      CHECK(e.find("did you mean") == std::string::npos);
    }
  }
}

TEST_CASE("a bad regex is reported as written, not as rota rewrites it") {
  TempDir dir;
  auto l = LoadText(dir, R"(people: [{id: a}]
teams: [{id: t, members: [a]}]
routes: [{name: r, matchers: ['severity=~"(critical|page"'], escalation: e}]
escalations: [{name: e, steps: [{notify: ['team:t']}]}]
)");
  INFO(AllErrors(l));
  REQUIRE(l.errors.size() == 1);
  CHECK(l.errors[0].find("invalid regular expression \"(critical|page\": missing )") !=
        std::string::npos);
  CHECK(l.errors[0].find("^(?:") == std::string::npos);
}

TEST_CASE("a bad weekday says which forms are valid; a misspelt key is one error") {
  TempDir dir;
  auto l = LoadText(dir, R"(people:
  - id: a
    hours: [{weekdays: ['tue'], times: [{start_tme: '09:00', end_time: '17:00'}]}]
)");
  INFO(AllErrors(l));
  CHECK(HasError(l, "3:25",
                 "tue is not a valid weekday: write the full English name (monday ... sunday"));
  CHECK(HasError(l, "3:42", "unknown key \"start_tme\""));
  CHECK(l.errors.size() == 2);
}

TEST_CASE("silences in the config: parsed, with ids and defaults; bad ones are errors") {
  TempDir dir;
  auto l = LoadText(dir, std::string(kBase) + R"(silences:
  - {matchers: ['alertname="Watchdog"'], comment: 'the dead man''s switch, not a page'}
  - {matchers: ['service="batch"'], comment: maintenance, created_by: ops, starts_at: '2026-12-01T00:00:00Z', ends_at: '2026-12-02T00:00:00Z'}
)");
  INFO(AllErrors(l));
  REQUIRE(l.result.ok());
  const auto& s = l.result.config->silences;
  REQUIRE(s.size() == 2);
  CHECK(s[0].id == "config-s-1");
  CHECK(s[0].created_by == "config");
  CHECK(s[0].ActiveAt(rota::testing::At("2030-01-01T00:00:00Z")));
  CHECK(s[1].id == "config-s-2");
  CHECK(s[1].created_by == "ops");
  CHECK_FALSE(s[1].ActiveAt(rota::testing::At("2026-12-02T00:00:00Z")));
  auto bad = LoadText(dir, std::string(kBase) + R"(silences:
  - {matchers: ['alertname=~".*"'], comment: everything}
  - {matchers: ['a="b"']}
  - {matchers: ['a="b"'], comment: c, starts_at: '2026-12-02T00:00:00Z', ends_at: '2026-12-01T00:00:00Z'}
)");
  INFO(AllErrors(bad));
  CHECK(HasError(bad, "33:16", "at least one matcher must not match the empty string"));
  CHECK(HasError(bad, "34:5", "missing required key \"comment\""));
  CHECK(HasError(bad, "35:83", "ends_at must be after its starts_at"));
}
