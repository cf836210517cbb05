// The channels: section: common keys, the keys of each type (and those that
// belong to another type, named as mistakes), secrets from *_file, templates.
#include <algorithm>
#include <kainjow/mustache.hpp>

#include "config/reader.h"

namespace rota::config::detail {
namespace {

std::string LoadTemplate(Reader& r, const YAML::Node& n, std::string_view key) {
  const YAML::Node t = n[std::string(key)];
  if (!t.IsDefined() || t.IsNull()) {
    return {};
  }
  auto path = r.Str(t, key);
  if (!path) {
    return {};
  }
  auto text = ReadWholeFile(r.Resolve(*path));
  if (!text) {
    r.Err(t, text.error().message());
    return {};
  }
  kainjow::mustache::mustache parsed{*text};
  if (!parsed.is_valid()) {
    r.Err(t, "template " + r.Resolve(*path) + ": " + parsed.error_message());
    return {};
  }
  return std::move(*text);
}

bool IsLoopbackHost(std::string host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// smarthost, from, SMTP AUTH, TLS and the three templates of an email channel.
void ParseEmailChannel(Reader& r, const YAML::Node& n, Channel& c) {
  if (r.Require(n, "smarthost", "email channel")) {
    r.OptStr(n, "smarthost", c.smarthost);
    const auto colon = c.smarthost.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == c.smarthost.size()) {
      r.Err(n["smarthost"], "smarthost must be host:port, got \"" + c.smarthost + "\"");
    }
  }
  if (r.Require(n, "from", "email channel")) {
    r.OptStr(n, "from", c.from);
  }
  // The channel's own address: where a review digest to channel:NAME goes.
  r.OptStr(n, "to", c.to);
  r.OptStr(n, "auth_username", c.auth_username);
  r.SecretFileOnly(n, "auth_password_file", c.auth_password);
  r.OptBool(n, "require_tls", c.require_tls);
  r.OptStr(n, "hello", c.hello);
  c.text_template = LoadTemplate(r, n, "template_file");
  c.html_template = LoadTemplate(r, n, "html_template_file");
  if (const YAML::Node s = n["subject"]; s.IsDefined() && !s.IsNull()) {
    if (auto text = r.Str(s, "subject")) {
      kainjow::mustache::mustache parsed{*text};
      if (!parsed.is_valid()) {
        r.Err(s, "subject template: " + parsed.error_message());
      } else {
        c.subject_template = *text;
      }
    }
  }
  if (!c.auth_username.empty() && c.auth_password.empty()) {
    r.Err(n["auth_username"], "auth_username needs auth_password_file");
  }
  if (!c.auth_password.empty() && c.auth_username.empty()) {
    r.Err(n["auth_password_file"], "auth_password_file needs auth_username");
  }
  if (!c.auth_username.empty() && !c.require_tls && !c.smarthost.empty() &&
      !IsLoopbackHost(c.smarthost.substr(0, c.smarthost.rfind(':')))) {
    // The password would cross the network in clear.
    r.Err(n["require_tls"],
          "require_tls: false with SMTP AUTH is only allowed for a loopback "
          "smarthost; the password would be sent in clear");
  }
}

// A 24/7 provider's channel: `url` (default: the provider's) and the key
// file it must have.
void ParseProvider(Reader& r, const YAML::Node& n, std::string default_url,
                   std::string_view key_file, Secret& url, Secret& key,
                   const std::string& missing) {
  url = Secret(std::move(default_url));
  if (n["url"].IsDefined()) {
    r.Secret(n, "url", true, url);
  }
  r.SecretFileOnly(n, key_file, key);
  if (!n[std::string(key_file)].IsDefined()) {
    r.Err(n, missing);
  }
}

// Keys that belong to other channel types are mistakes worth naming.
void CheckKeysOfType(Reader& r, const YAML::Node& n, const std::string& type) {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> kKeyTypes = {
      {"url", {"webhook", "slack", "mattermost", "msteams", "ntfy", "pagerduty", "opsgenie"}},
      {"url_file", {"webhook", "slack", "mattermost", "msteams", "ntfy"}},

      {"headers", {"webhook"}},
      {"bearer_token_file", {"webhook"}},
      {"ca_file",
       {"webhook", "slack", "email", "mattermost", "msteams", "telegram", "ntfy", "pagerduty",
        "opsgenie"}},
      {"template_file", {"slack", "email", "mattermost", "msteams", "telegram", "ntfy"}},
      {"html_template_file", {"email"}},
      {"api_url", {"telegram", "slack"}},
      {"bot_token_file", {"telegram", "slack"}},
      {"channel", {"slack"}},
      {"token_file", {"ntfy"}},
      {"username", {"ntfy"}},
      {"password_file", {"ntfy"}},
      {"routing_key_file", {"pagerduty"}},
      {"api_key_file", {"opsgenie"}},
      {"signing_secret_file", {"slack"}},
      {"actions_token_file", {"mattermost"}},
      {"subject", {"email"}},
      {"smarthost", {"email"}},
      {"from", {"email"}},
      {"auth_username", {"email"}},
      {"auth_password_file", {"email"}},
      {"require_tls", {"email"}},
      {"hello", {"email"}},
      {"to", {"email"}}};
  for (const auto& [key, types] : kKeyTypes) {
    const YAML::Node v = n[std::string(key)];
    if (v.IsDefined() && std::find(types.begin(), types.end(), type) == types.end()) {
      std::string allowed;
      for (std::size_t i = 0; i < types.size(); ++i) {
        allowed += i == 0 ? "" : (i + 1 == types.size() ? " and " : ", ");
        allowed += types[i];
      }
      r.Err(v,
            "key \"" + std::string(key) + "\" is only for " + allowed + " channels, not " + type);
    }
  }
}

}  // namespace

void ParseChannel(Reader& r, const YAML::Node& n, std::vector<Channel>& out) {
  if (!r.Map(n, "a channel",
             {"name",
              "type",
              "timeout",
              "retry_max_age",
              "max_concurrency",
              "rate_limit",
              "rate_burst",
              "url",
              "url_file",
              "headers",
              "bearer_token_file",
              "ca_file",
              "template_file",
              "html_template_file",
              "subject",
              "smarthost",
              "from",
              "auth_username",
              "auth_password_file",
              "require_tls",
              "hello",
              "to",
              "api_url",
              "bot_token_file",
              "token_file",
              "username",
              "password_file",
              "routing_key_file",
              "api_key_file",
              "signing_secret_file",
              "actions_token_file",
              "channel"})) {
    return;
  }
  Channel c;
  c.pos = r.Pos(n);
  if (!r.Require(n, "name", "channel") || !r.Require(n, "type", "channel")) {
    return;
  }
  r.OptStr(n, "name", c.name);
  std::string type;
  r.OptStr(n, "type", type);
  r.OptDur(n, "timeout", c.timeout);
  r.OptDur(n, "retry_max_age", c.retry_max_age);
  long long concurrency = c.max_concurrency;
  r.OptInt(n, "max_concurrency", 1, 64, concurrency);
  c.max_concurrency = static_cast<int>(concurrency);
  r.OptNum(n, "rate_limit", 0, 1e6, c.rate_limit);
  long long burst = 0;
  r.OptInt(n, "rate_burst", 1, 1000000, burst);
  c.rate_burst =
      burst > 0 ? static_cast<int>(burst) : std::max(1, static_cast<int>(std::ceil(c.rate_limit)));
  if (const YAML::Node b = n["rate_burst"]; b.IsDefined() && c.rate_limit == 0) {
    r.Err(b, "rate_burst needs rate_limit (messages per second)");
  }
  if (type == "webhook") {
    c.type = ChannelType::kWebhook;
  } else if (type == "slack") {
    c.type = ChannelType::kSlack;
  } else if (type == "email") {
    c.type = ChannelType::kEmail;
  } else if (type == "log") {
    c.type = ChannelType::kLog;
  } else if (type == "mattermost") {
    c.type = ChannelType::kMattermost;
  } else if (type == "msteams") {
    c.type = ChannelType::kMsTeams;
  } else if (type == "telegram") {
    c.type = ChannelType::kTelegram;
  } else if (type == "ntfy") {
    c.type = ChannelType::kNtfy;
  } else if (type == "pagerduty") {
    c.type = ChannelType::kPagerDuty;
  } else if (type == "opsgenie") {
    c.type = ChannelType::kOpsgenie;
  } else {
    r.Err(n["type"],
          "unknown channel type \"" + type +
              "\" (expected webhook, slack, email, log, mattermost, msteams, telegram, ntfy, "
              "pagerduty or opsgenie)");
    return;
  }
  CheckKeysOfType(r, n, type);
  switch (c.type) {
    case ChannelType::kWebhook:
      r.Secret(n, "url", true, c.url);
      r.SecretFileOnly(n, "bearer_token_file", c.bearer_token);
      if (const YAML::Node h = n["headers"]; h.IsDefined() && !h.IsNull() && !h.IsMap()) {
        r.Err(h, "expected headers to be a map of header names to values, got " + KindOf(h));
      }
      break;
    case ChannelType::kSlack:
      // An incoming webhook (url), or a bot: chat.postMessage to `channel`,
      // which threads follow-ups under an alert's first message.
      r.SecretFileOnly(n, "bot_token_file", c.bot_token);
      r.OptStr(n, "channel", c.slack_channel);
      if (n["bot_token_file"].IsDefined() || n["channel"].IsDefined()) {
        if (!n["bot_token_file"].IsDefined() || c.slack_channel.empty()) {
          r.Err(
              n,
              "a slack bot needs both bot_token_file and channel (a channel id, like C0123456789)");
        }
        if (n["url"].IsDefined() || n["url_file"].IsDefined()) {
          r.Err(n["url"].IsDefined() ? n["url"] : n["url_file"],
                "set url (an incoming webhook) or bot_token_file + channel, not both");
        }
        c.api_url = "https://slack.com/api";
        r.OptStr(n, "api_url", c.api_url);
        while (c.api_url.ends_with("/")) {
          c.api_url.pop_back();
        }
      } else {
        r.Secret(n, "url", true, c.url);
        if (n["api_url"].IsDefined()) {
          r.Err(n["api_url"], "api_url is for a slack bot (bot_token_file + channel)");
        }
      }
      r.SecretFileOnly(n, "signing_secret_file", c.signing_secret);
      c.text_template = LoadTemplate(r, n, "template_file");
      break;
    case ChannelType::kEmail:
      ParseEmailChannel(r, n, c);
      break;
    case ChannelType::kLog:
      break;
    case ChannelType::kMattermost:
    case ChannelType::kMsTeams:
      r.Secret(n, "url", true, c.url);
      r.SecretFileOnly(n, "actions_token_file", c.actions_token);
      if (n["actions_token_file"].IsDefined() && !c.actions_token.empty() &&
          c.actions_token.Reveal().size() < 16) {
        r.Err(n["actions_token_file"], "the actions token must be at least 16 bytes");
      }
      c.text_template = LoadTemplate(r, n, "template_file");
      break;
    case ChannelType::kTelegram:
      c.api_url = "https://api.telegram.org";
      r.OptStr(n, "api_url", c.api_url);
      while (c.api_url.ends_with("/")) {
        c.api_url.pop_back();
      }
      if (!c.api_url.starts_with("http://") && !c.api_url.starts_with("https://")) {
        r.Err(n["api_url"], "api_url must start with http:// or https://");
      }
      r.SecretFileOnly(n, "bot_token_file", c.bot_token);
      if (!n["bot_token_file"].IsDefined()) {
        r.Err(n, "a telegram channel needs bot_token_file (the token BotFather gave)");
      }
      c.text_template = LoadTemplate(r, n, "template_file");
      break;
    case ChannelType::kNtfy:
      r.Secret(n, "url", true, c.url);
      r.SecretFileOnly(n, "token_file", c.token);
      r.OptStr(n, "username", c.username);
      r.SecretFileOnly(n, "password_file", c.password);
      if (!c.username.empty() && c.password.empty()) {
        r.Err(n["username"], "username needs password_file");
      }
      if (!c.password.empty() && c.username.empty()) {
        r.Err(n["password_file"], "password_file needs username");
      }
      if (!c.token.empty() && !c.username.empty()) {
        r.Err(n["token_file"], "set token_file or username + password_file, not both");
      }
      c.text_template = LoadTemplate(r, n, "template_file");
      break;
    case ChannelType::kPagerDuty:
      ParseProvider(r, n, "https://events.pagerduty.com/v2/enqueue", "routing_key_file", c.url,
                    c.routing_key,
                    "a pagerduty channel needs routing_key_file (the integration's routing key)");
      break;
    case ChannelType::kOpsgenie:
      ParseProvider(r, n, "https://api.opsgenie.com", "api_key_file", c.url, c.api_key,
                    "an opsgenie channel needs api_key_file (the API integration's key)");
      break;
  }
  if (const YAML::Node ca = n["ca_file"]; ca.IsDefined() && !ca.IsNull()) {
    if (auto path = r.Str(ca, "ca_file")) {
      c.ca_file = r.Resolve(*path);
      if (auto text = ReadWholeFile(c.ca_file); !text) {
        r.Err(ca, text.error().message());
      }
    }
  }
  if (!c.url.empty()) {
    const std::string& u = c.url.Reveal();
    if (!u.starts_with("http://") && !u.starts_with("https://")) {
      // The value may be a secret: name the key, never the value.
      r.Err(n["url"].IsDefined() ? n["url"] : n["url_file"],
            "url must start with http:// or https://");
    }
  }
  out.push_back(std::move(c));
}

void ParseHeaders(Reader& r, const YAML::Node& channel, Channel& c) {
  const YAML::Node h = channel["headers"];
  if (!h.IsDefined() || h.IsNull() || !h.IsMap()) {
    return;
  }
  for (auto it = h.begin(); it != h.end(); ++it) {
    auto k = r.Str(it->first, "header name");
    auto v = r.Str(it->second, "header value");
    if (k && v) {
      c.headers[*k] = *v;
    }
  }
}

}  // namespace rota::config::detail
