#include "api/chat_parse.h"

#include <boost/json.hpp>

#include "api/hmac.h"
#include "http/router.h"

namespace rota::api {
namespace {

namespace json = boost::json;

std::string Str(const json::value& v, std::string_view k) {
  const auto* x = v.is_object() ? v.as_object().if_contains(k) : nullptr;
  return x != nullptr && x->is_string() ? std::string(x->as_string()) : std::string();
}

bool IsVerb(std::string_view v) { return v == "ack" || v == "resolve"; }

}  // namespace

std::string SlackSignature(std::string_view secret, std::string_view timestamp,
                           std::string_view body) {
  std::string base = "v0:";
  base.append(timestamp).append(":").append(body);
  return "v0=" + HmacSha256Hex(secret, base);
}

Result<ChatAction> ParseSlackAction(std::string_view body) {
  const auto fields = http::FormFields(body);
  const auto it = fields.find("payload");
  boost::system::error_code ec;
  const json::value payload = it == fields.end() ? json::value() : json::parse(it->second, ec);
  const auto* o = payload.if_object();
  const auto* user = o != nullptr ? o->if_contains("user") : nullptr;
  const auto* actions = o != nullptr ? o->if_contains("actions") : nullptr;
  if (ec || o == nullptr || user == nullptr || !user->is_object() || actions == nullptr ||
      !actions->is_array() || actions->as_array().empty() || !actions->as_array()[0].is_object()) {
    return Fail(
        Error::InvalidArgument("expected a block_actions payload with a user and an action"));
  }
  ChatAction a;
  a.user = Str(*user, "id");
  const std::string value = Str(actions->as_array()[0], "value");
  const auto colon = value.find(':');
  if (colon != std::string::npos) {
    a.verb = value.substr(0, colon);
    a.alert = value.substr(colon + 1);
  }
  if (!IsVerb(a.verb) || !http::ParseId(a.alert)) {
    return Fail(Error::InvalidArgument("unknown action \"" + value.substr(0, 64) + "\""));
  }
  a.response_url = Str(*o, "response_url");
  if (const auto* message = o->if_contains("message")) {
    a.message = Str(*message, "text");
  }
  return a;
}

Result<ChatAction> ParseMattermostAction(std::string_view body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  const auto* o = v.if_object();
  const auto* context = o != nullptr ? o->if_contains("context") : nullptr;
  if (ec || o == nullptr || context == nullptr || !context->is_object()) {
    return Fail(Error::InvalidArgument("expected a Mattermost action: {user_name, context}"));
  }
  ChatAction a;
  a.user = Str(v, "user_name");
  a.token = Str(*context, "token");
  a.verb = Str(*context, "action");
  a.alert = Str(*context, "alert");
  if (!IsVerb(a.verb) || !http::ParseId(a.alert)) {
    return Fail(Error::InvalidArgument("unknown action"));
  }
  return a;
}

const config::Person* ChatPerson(const config::Config& c, std::string_view channel,
                                 std::string_view user) {
  if (user.empty()) {
    return nullptr;
  }
  for (const auto& p : c.people) {
    for (const auto& contact : p.contacts) {
      if (contact.channel == channel &&
          (contact.to == user || (contact.to.size() == user.size() + 1 && contact.to[0] == '@' &&
                                  std::string_view(contact.to).substr(1) == user))) {
        return &p;
      }
    }
  }
  return nullptr;
}

}  // namespace rota::api
