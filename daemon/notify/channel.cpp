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
#include "notify/http_channel.h"
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
      return std::make_unique<http_channel::WebhookChannel>(c);
    case config::ChannelType::kSlack:
    case config::ChannelType::kMattermost:
      return http_channel::MakeSlack(c);
    case config::ChannelType::kMsTeams:
      return http_channel::MakeTeams(c);
    case config::ChannelType::kTelegram:
      return http_channel::MakeTelegram(c);
    case config::ChannelType::kNtfy:
      return http_channel::MakeNtfy(c);
    case config::ChannelType::kPagerDuty:
      return http_channel::MakePagerDuty(c);
    case config::ChannelType::kOpsgenie:
      return http_channel::MakeOpsgenie(c);
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
