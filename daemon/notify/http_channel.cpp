#include "notify/http_channel.h"

#include <algorithm>

namespace rota::notify::http_channel {
namespace {

std::size_t Discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

// Keeps up to 64 KiB of a response body (a Slack bot's answer).
std::size_t Keep(char* data, std::size_t size, std::size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() < 65536) {
    body->append(data, std::min(size * n, 65536 - body->size()));
  }
  return size * n;
}

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

}  // namespace

Post JsonPost(std::string url, std::string body) {
  Post p;
  p.url = std::move(url);
  p.body = std::move(body);
  return p;
}

Started WebhookChannel::Start(const Message& m) {
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
std::string Field(const boost::json::object* o, std::string_view key, std::string_view sub) {
  if (o == nullptr) {
    return {};
  }
  const auto* v = o->if_contains(key);
  if (v != nullptr && !sub.empty()) {
    v = v->is_object() ? v->as_object().if_contains(sub) : nullptr;
  }
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

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

}  // namespace rota::notify::http_channel
