// The validated, immutable configuration: what rota.yaml and its rule files say.
//
// The loader (loader.h) builds a Config and hands it out as
// std::shared_ptr<const Config>; nothing changes it afterwards. A reload builds
// a whole new Config and swaps the pointer, so a reader holding the old one
// keeps a consistent view. Every reference (person → channel, team → person,
// route → escalation, step → person/team, hours → named interval) has been
// checked; lookups by id never fail for ids that came from the config.
//
// Thread-safety: immutable after loading; share freely.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/duration.h"
#include "core/source_pos.h"
#include "rules/matcher.h"
#include "rules/routing.h"
#include "schedule/hours.h"
#include "schedule/roster.h"
#include "schedule/time_interval.h"

namespace rota::config {

// A value read from a `*_file` key (or given inline) that must never be logged.
// There is deliberately no operator<<.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  [[nodiscard]] const std::string& Reveal() const { return value_; }
  [[nodiscard]] bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

struct Global {
  std::string timezone = "UTC";
  const date::time_zone* zone = nullptr;
  std::string external_url;  // default: http://<server.listen>
  Secret ack_key;            // from ack_key_file: signs ack links (HMAC-SHA256)
  Duration ack_link_ttl = std::chrono::hours(24);
};

// server.tls: HTTPS on the listener, as Prometheus's web config has it. The
// files are read at every load, so a reload picks up renewed certificates.
enum class ClientAuth { kNone, kRequire };

struct ServerTls {
  std::string cert_file;  // resolved paths, for messages
  std::string key_file;
  std::string client_ca_file;  // empty: none
  std::string cert_pem;        // the certificate chain, leaf first
  Secret key_pem;
  std::string client_ca_pem;
  ClientAuth client_auth = ClientAuth::kNone;
  SourcePos pos;  // the tls: node, for errors found when the files are used
};

struct Server {
  std::string listen = "127.0.0.1:9095";
  std::string host = "127.0.0.1";  // empty = all interfaces
  std::uint16_t port = 9095;
  std::size_t max_request_bytes = 4U << 20U;
  Duration read_timeout = std::chrono::seconds(30);
  Duration idle_timeout = std::chrono::seconds(120);
  Duration shutdown_timeout = std::chrono::seconds(10);
  std::size_t max_connections = 1024;  // more are answered 503 and closed
  std::optional<ServerTls> tls;        // none: plain HTTP
  std::string instance;                // this instance's name (HA); default host:port
};

enum class StorageBackend { kSqlite, kPostgres };

// storage.postgres: the database several rotad share (docs/ha.md).
struct Postgres {
  Secret dsn;                                // dsn or dsn_file; never logged
  Duration lease = std::chrono::seconds(5);  // the leader's lease; a standby leads within 2 x lease
};

struct Storage {
  StorageBackend backend = StorageBackend::kSqlite;
  Postgres postgres;              // backend: postgres
  std::string dir;                // default: $STATE_DIRECTORY if set (systemd), else ./var
  std::int64_t max_db_bytes = 0;  // 0: no cap; when full, ingest answers 503
  Duration retention = std::chrono::hours(24 * 7);  // resolved alerts and sent notifications
  Duration history_retention =
      std::chrono::hours(24 * 400);  // what reviews need of forgotten alerts
};

enum class ChannelType {
  kWebhook,
  kSlack,
  kEmail,
  kLog,
  kMattermost,
  kMsTeams,
  kTelegram,
  kNtfy,
  kPagerDuty,
  kOpsgenie,
};
std::string_view ChannelTypeName(ChannelType t);

struct Channel {
  std::string name;
  ChannelType type = ChannelType::kLog;
  Duration timeout = std::chrono::seconds(10);
  // Failed sends are retried with exponential backoff and jitter until a
  // notification is this old; then it counts as not delivered.
  Duration retry_max_age = std::chrono::hours(1);
  // At most this many sends of this channel at once, and (when rate_limit > 0)
  // at most rate_limit per second with bursts of rate_burst: a slow or
  // rate-limited receiver holds only its own messages back.
  int max_concurrency = 4;
  double rate_limit = 0;
  int rate_burst = 1;
  std::string ca_file;  // webhook, slack, email: trust these CAs instead of the system's
  // webhook, slack
  Secret url;  // from `url` or `url_file`; may embed a token, so never logged
  std::map<std::string, std::string> headers;  // webhook
  std::string text_template;     // slack, email: from template_file; empty = the built-in one
  std::string html_template;     // email: from html_template_file; empty = built-in
  std::string subject_template;  // email: `subject`; empty = built-in
  Secret bearer_token;           // webhook, from `bearer_token_file`
  // email
  std::string smarthost;  // host:port
  std::string from;
  std::string to;  // the channel's own address (review digests to channel:NAME); may be empty
  std::string auth_username;
  Secret auth_password;  // from `auth_password_file`
  bool require_tls = true;
  std::string hello = "localhost";
  // telegram: the Bot API's base URL (tests point it at a local server)
  std::string api_url;
  Secret bot_token;      // telegram, from bot_token_file
  Secret token;          // ntfy: bearer token, from token_file
  std::string username;  // ntfy: basic auth user
  Secret password;       // ntfy: basic auth password, from password_file
  Secret routing_key;    // pagerduty: the integration's routing key, from routing_key_file
  Secret api_key;        // opsgenie: the API integration key, from api_key_file
  // slack: verifies POST /slack/interactions; set, messages carry buttons
  Secret signing_secret;
  // mattermost: the token its message actions send back; set, messages carry buttons
  Secret actions_token;
  std::string external_url;  // global.external_url: where chat buttons call back
  // slack with bot_token_file: chat.postMessage to this channel id (threads)
  std::string slack_channel;
  // Whether a message about several alerts goes as one request per alert
  // (pagerduty, opsgenie: an event or alert per rota alert).
  [[nodiscard]] bool PerAlert() const {
    return type == ChannelType::kPagerDuty || type == ChannelType::kOpsgenie;
  }
  SourcePos pos;
};

struct NamedInterval {
  std::string name;
  std::vector<schedule::TimeInterval> intervals;
  SourcePos pos;
};

// A list of hours as written: names of shared intervals and inline entries,
// flattened into `intervals` (the OR of all of them).
struct HoursSpec {
  std::vector<std::string> names;
  std::vector<schedule::TimeInterval> intervals;
};

struct TimeOff {
  enum class Kind { kDates, kInstants };
  Kind kind = Kind::kDates;
  // kDates: whole days, inclusive, in the person's zone.
  std::chrono::year_month_day first_day{};
  std::chrono::year_month_day last_day{};
  // kInstants: [start, end).
  TimePoint start{};
  TimePoint end{};
  std::string reason;
  SourcePos pos;
};

struct Contact {
  std::string channel;
  std::string to;
  // Tried this long after the notification, only if its alerts are still
  // unacknowledged and the person still on duty (0: at once).
  Duration after{0};
  SourcePos pos;
};

struct Person {
  std::string id;
  std::string name;
  std::string timezone;
  const date::time_zone* zone = nullptr;
  HoursSpec hours;
  std::vector<TimeOff> time_off;
  std::vector<Contact> contacts;
  SourcePos pos;
};

struct Rotation {
  std::vector<std::string> order;  // default: the team's members
  Duration shift_length = std::chrono::hours(24 * 7);
  schedule::LocalMinutes start{};  // first handoff, wall clock in `timezone`
  std::string timezone;            // default: the team's
  const date::time_zone* zone = nullptr;
};

struct RequiredCoverage {
  enum class Level { kOff, kWarning, kError };
  Level level = Level::kWarning;  // how `rotactl check config` reports gaps in support hours
  int weeks = 4;                  // how far ahead it looks
};

struct Team {
  std::string id;
  std::string name;
  std::vector<std::string> members;
  std::string timezone;  // default: global.timezone; the zone of support_hours and rotation
  const date::time_zone* zone = nullptr;
  schedule::PageMode page = schedule::PageMode::kAll;
  std::optional<Rotation> rotation;  // set when page is one
  HoursSpec support_hours;           // empty = no declared support hours
  RequiredCoverage required_coverage;
  SourcePos pos;
};

// "person covers for replaces from start to end", or (no replaces) "add
// person [to team] from start to end".
struct Override {
  std::string id;
  std::string person;
  std::string replaces;
  std::string team;
  TimePoint start{};
  TimePoint end{};
  std::string note;
  SourcePos pos;
};

struct Route {
  std::string name;
  std::vector<rules::Matcher> matchers;  // AND of all
  std::vector<std::string> group_by;
  bool group_by_all = false;  // group_by: ['...']
  Duration group_wait = std::chrono::seconds(30);
  Duration group_interval = std::chrono::minutes(5);
  Duration repeat_interval = std::chrono::hours(4);
  std::string escalation;
  bool continue_matching = false;  // `continue: true`
  std::vector<std::string> active_time_intervals;
  std::vector<std::string> mute_time_intervals;
  SourcePos pos;
};

enum class NobodyOnDuty { kHold, kNext, kDrop };
std::string_view NobodyOnDutyName(NobodyOnDuty p);

// A step's target. A channel (channel:NAME, e.g. a 24/7 provider) has no
// hours: the one explicit exception to "hours are law" (docs/architecture.md).
struct Target {
  enum class Kind { kPerson, kTeam, kChannel };
  Kind kind = Kind::kPerson;
  std::string id;
  [[nodiscard]] std::string ToString() const {
    return (kind == Kind::kPerson ? "person:" : kind == Kind::kTeam ? "team:" : "channel:") + id;
  }
};

// A channel target notified as a recipient is named "channel:NAME".
inline bool IsChannelRecipient(std::string_view recipient) {
  return recipient.starts_with("channel:");
}

struct EscalationStep {
  std::vector<Target> notify;
  Duration escalate_after = std::chrono::minutes(30);
  std::optional<NobodyOnDuty> when_nobody_on_duty;  // unset: the policy's
  std::optional<Duration> max_hold;
  SourcePos pos;
};

enum class OnShiftEnd { kHandover, kKeep };

struct Escalation {
  std::string name;
  std::vector<EscalationStep> steps;
  int repeat = 0;
  NobodyOnDuty when_nobody_on_duty = NobodyOnDuty::kHold;
  // What happens to an acked, unresolved alert when the acker goes off duty.
  OnShiftEnd on_shift_end = OnShiftEnd::kHandover;
  SourcePos pos;
};

struct InhibitRule {
  std::vector<rules::Matcher> source_matchers;
  std::vector<rules::Matcher> target_matchers;
  std::vector<std::string> equal;
  SourcePos pos;
};

struct PagerDutyKey {
  Secret key;  // from `key` or `key_file`
  std::vector<std::pair<std::string, std::string>> labels;
};

struct Ingest {
  Duration resolve_timeout = std::chrono::minutes(5);
  std::size_t max_alerts_per_request = 1000;
  std::size_t max_labels = 64;
  std::size_t max_label_value_bytes = 4096;
  std::vector<PagerDutyKey> pagerduty_routing_keys;
};

// Bearer tokens. Without `auth:` rotad accepts only loopback clients.
struct Auth {
  bool enabled = false;
  std::vector<Secret> ingest_tokens;  // may post events
  std::vector<Secret> admin_tokens;   // may do everything
};

// The web console (docs/ui.md).
struct Ui {
  bool public_support_page = false;               // /ui/support without a session
  bool support_page_names = false;                // the support page names who is on duty
  Duration session_ttl = std::chrono::hours(12);  // a login lasts this long
};

// Calendar feeds (docs/ui.md): each feed URL carries an HMAC of its path.
struct Calendar {
  Secret secret;  // from secret_file; empty: no feeds (every feed is a 404)
  int days = 90;  // how far ahead a feed reaches, 1..366
};

// A scheduled review digest (docs/reviews.md): the team's report for the
// period that ends at each occurrence, sent to `to`.
struct Review {
  enum class Every { kWeek, kFourWeeks, kMonth };
  std::string team;
  Every every = Every::kWeek;
  int weekday = 1;          // 0 = Sunday, as date::weekday
  int minute_of_day = 540;  // local wall-clock minute of `at`
  std::string at;           // as written: "mon 09:00"
  std::string timezone;     // default: the team's
  const date::time_zone* zone = nullptr;
  std::vector<std::string> to;  // "person:ID" | "channel:NAME"
  // Identifies the schedule in the store (what was sent last): team, every,
  // at and timezone. Editing `to` keeps it; editing the schedule starts anew.
  std::string key;
  SourcePos pos;
};
std::string_view EveryName(Review::Every e);

struct Config;
// The teams an escalation pages: its team targets and the teams of its
// person targets, sorted, each once.
std::vector<std::string> TeamsPagedBy(const Config& config, const Escalation& escalation);

struct Config {
  std::string path;                     // the main file as given
  std::vector<std::string> rule_files;  // expanded, in load order
  std::uint64_t hash = 0;               // of every loaded file's bytes

