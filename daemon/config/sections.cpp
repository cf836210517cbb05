// The settings sections of rota.yaml: global, server, ingest, auth, storage.
// Each reads its map into the Config's struct and reports problems through
// the Reader (file:line:col).
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "config/pending.h"
#include "config/reader.h"
#include "config/zones.h"

namespace rota::config::detail {

void ParseGlobal(Reader& r, const YAML::Node& n, Global& g) {
  if (!r.Map(n, "global", {"timezone", "external_url", "ack_key_file", "ack_link_ttl"})) {
    return;
  }
  r.SecretFileOnly(n, "ack_key_file", g.ack_key);
  if (!g.ack_key.empty() && g.ack_key.Reveal().size() < 32) {
    r.Err(n["ack_key_file"],
          "the ack key must be at least 32 bytes (e.g. head -c 48 /dev/urandom | base64)");
  }
  r.OptDur(n, "ack_link_ttl", g.ack_link_ttl);
  r.OptStr(n, "timezone", g.timezone);
  r.OptStr(n, "external_url", g.external_url);
  if (const YAML::Node tz = n["timezone"]; tz.IsDefined()) {
    if (auto zone = schedule::FindZone(g.timezone); !zone) {
      r.Err(tz, zone.error().message() + ZoneSuggestion(g.timezone));
    } else {
      g.zone = *zone;
    }
  }
  if (!g.external_url.empty() && !g.external_url.starts_with("http://") &&
      !g.external_url.starts_with("https://")) {
    r.Err(n["external_url"], "external_url must start with http:// or https://");
  }
}

void ParseReview(Reader& r, const YAML::Node& n, std::vector<PendingReview>& out) {
  if (!r.Map(n, "a review", {"team", "every", "at", "timezone", "to"})) {
    return;
  }
  PendingReview p;
  Review& v = p.review;
  v.pos = r.Pos(n);
  const bool ok =
      r.Require(n, "team", "review") & r.Require(n, "at", "review") & r.Require(n, "to", "review");
  r.OptStr(n, "team", v.team);
  p.team_pos = n["team"].IsDefined() ? r.Pos(n["team"]) : v.pos;
  std::string every = "1w";
  r.OptStr(n, "every", every);
  if (every == "1w") {
    v.every = Review::Every::kWeek;
  } else if (every == "4w") {
    v.every = Review::Every::kFourWeeks;
  } else if (every == "1mo") {
    v.every = Review::Every::kMonth;
  } else {
    r.Err(n["every"], "every must be 1w, 4w or 1mo, got \"" + every + "\"");
  }
  r.OptStr(n, "at", v.at);
  if (n["at"].IsDefined()) {
    static constexpr std::string_view kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    static constexpr std::string_view kFull[] = {"sunday",   "monday", "tuesday", "wednesday",
                                                 "thursday", "friday", "saturday"};
    const auto space = v.at.find(' ');
    const std::string day = space == std::string::npos ? "" : v.at.substr(0, space);
    const std::string clock = space == std::string::npos ? "" : v.at.substr(space + 1);
    int weekday = -1;
    for (int i = 0; i < 7; ++i) {
      if (day == kDays[i] || day == kFull[i]) {
        weekday = i;
      }
    }
    int hh = -1;
    int mm = -1;
    if (clock.size() == 5 && clock[2] == ':' &&
        std::isdigit(static_cast<unsigned char>(clock[0])) != 0 &&
        std::isdigit(static_cast<unsigned char>(clock[1])) != 0 &&
        std::isdigit(static_cast<unsigned char>(clock[3])) != 0 &&
        std::isdigit(static_cast<unsigned char>(clock[4])) != 0) {
      hh = (clock[0] - '0') * 10 + (clock[1] - '0');
      mm = (clock[3] - '0') * 10 + (clock[4] - '0');
    }
    if (weekday < 0 || hh < 0 || hh > 23 || mm > 59) {
      r.Err(n["at"], "at must be a weekday and a time, like \"mon 09:00\", got \"" + v.at + "\"");
    } else {
      v.weekday = weekday;
      v.minute_of_day = hh * 60 + mm;
    }
  }
  if (const YAML::Node tz = n["timezone"]; tz.IsDefined() && !tz.IsNull()) {
    r.OptStr(n, "timezone", v.timezone);
    p.timezone_pos = r.Pos(tz);
    if (auto zone = schedule::FindZone(v.timezone); !zone) {
      r.Err(tz, zone.error().message() + ZoneSuggestion(v.timezone));
    } else {
      v.zone = *zone;
    }
  }
  if (const YAML::Node to = n["to"]; to.IsDefined() && !to.IsNull()) {
    r.ForEach(to, "to", [&](const YAML::Node& item) {
      if (auto t = r.Str(item, "to entry")) {
        if (!t->starts_with("person:") && !t->starts_with("channel:")) {
          r.Err(item, "a review goes to person:ID or channel:NAME, got \"" + *t + "\"");
          return;
        }
        v.to.push_back(*t);
        p.to_pos.push_back(r.Pos(item));
      }
    });
    if (v.to.empty() && to.IsSequence()) {
      r.Err(to, "a review needs at least one recipient in to");
    }
  }
  if (ok) {
    out.push_back(std::move(p));
  }
}

namespace {

// One PEM file of server.tls: its resolved path and text (errors at `key`).
std::optional<std::pair<std::string, std::string>> ReadPem(Reader& r, const YAML::Node& tls,
                                                           std::string_view key) {
  const YAML::Node v = tls[std::string(key)];
  if (!v.IsDefined() || v.IsNull()) {
    return std::nullopt;
  }
  auto path = r.Str(v, key);
  if (!path) {
    return std::nullopt;
  }
  std::string resolved = r.Resolve(*path);
  auto text = ReadWholeFile(resolved);
  if (!text) {
    r.Err(v, text.error().message());
    return std::nullopt;
  }
  if (text->find("-----BEGIN ") == std::string::npos) {
    r.Err(v, std::string(key) + " " + resolved + " holds no PEM block (-----BEGIN ...)");
    return std::nullopt;
  }
  return std::make_pair(std::move(resolved), std::move(*text));
}

// server.tls. Whether the PEM blocks are a usable certificate and key is
// checked where they are used (http::MakeTlsContext), by rotad at every load
// and by `rotactl check config`.
void ParseServerTls(Reader& r, const YAML::Node& n, std::optional<ServerTls>& out) {
  if (!r.Map(n, "server.tls", {"cert_file", "key_file", "client_ca_file", "client_auth"})) {
    return;
  }
  ServerTls t;
  t.pos = r.Pos(n);
  const bool has_cert = r.Require(n, "cert_file", "server.tls");
  const bool has_key = r.Require(n, "key_file", "server.tls");
  if (has_cert) {
    if (auto pem = ReadPem(r, n, "cert_file")) {
      t.cert_file = std::move(pem->first);
      t.cert_pem = std::move(pem->second);
    }
  }
  if (has_key) {
    if (auto pem = ReadPem(r, n, "key_file")) {
      t.key_file = std::move(pem->first);
      t.key_pem = Secret(std::move(pem->second));
    }
  }
  if (auto pem = ReadPem(r, n, "client_ca_file")) {
    t.client_ca_file = std::move(pem->first);
    t.client_ca_pem = std::move(pem->second);
  }
  std::string auth = "none";
  r.OptStr(n, "client_auth", auth);
  if (auth == "require") {
    t.client_auth = ClientAuth::kRequire;
  } else if (auth != "none") {
    r.Err(n["client_auth"], "client_auth must be none or require, got \"" + auth + "\"");
  }
  const YAML::Node ca = n["client_ca_file"];
  if (t.client_auth == ClientAuth::kRequire && (!ca.IsDefined() || ca.IsNull())) {
    r.Err(n, "client_auth: require needs client_ca_file (the CA that signs client certificates)");
  }
  if (t.client_auth == ClientAuth::kNone && ca.IsDefined() && !ca.IsNull()) {
    r.Err(ca, "client_ca_file is used only with client_auth: require");
  }
  out = std::move(t);
}

}  // namespace

void ParseServer(Reader& r, const YAML::Node& n, Server& s) {
  if (!r.Map(n, "server",
             {"listen", "max_request_bytes", "read_timeout", "idle_timeout", "shutdown_timeout",
              "max_connections", "tls", "instance"})) {
    return;
  }
  r.OptStr(n, "instance", s.instance);
  if (n["instance"].IsDefined() && (s.instance.empty() || s.instance.size() > 63 ||
                                    s.instance.find_first_of(" \t\r\n\"\\") != std::string::npos)) {
    r.Err(n["instance"],
          "instance must be 1 to 63 characters without spaces, quotes or backslashes");
  }
  if (const YAML::Node tls = n["tls"]; tls.IsDefined() && !tls.IsNull()) {
    ParseServerTls(r, tls, s.tls);
  }
  r.OptStr(n, "listen", s.listen);
  if (const YAML::Node l = n["listen"]; l.IsDefined()) {
    const auto colon = s.listen.rfind(':');
    std::string host = colon == std::string::npos ? "" : s.listen.substr(0, colon);
    const std::string port = colon == std::string::npos ? "" : s.listen.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    char* end = nullptr;
    const long p = port.empty() ? -1 : std::strtol(port.c_str(), &end, 10);
    if (colon == std::string::npos || p < 0 || p > 65535 || (end != nullptr && *end != '\0')) {
      r.Err(l,
            "listen must be host:port with a port from 0 to 65535 (0 picks a free port), got \"" +
                s.listen + "\"");
    } else {
      s.host = host;
      s.port = static_cast<std::uint16_t>(p);
    }
  }
  long long max_bytes = static_cast<long long>(s.max_request_bytes);
  r.OptInt(n, "max_request_bytes", 1024, 1LL << 30, max_bytes);
  s.max_request_bytes = static_cast<std::size_t>(max_bytes);
  long long max_connections = static_cast<long long>(s.max_connections);
  r.OptInt(n, "max_connections", 1, 1000000, max_connections);
  s.max_connections = static_cast<std::size_t>(max_connections);
  r.OptDur(n, "read_timeout", s.read_timeout);
  r.OptDur(n, "idle_timeout", s.idle_timeout);
  r.OptDur(n, "shutdown_timeout", s.shutdown_timeout);
}

void ParseIngest(Reader& r, const YAML::Node& n, Ingest& in) {
  if (!r.Map(n, "ingest",
             {"resolve_timeout", "max_alerts_per_request", "max_labels", "max_label_value_bytes",
              "pagerduty"})) {
    return;
  }
  r.OptDur(n, "resolve_timeout", in.resolve_timeout);
  long long v = static_cast<long long>(in.max_alerts_per_request);
  r.OptInt(n, "max_alerts_per_request", 1, 1000000, v);
  in.max_alerts_per_request = static_cast<std::size_t>(v);
  v = static_cast<long long>(in.max_labels);
  r.OptInt(n, "max_labels", 1, 1024, v);
  in.max_labels = static_cast<std::size_t>(v);
  v = static_cast<long long>(in.max_label_value_bytes);
  r.OptInt(n, "max_label_value_bytes", 16, 1 << 20, v);
  in.max_label_value_bytes = static_cast<std::size_t>(v);
  const YAML::Node pd = n["pagerduty"];
  if (!pd.IsDefined() || pd.IsNull() || !r.Map(pd, "ingest.pagerduty", {"routing_keys"})) {
    return;
  }
  r.List(pd, "routing_keys", [&](const YAML::Node& k) {
    if (!r.Map(k, "a routing key", {"key", "key_file", "labels"})) {
      return;
    }
    PagerDutyKey key;
    r.Secret(k, "key", true, key.key);
    if (const YAML::Node l = k["labels"]; l.IsDefined() && !l.IsNull()) {
      if (!l.IsMap()) {
        r.Err(l, "expected labels to be a map of label names to values");
      } else {
        for (auto it = l.begin(); it != l.end(); ++it) {
          auto name = r.Str(it->first, "label name");
          auto value = r.Str(it->second, "label value");
          if (name && !rules::IsValidLabelName(*name)) {
            r.Err(it->first, "\"" + *name + "\" is not a valid label name");
          } else if (name && value) {
            key.labels.emplace_back(*name, *value);
          }
        }
      }
    }
    in.pagerduty_routing_keys.push_back(std::move(key));
  });
}

void ParseAuth(Reader& r, const YAML::Node& n, Auth& a) {
  if (!r.Map(n, "auth", {"ingest_token_files", "admin_token_files"})) {
    return;
  }
  a.enabled = true;
  const auto read = [&](std::string_view key, std::vector<Secret>& out) {
    r.List(n, key, [&](const YAML::Node& f) {
      YAML::Node wrapper(YAML::NodeType::Map);
      wrapper["token_file"] = f;
      Secret s;
      r.SecretFileOnly(wrapper, "token_file", s);
      if (!s.empty()) {
        out.push_back(std::move(s));
      }
    });
  };
  read("ingest_token_files", a.ingest_tokens);
  read("admin_token_files", a.admin_tokens);
  if (a.admin_tokens.empty()) {
    r.Err(n, "auth needs at least one admin token file (admin_token_files)");
  }
}

void ParseUi(Reader& r, const YAML::Node& n, Ui& u) {
  if (!r.Map(n, "ui", {"public_support_page", "support_page_names", "session_ttl"})) {
    return;
  }
  r.OptBool(n, "public_support_page", u.public_support_page);
  r.OptBool(n, "support_page_names", u.support_page_names);
  r.OptDur(n, "session_ttl", u.session_ttl);
  if (n["session_ttl"].IsDefined() &&
      (u.session_ttl < std::chrono::minutes(5) || u.session_ttl > std::chrono::hours(24 * 30))) {
    r.Err(n["session_ttl"], "session_ttl must be between 5m and 30d");
  }
}

void ParseCalendar(Reader& r, const YAML::Node& n, Calendar& c) {
  if (!r.Map(n, "calendar", {"secret_file", "days"})) {
    return;
  }
  r.SecretFileOnly(n, "secret_file", c.secret);
  if (!c.secret.empty() && c.secret.Reveal().size() < 32) {
    r.Err(n["secret_file"],
          "the calendar secret must be at least 32 bytes (e.g. head -c 48 /dev/urandom | base64)");
  }
  if (!n["secret_file"].IsDefined()) {
    r.Err(n, "calendar needs secret_file (the key that signs feed URLs)");
  }
  long long days = c.days;
  r.OptInt(n, "days", 1, 366, days);
  c.days = static_cast<int>(days);
}

namespace {

void ParsePostgres(Reader& r, const YAML::Node& n, Postgres& p) {
  if (!r.Map(n, "storage.postgres", {"dsn", "dsn_file", "lease"})) {
    return;
  }
  r.Secret(n, "dsn", /*required=*/true, p.dsn);
  r.OptDur(n, "lease", p.lease);
  if (n["lease"].IsDefined() &&
      (p.lease < std::chrono::seconds(1) || p.lease > std::chrono::minutes(5))) {
    r.Err(n["lease"], "lease must be between 1s and 5m");
  }
}

}  // namespace

void ParseStorage(Reader& r, const YAML::Node& n, Storage& s) {
  if (!r.Map(n, "storage",
             {"backend", "postgres", "dir", "max_db_bytes", "retention", "history_retention"})) {
    return;
  }
  std::string backend = "sqlite";
  r.OptStr(n, "backend", backend);
  if (backend == "postgres") {
    s.backend = StorageBackend::kPostgres;
    if (const YAML::Node pg = n["postgres"]; pg.IsDefined() && !pg.IsNull()) {
      ParsePostgres(r, pg, s.postgres);
    } else {
      r.Err(n["backend"], "backend: postgres needs storage.postgres with dsn or dsn_file");
    }
  } else if (backend == "sqlite") {
    if (n["postgres"].IsDefined()) {
      r.Err(n["postgres"], "storage.postgres is used only with backend: postgres");
    }
  } else {
    r.Err(n["backend"], "backend must be sqlite or postgres, got \"" + backend + "\"");
  }
  r.OptStr(n, "dir", s.dir);
  long long cap = s.max_db_bytes;
  r.OptInt(n, "max_db_bytes", 0, 1LL << 50, cap);
  if (cap != 0 && cap < (1 << 20)) {
    r.Err(n["max_db_bytes"], "max_db_bytes must be 0 (no cap) or at least 1048576");
  }
  s.max_db_bytes = cap;
  r.OptDur(n, "retention", s.retention);
  r.OptDur(n, "history_retention", s.history_retention);
}

}  // namespace rota::config::detail
