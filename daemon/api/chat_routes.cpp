// Buttons in chat (issue 16; docs/channels.md "Buttons in Slack and
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

// The person whose contact on a channel of `type` is `@user` (or `user`).
const config::Person* PersonOf(const config::Config& c, config::ChannelType type, const std::string& user) {
  if (user.empty()) {
    return nullptr;
  }
  for (const auto& p : c.people) {
    for (const auto& contact : p.contacts) {
      const config::Channel* ch = c.FindChannel(contact.channel);
      if (ch != nullptr && ch->type == type && (contact.to == "@" + user || contact.to == user)) {
        return &p;
      }
    }
  }
  return nullptr;
}

// The API request an action stands for; empty target when it is none.
struct Act {
  std::string verb;  // ack | resolve
  std::string alert;
};
std::optional<Act> ParseAct(std::string_view verb, std::string_view alert) {
  if ((verb != "ack" && verb != "resolve") || !http::ParseId(alert)) {
    return std::nullopt;
  }
  return Act{std::string(verb), std::string(alert)};
}

void Dispatch(http::Router& router, const Act& act, const std::string& person, const std::string& via,
              std::function<void(const http::Response&)> done) {
  auto req = http::MakeRequest(
      "POST", "/api/v1/alerts/" + act.alert + "/" + act.verb,
      json::serialize(json::object{{"by", person}, {"comment", "via " + via}}));
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
  if (scheme == std::string::npos || (!url.starts_with("https://") && !url.starts_with("http://"))) {
    return std::nullopt;
  }
  const auto slash = url.find('/', scheme + 3);
  return std::pair{url.substr(0, slash), slash == std::string::npos ? std::string("/") : url.substr(slash)};
}

std::string Outcome(const Act& act, const http::Response& r, const std::string& person) {
  if (r.status >= 200 && r.status < 300) {
    return std::string(act.verb == "ack" ? "Acknowledged" : "Resolved") + " by " + person + " (rota)";
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
          reply(http::Response::Error(403, "missing X-Slack-Signature or X-Slack-Request-Timestamp"));
          return;
        }
        if (std::abs(now_s - static_cast<std::int64_t>(*ts_s)) > kMaxSkewSeconds) {
          reply(http::Response::Error(403, "stale request: the timestamp is more than 5 minutes off"));
          return;
        }
        const std::string base = "v0:" + ts + ":" + req.body;
        const config::Channel* channel = nullptr;
        for (const auto& c : snap.config->channels) {
          if (c.type == config::ChannelType::kSlack && !c.signing_secret.empty() &&
              SameDigest("v0=" + HmacSha256Hex(c.signing_secret.Reveal(), base), sig)) {
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
        const auto fields = http::FormFields(req.body);
        boost::system::error_code ec;
        const auto it = fields.find("payload");
        const json::value payload = it == fields.end() ? json::value() : json::parse(it->second, ec);
        const auto* o = payload.if_object();
        const auto* user = o != nullptr ? o->if_contains("user") : nullptr;
        const auto* actions = o != nullptr ? o->if_contains("actions") : nullptr;
        if (ec || o == nullptr || user == nullptr || !user->is_object() || actions == nullptr ||
            !actions->is_array() || actions->as_array().empty() || !actions->as_array()[0].is_object()) {
          reply(http::Response::Error(400, "expected a block_actions payload with a user and an action"));
          return;
        }
        const auto str = [](const json::value& v, std::string_view k) {
          const auto* x = v.is_object() ? v.as_object().if_contains(k) : nullptr;
          return x != nullptr && x->is_string() ? std::string(x->as_string()) : std::string();
        };
        const std::string user_id = str(*user, "id");
        const std::string value = str(actions->as_array()[0], "value");
        const auto colon = value.find(':');
        const auto act = colon == std::string::npos
                             ? std::nullopt
                             : ParseAct(std::string_view(value).substr(0, colon),
                                        std::string_view(value).substr(colon + 1));
        if (!act) {
          reply(http::Response::Error(400, "unknown action \"" + value.substr(0, 64) + "\""));
          return;
        }
        const config::Person* person = PersonOf(*snap.config, config::ChannelType::kSlack, user_id);
        if (person == nullptr) {
          log::Warn("Slack action from a user who is nobody in rota",
                    {{"slack_user", user_id}, {"channel", channel->name}});
          reply(http::Response::Error(403, "Slack user " + user_id.substr(0, 32) +
                                               " is not a rota person (add a contact with to: \"@" +
                                               user_id.substr(0, 32) + "\")"));
          return;
        }
        const std::string response_url = str(*o, "response_url");
        const auto* message = o->if_contains("message");
        const std::string original = message != nullptr ? str(*message, "text") : std::string();
        const std::string who = person->id;
        Dispatch(router, *act, who, "Slack",
                 [&host, act = *act, who, response_url, original, reply = std::move(reply)](
                     const http::Response& r) {
                   const std::string outcome = Outcome(act, r, who);
                   log::Info("Slack action", {{"alert", act.alert}, {"action", act.verb}, {"by", who},
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
        boost::system::error_code ec;
        const json::value v = json::parse(req.body, ec);
        const auto* o = v.if_object();
        const auto* context = o != nullptr ? o->if_contains("context") : nullptr;
        if (ec || o == nullptr || context == nullptr || !context->is_object()) {
          reply(http::Response::Error(400, "expected a Mattermost action: {user_name, context}"));
          return;
        }
        const auto str = [](const json::value& x, std::string_view k) {
          const auto* f = x.is_object() ? x.as_object().if_contains(k) : nullptr;
          return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
        };
        const std::string token = str(*context, "token");
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
        const auto act = ParseAct(str(*context, "action"), str(*context, "alert"));
        if (!act) {
          reply(http::Response::Error(400, "unknown action"));
          return;
        }
        const std::string user = str(v, "user_name");
        const config::Person* person = PersonOf(*snap.config, config::ChannelType::kMattermost, user);
        if (person == nullptr) {
          log::Warn("Mattermost action from a user who is nobody in rota", {{"mattermost_user", user}});
          reply(http::Response::Error(403, "Mattermost user " + user.substr(0, 64) +
                                               " is not a rota person (add a contact with to: \"@" +
                                               user.substr(0, 64) + "\")"));
          return;
        }
        const std::string who = person->id;
        Dispatch(router, *act, who, "Mattermost",
                 [act = *act, who, reply = std::move(reply)](const http::Response& r) {
                   const std::string outcome = Outcome(act, r, who);
                   log::Info("Mattermost action", {{"alert", act.alert}, {"action", act.verb},
                                                   {"by", who}, {"status", r.status}});
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
