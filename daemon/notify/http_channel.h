// What every HTTP channel shares (notify/channel.h's MakeChannel builds
// them): one POST per attempt on a pooled libcurl handle, with the
// Idempotency-Key, the channel's headers, bearer token, CA and timeout;
// what to POST is each channel's Request(). The shared pieces of the
// payloads (the first alert, a title, a severity) are here too. Private to
// notify/.
//
// Thread-safety: a channel's Start may be called from its lane's thread
// only; the handle pool locks for itself.
#pragma once

#include <curl/curl.h>

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "notify/channel.h"

namespace rota::notify::http_channel {

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

// What one attempt of an HTTP channel sends.
struct Post {
  std::string url;  // empty: the channel's url
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::string> headers;  // more header lines
  std::string userpwd;               // "user:password" for basic auth
  Interpreter interpret;             // set: reads the answer's body
};

Post JsonPost(std::string url, std::string body);

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
  Started Start(const Message& m) override;
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
const boost::json::object* FirstAlert(const boost::json::value& data);
// A string field of an object (or of one nested in it), or "".
std::string Field(const boost::json::object* o, std::string_view key, std::string_view sub = {});
// A one-line title for push and card channels.
std::string Title(const Message& m);
// The alert's severity label as PagerDuty and Opsgenie take it.
std::string SeverityOf(const boost::json::object* alert);

// One file each.
std::unique_ptr<Channel> MakeSlack(const config::Channel& c);  // and Mattermost
std::unique_ptr<Channel> MakeTeams(const config::Channel& c);
std::unique_ptr<Channel> MakeTelegram(const config::Channel& c);
std::unique_ptr<Channel> MakeNtfy(const config::Channel& c);
std::unique_ptr<Channel> MakePagerDuty(const config::Channel& c);
std::unique_ptr<Channel> MakeOpsgenie(const config::Channel& c);

}  // namespace rota::notify::http_channel
