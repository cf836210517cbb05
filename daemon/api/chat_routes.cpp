// Buttons in chat (docs/channels.md "Buttons in Slack and
// Mattermost"): POST /slack/interactions and POST /mattermost/actions. Both
// are open routes verified by what the chat server proves (Slack: an
// HMAC-SHA256 signature of the timestamped body with a channel's
// signing_secret_file, at most 5 minutes old, never twice; Mattermost: the
// channel's actions token, sent back in the button's context). The chat
// user becomes a rota person through a contact (`to: "@U123"` for Slack,
// `to: "@name"` for Mattermost); the action becomes the API request that
// does the same (POST /api/v1/alerts/{id}/ack or /resolve), dispatched
// inside the router: validated, logged and, on an HA standby, forwarded as
// the API's own. Slack's message is then updated through its response_url
// (on the worker thread); Mattermost's by the answer itself.
#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <set>

#include "api/chat_parse.h"
#include "api/hmac.h"
#include "api/routes.h"
#include "api/views.h"
#include "http/client.h"
#include "log/log.h"

namespace rota::api {
namespace {

namespace json = boost::json;

constexpr std::int64_t kMaxSkewSeconds = 300;

// Signatures seen within the last kMaxSkewSeconds (twice that, to be safe):
// a replayed request is refused.
class ReplayGuard {
 public:
  // False when `signature` was seen already.
  bool First(const std::string& signature, std::int64_t now_s) {
    std::lock_guard lock(mu_);
    while (!order_.empty() && order_.front().first < now_s - 2 * kMaxSkewSeconds) {
      seen_.erase(order_.front().second);
      order_.pop_front();
    }
    if (!seen_.insert(signature).second) {
      return false;
    }
    order_.emplace_back(now_s, signature);
    return true;
  }

 private:
  std::mutex mu_;
  std::set<std::string> seen_;                              // guarded by mu_
  std::deque<std::pair<std::int64_t, std::string>> order_;  // guarded by mu_
};

std::string Header(const http::Request& req, std::string_view name) {
  for (const auto& [k, v] : req.headers) {
    if (k == name) {
      return v;
    }
  }
  return {};
}

// The API request an action stands for.
struct Act {
  std::string verb;  // ack | resolve
  std::string alert;
};

// The API call, limited to an alert `channel` was sent (else 403).
void Dispatch(http::Router& router, const Act& act, const std::string& person,
              const std::string& via, const std::string& channel,
              std::function<void(const http::Response&)> done) {
  auto req =
      http::MakeRequest("POST", "/api/v1/alerts/" + act.alert + "/" + act.verb,
                        json::serialize(json::object{
                            {"by", person}, {"comment", "via " + via}, {"channel", channel}}));
  if (!req) {
    done(http::Response::Error(400, "malformed alert id"));
    return;
  }
  req->remote_address = via;
  req->remote_is_loopback = true;
  req->headers.emplace_back("content-type", "application/json");
  router.DispatchInternal(std::move(*req), [done = std::move(done)](http::Response r) {
    if (r.render) {
      r.body = r.render();
      r.render = nullptr;
    }
    done(r);
  });
}

// "https://hooks.slack.com/actions/T/1/x" -> ("https://hooks.slack.com", "/actions/T/1/x").
std::optional<std::pair<std::string, std::string>> SplitUrl(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos ||
      (!url.starts_with("https://") && !url.starts_with("http://"))) {
    return std::nullopt;
  }
  const auto slash = url.find('/', scheme + 3);
  return std::pair{url.substr(0, slash),
                   slash == std::string::npos ? std::string("/") : url.substr(slash)};
}

std::string Outcome(const Act& act, const http::Response& r, const std::string& person) {
  if (r.status >= 200 && r.status < 300) {
    return std::string(act.verb == "ack" ? "Acknowledged" : "Resolved") + " by " + person +
           " (rota)";
  }
  std::string why = "HTTP " + std::to_string(r.status);
  boost::system::error_code ec;
  const json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object() && v.as_object().contains("error") && v.at("error").is_string()) {
    why = std::string(v.at("error").as_string());
  }
  return "rota could not " + act.verb + " alert " + act.alert + ": " + why;
}