  Global global;
  Server server;
  Storage storage;
  Ingest ingest;
  Auth auth;
  Ui ui;
  Calendar calendar;
  std::vector<Channel> channels;
  std::vector<NamedInterval> time_intervals;
  std::vector<Person> people;
  std::vector<Team> teams;
  std::vector<Route> routes;  // in order: main file first, then rule files
  std::vector<Escalation> escalations;
  std::vector<Override> overrides;
  // `silences:` in the file: ids config-s-N, read-only in the API (edit the
  // file); by default from the beginning of time to the end of it.
  std::vector<rules::Silence> silences;
  std::vector<InhibitRule> inhibit_rules;
  std::vector<Review> reviews;

  [[nodiscard]] const Channel* FindChannel(std::string_view name) const;
  [[nodiscard]] const NamedInterval* FindInterval(std::string_view name) const;
  [[nodiscard]] const Person* FindPerson(std::string_view id) const;
  [[nodiscard]] const Team* FindTeam(std::string_view id) const;
  [[nodiscard]] const Escalation* FindEscalation(std::string_view name) const;

  // The hash as a Prometheus sample value: the low 48 bits, exact in a double.
  [[nodiscard]] double HashMetricValue() const {
    return static_cast<double>(hash & ((std::uint64_t{1} << 48U) - 1));
  }
};

}  // namespace rota::config
