#include "notify/channel.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <ctime>
#include <mutex>
#include <thread>

#include "log/log.h"
#include "notify/email.h"
#include "notify/template.h"

namespace rota::notify {

std::shared_ptr<const Body> MakeBody(boost::json::value data) {
  auto b = std::make_shared<Body>();
  b->json = boost::json::serialize(data);
  b->data = std::move(data);
  return b;
}

std::shared_ptr<const Body> ParseBody(std::string_view json) {
  auto b = std::make_shared<Body>();
  boost::system::error_code ec;
  b->data = boost::json::parse(json, ec);
  if (ec || !b->data.is_object()) {
    b->data = boost::json::object{};
  }
  b->json = std::string(json);
  return b;
}

namespace {

class LogChannel final : public Channel {
 public:
  explicit LogChannel(std::string name) : name_(std::move(name)) {}
  Started Start(const Message& m) override {
    log::Info("notification", {{"channel", name_},
                               {"recipient", m.recipient},
                               {"to", m.to},
                               {"kind", m.kind},
                               {"id", m.id},
                               {"summary", m.summary}});
    return {nullptr, {SendOutcome::kDelivered, 1, "logged"}};
  }
  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string_view type() const override { return "log"; }

 private:
  std::string name_;
};

std::size_t Discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

// Keeps up to 64 KiB of a response body (a Slack bot's answer).
std::size_t Keep(char* data, std::size_t size, std::size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() < 65536) {
    body->append(data, std::min(size * n, 65536 - body->size()));
  }
  return size * n;
}

// Turns an HTTP result and the response body into the channel's result.
using Interpreter = std::function<SendResult(SendResult http, std::string_view body)>;

struct CurlCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using Handle = std::unique_ptr<CURL, CurlCleanup>;

// Idle curl handles of one channel, at most one per concurrent send.
class HandlePool {
 public:
  Handle Take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        Handle h = std::move(idle_.back());
        idle_.pop_back();
        curl_easy_reset(h.get());
        return h;
      }
    }
    return Handle(curl_easy_init());
  }
  void Give(Handle h) {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(std::move(h));
    }
  }

 private:
  static constexpr std::size_t kMaxIdle = 64;
  std::mutex mu_;
  std::vector<Handle> idle_;  // guarded by mu_
};

// One POST: the body and header list live here until the transfer ends;
// the handle goes back to its channel's pool.
class WebhookAttempt final : public Attempt {
 public:
  WebhookAttempt(HandlePool& pool, Handle h, std::string body)
      : pool_(pool), handle_(std::move(h)), body_(std::move(body)) {}
  ~WebhookAttempt() override {
    curl_slist_free_all(headers_);
    pool_.Give(std::move(handle_));
  }
  WebhookAttempt(const WebhookAttempt&) = delete;
  WebhookAttempt& operator=(const WebhookAttempt&) = delete;

  [[nodiscard]] void* easy() const override { return handle_.get(); }
  [[nodiscard]] const std::string& body() const { return body_; }
  void AddHeader(const std::string& line) { headers_ = curl_slist_append(headers_, line.c_str()); }
  [[nodiscard]] curl_slist* headers() const { return headers_; }

  SendResult Finish(int code) override {
    const SendResult http = HttpResult(code);
    return interpret_ ? interpret_(http, response_) : http;
  }
  // Keeps the response body and lets `interpret` decide the result.
  void Interpret(Interpreter interpret) {
    interpret_ = std::move(interpret);
    curl_easy_setopt(handle_.get(), CURLOPT_WRITEFUNCTION, Keep);
    curl_easy_setopt(handle_.get(), CURLOPT_WRITEDATA, &response_);
  }

 private:
  SendResult HttpResult(int code) {
    const auto rc = static_cast<CURLcode>(code);
    long status = 0;
    curl_easy_getinfo(handle_.get(), CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && status >= 200 && status < 300) {
      return {SendOutcome::kDelivered, 1, "HTTP " + std::to_string(status), {}};
    }
    if (rc == CURLE_OK && status >= 400 && status < 500 && status != 429) {
      return {SendOutcome::kRejected, 1, "HTTP " + std::to_string(status), {}};
    }
    return {SendOutcome::kFailed,
            1,
            rc != CURLE_OK ? std::string(curl_easy_strerror(rc)) : "HTTP " + std::to_string(status),
            {}};
  }

