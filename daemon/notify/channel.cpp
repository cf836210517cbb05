#include "notify/channel.h"

#include <curl/curl.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "log/log.h"
#include "notify/template.h"

#include <boost/json.hpp>

namespace rota::notify {
namespace {

class LogChannel final : public Channel {
 public:
  explicit LogChannel(std::string name) : name_(std::move(name)) {}
  SendResult Send(const Message& m) override {
    log::Info("notification", {{"channel", name_},
                               {"recipient", m.recipient},
                               {"to", m.to},
                               {"kind", m.kind},
                               {"id", m.id},
                               {"summary", m.summary}});
    return {SendOutcome::kDelivered, 1, "logged"};
  }
  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string_view type() const override { return "log"; }

 private:
  std::string name_;
};

std::size_t Discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

class WebhookChannel : public Channel {
 public:
  explicit WebhookChannel(const config::Channel& c)
      : name_(c.name), url_(c.url.Reveal()), timeout_(c.timeout), headers_(c.headers),
        bearer_(c.bearer_token.Reveal()) {}

  // One attempt. Retries are the outbox's job (backoff, jitter, max age),
  // so a worker thread is never parked on a dead receiver.
  SendResult Send(const Message& m) override {
    auto body = Body(m);
    if (!body) {
      return {SendOutcome::kRejected, 1, body.error().message()};
    }
    long status = 0;
    const CURLcode rc = Post(m, *body, status);
    if (rc == CURLE_OK && status >= 200 && status < 300) {
      return {SendOutcome::kDelivered, 1, "HTTP " + std::to_string(status)};
    }
    if (rc == CURLE_OK && status >= 400 && status < 500 && status != 429) {
      return {SendOutcome::kRejected, 1, "HTTP " + std::to_string(status)};
    }
    return {SendOutcome::kFailed, 1,
            rc != CURLE_OK ? std::string(curl_easy_strerror(rc)) : "HTTP " + std::to_string(status)};
  }
  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string_view type() const override { return "webhook"; }

 protected:
  // What to POST for a message: the DESIGN.md JSON as is.
  virtual Result<std::string> Body(const Message& m) { return m.json; }

 private:
  CURLcode Post(const Message& m, const std::string& body, long& status) {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      return CURLE_FAILED_INIT;
    }
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, ("Idempotency-Key: " + m.id).c_str());
    headers = curl_slist_append(headers, "User-Agent: rota");
    for (const auto& [k, v] : headers_) {
      headers = curl_slist_append(headers, (k + ": " + v).c_str());
    }
    if (!bearer_.empty()) {
      headers = curl_slist_append(headers, ("Authorization: Bearer " + bearer_).c_str());
    }
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    const CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc;
  }

  std::string name_;
  std::string url_;
  Duration timeout_;
  std::map<std::string, std::string> headers_;
  std::string bearer_;
};

// Slack incoming webhook: {"text": <the channel's template over the message>}.
class SlackChannel final : public WebhookChannel {
 public:
  explicit SlackChannel(const config::Channel& c)
      : WebhookChannel(c),
        template_(c.text_template.empty() ? std::string(DefaultTemplate(c.type)) : c.text_template) {}
  [[nodiscard]] std::string_view type() const override { return "slack"; }

 protected:
  Result<std::string> Body(const Message& m) override {
    boost::system::error_code ec;
    const boost::json::value data = boost::json::parse(m.json, ec);
    auto text = Render(template_, ec ? boost::json::value(boost::json::object{}) : data);
    if (!text) {
      return Fail(text.error());
    }
    return boost::json::serialize(boost::json::object{{"text", *text}});
  }

 private:
  std::string template_;
};

class NotYetChannel final : public Channel {
 public:
  NotYetChannel(std::string name, std::string type) : name_(std::move(name)), type_(std::move(type)) {}
  SendResult Send(const Message& m) override {
    log::Warn("channel type not deliverable yet; notification not sent",
              {{"channel", name_}, {"type", type_}, {"recipient", m.recipient}, {"id", m.id}});
    return {SendOutcome::kFailed, 0, type_ + " delivery not implemented yet"};
  }
  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string_view type() const override { return type_; }

 private:
  std::string name_;
  std::string type_;
};

}  // namespace

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::unique_ptr<Channel> MakeChannel(const config::Channel& c) {
  switch (c.type) {
    case config::ChannelType::kLog:
      return std::make_unique<LogChannel>(c.name);
    case config::ChannelType::kWebhook:
      return std::make_unique<WebhookChannel>(c);
    case config::ChannelType::kSlack:
      return std::make_unique<SlackChannel>(c);
    case config::ChannelType::kEmail:
      return std::make_unique<NotYetChannel>(c.name, std::string(config::ChannelTypeName(c.type)));
  }
  return std::make_unique<LogChannel>(c.name);
}

}  // namespace rota::notify