void SlackInteractions(http::Router& router, Host& host, std::shared_ptr<ReplayGuard> replays) {
  router.Handle(
      "POST", "/slack/interactions", http::Access::kOpen,
      [&router, &host, replays](http::Request& req, http::Reply reply) {
        const auto snap = host.Current();
        const std::string ts = Header(req, "x-slack-request-timestamp");
        const std::string sig = Header(req, "x-slack-signature");
        const std::int64_t now_s =
            std::chrono::duration_cast<std::chrono::seconds>(host.Now().time_since_epoch()).count();
        const auto ts_s = http::ParseId(ts);
        if (sig.empty() || !ts_s) {
          reply(
              http::Response::Error(403, "missing X-Slack-Signature or X-Slack-Request-Timestamp"));
          return;
        }
        if (std::abs(now_s - static_cast<std::int64_t>(*ts_s)) > kMaxSkewSeconds) {
          reply(http::Response::Error(403,
                                      "stale request: the timestamp is more than 5 minutes off"));
          return;
        }
        const config::Channel* channel = nullptr;
        for (const auto& c : snap.config->channels) {
          if (c.type == config::ChannelType::kSlack && !c.signing_secret.empty() &&
              SameDigest(SlackSignature(c.signing_secret.Reveal(), ts, req.body), sig)) {
            channel = &c;
            break;
          }
        }
        if (channel == nullptr) {
          reply(http::Response::Error(403, "bad signature"));
          return;
        }
        if (!replays->First(sig, now_s)) {
          reply(http::Response::Error(403, "replayed request"));
          return;
        }
        auto parsed = ParseSlackAction(req.body);
        if (!parsed) {
          reply(http::Response::Error(400, parsed.error().message()));
          return;
        }
        const std::string user_id = parsed->user;
        const Act act_value{parsed->verb, parsed->alert};
        const std::optional<Act> act = act_value;
        const config::Person* person = ChatPerson(*snap.config, channel->name, user_id);
        if (person == nullptr) {
          log::Warn("Slack action from a user who is nobody in rota on its channel",
                    {{"slack_user", user_id}, {"channel", channel->name}});
          reply(http::Response::Error(403, "Slack user " + user_id.substr(0, 32) +
                                               " is not a rota person on channel " + channel->name +
                                               " (add a contact with channel: " + channel->name +
                                               ", to: \"@" + user_id.substr(0, 32) + "\")"));
          return;
        }
        const std::string response_url = parsed->response_url;
        const std::string original = parsed->message;
        const std::string who = person->id;
        const std::string via = channel->name;
        Dispatch(router, *act, who, "Slack", via,
                 [&host, act = *act, who, via, response_url, original,
                  reply = std::move(reply)](const http::Response& r) {
                   const std::string outcome = Outcome(act, r, who);
                   log::Info("Slack action", {{"alert", act.alert},
                                              {"action", act.verb},
                                              {"by", who},
                                              {"channel", via},
                                              {"status", r.status}});
                   // The original message, updated: who took it, buttons gone.
                   if (auto url = SplitUrl(response_url)) {
                     const std::string body = json::serialize(json::object{
                         {"replace_original", true},
                         {"text", original.empty() ? outcome : original + "\n" + outcome}});
                     host.RunBlocking([url = *url, body] {
                       auto sent = http::Fetch(url.first, "POST", url.second, body,
                                               {{"Content-Type", "application/json"}},
                                               std::chrono::seconds(10));
                       if (!sent || sent->status >= 300) {
                         log::Warn("cannot update the Slack message",
                                   {{"error", sent ? "HTTP " + std::to_string(sent->status)
                                                   : sent.error().message()}});
                       }
                     });
                   }
                   http::Response ok;
                   ok.status = 200;
                   ok.content_type = "text/plain; charset=utf-8";
                   reply(std::move(ok));
                 });
      });
}

void MattermostActions(http::Router& router, Host& host) {
  router.Handle(
      "POST", "/mattermost/actions", http::Access::kOpen,
      [&router, &host](http::Request& req, http::Reply reply) {
        const auto snap = host.Current();
        auto parsed = ParseMattermostAction(req.body);
        if (!parsed) {
          reply(http::Response::Error(400, parsed.error().message()));
          return;
        }
        const std::string token = parsed->token;
        const config::Channel* channel = nullptr;
        for (const auto& c : snap.config->channels) {
          if (c.type == config::ChannelType::kMattermost && !c.actions_token.empty() &&
              SameDigest(c.actions_token.Reveal(), token)) {
            channel = &c;
            break;
          }
        }
        if (channel == nullptr) {
          reply(http::Response::Error(403, "bad actions token"));
          return;
        }
        const std::optional<Act> act = Act{parsed->verb, parsed->alert};
        const std::string user = parsed->user;
        const config::Person* person = ChatPerson(*snap.config, channel->name, user);
        if (person == nullptr) {
          log::Warn("Mattermost action from a user who is nobody in rota on its channel",
                    {{"mattermost_user", user}, {"channel", channel->name}});
          reply(http::Response::Error(403, "Mattermost user " + user.substr(0, 64) +
                                               " is not a rota person on channel " + channel->name +
                                               " (add a contact with channel: " + channel->name +
                                               ", to: \"@" + user.substr(0, 64) + "\")"));
          return;
        }
        const std::string who = person->id;
        const std::string via = channel->name;
        Dispatch(
            router, *act, who, "Mattermost", via,
            [act = *act, who, via, reply = std::move(reply)](const http::Response& r) {
              const std::string outcome = Outcome(act, r, who);
              log::Info("Mattermost action", {{"alert", act.alert},
                                              {"action", act.verb},
                                              {"by", who},
                                              {"channel", via},
                                              {"status", r.status}});
              reply(JsonResponse(200, json::object{{"update", json::object{{"message", outcome}}},
                                                   {"ephemeral_text", outcome}}));
            });
      });
}

}  // namespace

void RegisterChatRoutes(http::Router& router, Host& host) {
  SlackInteractions(router, host, std::make_shared<ReplayGuard>());
  MattermostActions(router, host);
}

}  // namespace rota::api