 public:
 private:
  HandlePool& pool_;
  Handle handle_;
  std::string body_;  // CURLOPT_POSTFIELDS is not copied by libcurl
  curl_slist* headers_ = nullptr;
  Interpreter interpret_;
  std::string response_;
};

// What one attempt of an HTTP channel sends.
struct Post {
  std::string url;  // empty: the channel's url
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::string> headers;  // more header lines
  std::string userpwd;               // "user:password" for basic auth
  Interpreter interpret;             // set: reads the answer's body
};

Post JsonPost(std::string url, std::string body) {
  Post p;
  p.url = std::move(url);
  p.body = std::move(body);
  return p;
}

class WebhookChannel : public Channel {
 public:
  explicit WebhookChannel(const config::Channel& c)
      : name_(c.name),
        type_(config::ChannelTypeName(c.type)),
        url_(c.url.Reveal()),
        timeout_(c.timeout),
        headers_(c.headers),
        bearer_(c.bearer_token.Reveal()),
        ca_file_(c.ca_file) {}

  // One attempt. Retries are the outbox's job (backoff, jitter, max age),
  // so a lane is never parked on a dead receiver.
  Started Start(const Message& m) override {
    auto post = Request(m);
    if (!post) {
      return {nullptr, {SendOutcome::kRejected, 1, post.error().message()}};
    }
    // A pooled handle saves the set-up; kept-alive connections live in the
    // multi handle that performs it.
    Handle h = handles_.Take();
    if (h == nullptr) {
      return {nullptr, {SendOutcome::kFailed, 1, "curl_easy_init failed"}};
    }
    CURL* curl = h.get();
    auto a = std::make_unique<WebhookAttempt>(handles_, std::move(h), std::move(post->body));
    a->AddHeader("Content-Type: " + post->content_type);
    a->AddHeader("Idempotency-Key: " + m.id);
    for (const auto& line : post->headers) {
      a->AddHeader(line);
    }
    a->AddHeader("User-Agent: rota");
    for (const auto& [k, v] : headers_) {
      a->AddHeader(k + ": " + v);
    }
    if (!bearer_.empty()) {
      a->AddHeader("Authorization: Bearer " + bearer_);
    }
    curl_easy_setopt(curl, CURLOPT_URL, post->url.empty() ? url_.c_str() : post->url.c_str());
    if (!post->userpwd.empty()) {
      curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      curl_easy_setopt(curl, CURLOPT_USERPWD, post->userpwd.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, a->headers());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, a->body().c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(a->body().size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
    if (post->interpret) {
      a->Interpret(std::move(post->interpret));
    }
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!ca_file_.empty()) {
      // Trust exactly these CAs (a private PKI) instead of the system's.
      curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file_.c_str());
      curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
    }
    return {std::move(a), {}};
  }
  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string_view type() const override { return type_; }

 protected:
  // What to POST for a message: the JSON of docs/api.md "The outgoing webhook", as is.
  virtual Result<Post> Request(const Message& m) { return JsonPost("", m.body->json); }
  [[nodiscard]] const std::string& url() const { return url_; }

 private:
  HandlePool handles_;
  std::string name_;
  std::string type_;
  std::string url_;
  Duration timeout_;
  std::map<std::string, std::string> headers_;
  std::string bearer_;
  std::string ca_file_;
};

// The first alert of a message's data, or null (a review has none).
const boost::json::object* FirstAlert(const boost::json::value& data) {
  const auto* o = data.if_object();
  const auto* alerts = o != nullptr ? o->if_contains("alerts") : nullptr;
  if (alerts == nullptr || !alerts->is_array() || alerts->as_array().empty() ||
      !alerts->as_array().front().is_object()) {
    return nullptr;
  }
  return &alerts->as_array().front().as_object();
}

// A string field of an object (or of one nested in it), or "".
std::string Field(const boost::json::object* o, std::string_view key, std::string_view sub = {}) {
  if (o == nullptr) {
    return {};
  }
  const auto* v = o->if_contains(key);
  if (v != nullptr && !sub.empty()) {
    v = v->is_object() ? v->as_object().if_contains(sub) : nullptr;
  }
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Slack incoming webhook: {"text": <the channel's template over the message>}.
class SlackChannel final : public WebhookChannel {
 public:
  explicit SlackChannel(const config::Channel& c)
      : WebhookChannel(c),
        template_(c.text_template.empty() ? std::string(DefaultTemplate(c.type)) : c.text_template),
        escape_(c.type == config::ChannelType::kSlack ? Escape::kHtml : Escape::kNone),
        slack_buttons_(c.type == config::ChannelType::kSlack && !c.signing_secret.empty()),
        actions_token_(c.type == config::ChannelType::kMattermost ? c.actions_token.Reveal() : ""),
        actions_url_(c.external_url + "/mattermost/actions"),
        bot_token_(c.type == config::ChannelType::kSlack ? c.bot_token.Reveal() : ""),
        bot_url_(c.api_url + "/chat.postMessage"),
        bot_channel_(c.slack_channel) {}

 protected:
  Result<Post> Request(const Message& m) override {
    namespace json = boost::json;
    auto text = Render(template_, m.body->data, escape_);
    if (!text) {
      return Fail(text.error());
    }
    json::object body{{"text", *text}};
    // Buttons: Acknowledge and Resolve for each alert of a page (at most 10).
    const auto* data = m.body->data.if_object();
    const auto* alerts = data != nullptr ? data->if_contains("alerts") : nullptr;
    const bool page = m.kind == "alert" || m.kind == "digest";
    if (page && alerts != nullptr && alerts->is_array() && !alerts->as_array().empty() &&
        (slack_buttons_ || !actions_token_.empty())) {
      json::array elements;  // Slack Block Kit
      json::array actions;   // Mattermost message actions
      std::size_t n = 0;
      for (const auto& v : alerts->as_array()) {
        if (!v.is_object() || n++ == 10) {
          break;
        }
        const std::string id = Field(&v.as_object(), "id");
        std::string name = Field(&v.as_object(), "labels", "alertname");
        const std::string suffix = alerts->as_array().size() > 1 ? " " + name.substr(0, 40) : "";
        for (const auto& [verb, label] :
             {std::pair{"ack", "Acknowledge"}, std::pair{"resolve", "Resolve"}}) {
          json::object button{
              {"type", "button"},
              {"text", json::object{{"type", "plain_text"}, {"text", label + suffix}}},
              {"action_id", std::string("rota_") + verb + "_" + id},
              {"value", std::string(verb) + ":" + id}};
          if (std::string_view(verb) == "ack") {
            button["style"] = "primary";
          }
          elements.push_back(std::move(button));
          actions.push_back(json::object{
              {"id", std::string(verb) + id},
              {"name", label + suffix},
              {"integration", json::object{{"url", actions_url_},
                                           {"context", json::object{{"action", verb},
                                                                    {"alert", id},
                                                                    {"token", actions_token_}}}}}});
        }
      }
      if (slack_buttons_) {
        body["blocks"] = json::array{
            json::object{{"type", "section"},
                         {"text", json::object{{"type", "mrkdwn"}, {"text", *text}}}},
            json::object{
                {"type", "actions"}, {"block_id", "rota"}, {"elements", std::move(elements)}}};
      } else {
        body["attachments"] = json::array{json::object{{"actions", std::move(actions)}}};
      }
    }
    if (bot_token_.empty()) {
      return JsonPost("", json::serialize(body));
    }
    // A bot: chat.postMessage; a follow-up replies in the alert's thread,
    // and the answer's "ts" names the message (the thread of what follows).
    body["channel"] = bot_channel_;
    if (const std::string thread = Field(data, "thread_ts"); !thread.empty()) {
      body["thread_ts"] = thread;
    }
    Post p = JsonPost(bot_url_, json::serialize(body));
    p.content_type = "application/json; charset=utf-8";
    p.headers.push_back("Authorization: Bearer " + bot_token_);
    p.interpret = [](SendResult http, std::string_view answer) {
      if (http.outcome != SendOutcome::kDelivered) {
        return http;
      }
      boost::system::error_code ec;
      const json::value v = json::parse(answer, ec);
      const auto* o = v.if_object();
      const auto* ok = o != nullptr ? o->if_contains("ok") : nullptr;
      if (ec || ok == nullptr || !ok->is_bool()) {
        return SendResult{SendOutcome::kFailed, 1, "Slack: not a Web API answer", {}};
      }
      if (!ok->as_bool()) {
        const std::string error = Field(o, "error");
        // Slack answers 200 with ok:false: rate limits and its own outages pass.
        const bool passes = error == "ratelimited" || error == "internal_error" ||
                            error == "fatal_error" || error == "service_unavailable" ||
                            error == "request_timeout";
        return SendResult{passes ? SendOutcome::kFailed : SendOutcome::kRejected,
                          1,
                          "Slack: " + error.substr(0, 100),
                          {}};
      }
      return SendResult{SendOutcome::kDelivered, 1, http.detail, Field(o, "ts")};
    };
    return p;
  }

 private:
  std::string template_;
  Escape escape_;
  bool slack_buttons_;
  std::string actions_token_;  // mattermost: sent back by its actions; never logged
  std::string actions_url_;
  std::string bot_token_;  // slack bot: never logged
  std::string bot_url_;
  std::string bot_channel_;
};

// A one-line title for push and card channels.
std::string Title(const Message& m) {
  const auto* alert = FirstAlert(m.body->data);
  const std::string name = Field(alert, "labels", "alertname");
  if (m.kind == "review") {
    const auto* data = m.body->data.if_object();
    return "Review of " + Field(data, "review", "team_name");
  }
  const std::string head = m.kind == "resolved"       ? "Resolved"
                           : m.kind == "acknowledged" ? "Acknowledged"
                           : m.kind == "digest"       ? "Held for you"
                                                      : "Alert";
  return name.empty() ? head : head + ": " + name;
}

// Microsoft Teams (a Workflows or incoming webhook): an Adaptive Card with
// the title, the template's text and a button to the ack link (or the
// report, for a review).
class TeamsChannel final : public WebhookChannel {
 public:
  explicit TeamsChannel(const config::Channel& c)
      : WebhookChannel(c),
        template_(c.text_template.empty() ? std::string(DefaultTemplate(c.type))
                                          : c.text_template) {}

 protected:
  Result<Post> Request(const Message& m) override {
    namespace json = boost::json;
    auto text = Render(template_, m.body->data, Escape::kNone);
    if (!text) {
      return Fail(text.error());
    }
    json::array actions;
    const auto* data = m.body->data.if_object();
    const std::string link =
        m.kind == "review" ? Field(data, "review", "url") : Field(data, "ack_url");
    if (!link.empty()) {
      actions.push_back(
          json::object{{"type", "Action.OpenUrl"},
                       {"title", m.kind == "review" ? "Open the report" : "Acknowledge"},
                       {"url", link}});
    }
    json::object card{
        {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
        {"type", "AdaptiveCard"},
        {"version", "1.4"},
        {"body", json::array{json::object{{"type", "TextBlock"},
                                          {"text", Title(m)},
                                          {"weight", "Bolder"},
                                          {"size", "Medium"},
                                          {"wrap", true}},
                             json::object{{"type", "TextBlock"}, {"text", *text}, {"wrap", true}}}},
        {"actions", std::move(actions)}};
    json::object message{
        {"type", "message"},
        {"attachments",
         json::array{json::object{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                  {"contentUrl", nullptr},
                                  {"content", std::move(card)}}}}};
    return JsonPost("", json::serialize(message));
  }

 private:
  std::string template_;
};

// Telegram Bot API: sendMessage to the contact's chat id, plain text.
class TelegramChannel final : public WebhookChannel {
 public:
  explicit TelegramChannel(const config::Channel& c)
      : WebhookChannel(c),
        endpoint_(c.api_url + "/bot" + c.bot_token.Reveal() + "/sendMessage"),
        template_(c.text_template.empty() ? std::string(DefaultTemplate(c.type))
                                          : c.text_template) {}

 protected:
  Result<Post> Request(const Message& m) override {
    auto text = Render(template_, m.body->data, Escape::kNone);
    if (!text) {
      return Fail(text.error());
    }
    if (m.to.empty()) {
      return Fail(Error::InvalidArgument("a telegram contact needs a chat id in to"));
    }
    boost::json::object body{
        {"chat_id", m.to}, {"text", text->substr(0, 4096)}, {"disable_web_page_preview", true}};
    return JsonPost(endpoint_, boost::json::serialize(body));
  }

 private:
  std::string endpoint_;  // holds the token: never logged
  std::string template_;
};

// ntfy: the text as the body of a POST to the topic URL; title, priority
// (from the severity label), tags and an Acknowledge button in headers.
class NtfyChannel final : public WebhookChannel {
 public:
  explicit NtfyChannel(const config::Channel& c)
      : WebhookChannel(c),
        template_(c.text_template.empty() ? std::string(DefaultTemplate(c.type)) : c.text_template),
        token_(c.token.Reveal()),
        userpwd_(c.username.empty() ? std::string() : c.username + ":" + c.password.Reveal()) {}

 protected:
  Result<Post> Request(const Message& m) override {
    auto text = Render(template_, m.body->data, Escape::kNone);
    if (!text) {
      return Fail(text.error());
    }
    Post p = JsonPost("", std::move(*text));
    p.content_type = "text/plain; charset=utf-8";
    p.headers.push_back("Title: " + EmailHeaderValue(Title(m)));
    const std::string severity = Field(FirstAlert(m.body->data), "labels", "severity");
    int priority = 4;  // high: a page
    if (m.kind == "resolved" || m.kind == "acknowledged" || m.kind == "review") {
      priority = 2;
    } else if (severity == "critical" || severity == "page" || severity == "emergency") {
      priority = 5;
    } else if (severity == "warning") {
      priority = 3;
    } else if (severity == "info" || severity == "none") {
      priority = 2;
    }
    p.headers.push_back("Priority: " + std::to_string(priority));
    p.headers.push_back(std::string("Tags: ") + (m.kind == "resolved"       ? "white_check_mark"
                                                 : m.kind == "acknowledged" ? "eyes"
                                                 : m.kind == "review"       ? "bar_chart"
                                                 : m.kind == "digest"       ? "hourglass"
                                                                            : "rotating_light"));
    const auto* data = m.body->data.if_object();
    const std::string link =
        m.kind == "review" ? Field(data, "review", "url") : Field(data, "ack_url");
    if (!link.empty() && link.find_first_of(",;\r\n") == std::string::npos) {
      p.headers.push_back(std::string("Actions: view, ") +
                          (m.kind == "review" ? "Open the report" : "Acknowledge") + ", " + link +
                          (m.kind == "review" ? "" : ", clear=true"));
    }
    if (!token_.empty()) {
      p.headers.push_back("Authorization: Bearer " + token_);
    }
    p.userpwd = userpwd_;
    return p;
  }

 private:
  std::string template_;
  std::string token_;
  std::string userpwd_;
};

std::string SeverityOf(const boost::json::object* alert) {
  const std::string s = Field(alert, "labels", "severity");
  if (s == "critical" || s == "page" || s == "emergency") {
    return "critical";
  }
  if (s == "warning" || s == "info" || s == "error") {
    return s;
  }
  return "error";
}

// PagerDuty Events API v2, out: one event per rota alert (the compose step
// splits messages per alert for this channel), trigger on a page, resolve
// when it resolved; dedup_key "rota-<alert id>" joins them.
class PagerDutyChannel final : public WebhookChannel {
 public:
  explicit PagerDutyChannel(const config::Channel& c)
      : WebhookChannel(c), routing_key_(c.routing_key.Reveal()) {}

 protected:
  Result<Post> Request(const Message& m) override {
    namespace json = boost::json;
    const auto* alert = FirstAlert(m.body->data);
    if (alert == nullptr) {
      return Fail(Error::InvalidArgument("a pagerduty channel sends alerts only (this is a " +
                                         m.kind + ")"));
    }
    const std::string id = Field(alert, "id");
    json::object event{{"routing_key", routing_key_},
                       {"event_action", m.kind == "resolved"       ? "resolve"
                                        : m.kind == "acknowledged" ? "acknowledge"
                                                                   : "trigger"},
                       {"dedup_key", "rota-" + id}};
    if (m.kind != "resolved" && m.kind != "acknowledged") {
      std::string summary = Field(alert, "labels", "alertname");
      if (const std::string s = Field(alert, "annotations", "summary"); !s.empty()) {
        summary += ": " + s;
      }
      const std::string instance = Field(alert, "labels", "instance");
      json::object details{{"rota_alert_id", id},
                           {"labels", alert->at("labels")},
                           {"annotations", alert->at("annotations")}};
      if (const auto* data = m.body->data.if_object()) {
        details["route"] = Field(data, "route");
        details["reason"] = Field(data, "reason");
      }
      event["payload"] = json::object{{"summary", summary.substr(0, 1024)},
                                      {"source", instance.empty() ? std::string("rota") : instance},
                                      {"severity", SeverityOf(alert)},
                                      {"custom_details", std::move(details)}};
      event["client"] = "rota";
      if (const std::string ack = Field(alert, "ack_url"); !ack.empty()) {
        event["links"] = json::array{json::object{{"href", ack}, {"text", "Acknowledge in rota"}}};
      }
    }
    return JsonPost("", json::serialize(event));
  }

 private:
  std::string routing_key_;
};

// Opsgenie Alerts API: create by alias "rota-<alert id>", close by alias
// when it resolved. One request per rota alert.
class OpsgenieChannel final : public WebhookChannel {
 public:
  explicit OpsgenieChannel(const config::Channel& c)
      : WebhookChannel(c), api_key_(c.api_key.Reveal()) {}

 protected:
  Result<Post> Request(const Message& m) override {
    namespace json = boost::json;
    const auto* alert = FirstAlert(m.body->data);
    if (alert == nullptr) {
      return Fail(Error::InvalidArgument("an opsgenie channel sends alerts only (this is a " +
                                         m.kind + ")"));
    }
    std::string base = url();
    while (base.ends_with("/")) {
      base.pop_back();
    }
    const std::string alias = "rota-" + Field(alert, "id");
    Post p;
    p.headers.push_back("Authorization: GenieKey " + api_key_);
    if (m.kind == "resolved" || m.kind == "acknowledged") {
      const bool closed = m.kind == "resolved";
      p.url = base + "/v2/alerts/" + alias + (closed ? "/close" : "/acknowledge") +
              "?identifierType=alias";
      const auto* data = m.body->data.if_object();
      p.body = json::serialize(json::object{
          {"source", "rota"},
          {"note", closed ? std::string("resolved in rota") : Field(data, "reason") + " in rota"}});
      return p;
    }
    const std::string severity = SeverityOf(alert);
    json::object details;
    if (const auto* labels = alert->if_contains("labels");
        labels != nullptr && labels->is_object()) {
      for (const auto& [k, v] : labels->as_object()) {
        if (v.is_string()) {
          details[k] = v;
        }
      }
    }
    json::object body{{"message", Field(alert, "labels", "alertname").substr(0, 130)},
                      {"alias", alias},
                      {"description", Field(alert, "annotations", "summary").substr(0, 15000)},
                      {"priority", severity == "critical"  ? "P1"
                                   : severity == "error"   ? "P2"
                                   : severity == "warning" ? "P3"
                                                           : "P5"},
                      {"source", "rota"},
                      {"details", std::move(details)}};
    if (const auto* data = m.body->data.if_object();
        data != nullptr && !Field(data, "route").empty()) {
      body["tags"] = json::array{json::value(Field(data, "route"))};
    }
    p.url = base + "/v2/alerts";
    p.body = json::serialize(body);
    return p;
  }

 private:
  std::string api_key_;
};

}  // namespace

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

namespace {

std::unique_ptr<Channel> Build(const config::Channel& c) {
  switch (c.type) {
    case config::ChannelType::kLog:
      return std::make_unique<LogChannel>(c.name);
    case config::ChannelType::kWebhook:
      return std::make_unique<WebhookChannel>(c);
    case config::ChannelType::kSlack:
    case config::ChannelType::kMattermost:
      return std::make_unique<SlackChannel>(c);
    case config::ChannelType::kMsTeams:
      return std::make_unique<TeamsChannel>(c);
    case config::ChannelType::kTelegram:
      return std::make_unique<TelegramChannel>(c);
    case config::ChannelType::kNtfy:
      return std::make_unique<NtfyChannel>(c);
    case config::ChannelType::kPagerDuty:
      return std::make_unique<PagerDutyChannel>(c);
    case config::ChannelType::kOpsgenie:
      return std::make_unique<OpsgenieChannel>(c);
    case config::ChannelType::kEmail:
      return MakeEmailChannel(c);
  }
  return std::make_unique<LogChannel>(c.name);
}

}  // namespace

std::unique_ptr<Channel> MakeChannel(const config::Channel& c) {
  auto ch = Build(c);
  ch->set_limits({c.max_concurrency, c.rate_limit, c.rate_burst});
  return ch;
}

}  // namespace rota::notify
