// What a chat server sends when someone presses a rota button (docs/channels.md):
// Slack's interactivity request and Mattermost's message action, checked
// and read into one action. Pure parts of api/chat_routes.cpp, fuzzed
// (tests/fuzz/chat_action_fuzz).
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/error.h"

namespace rota::api {

struct ChatAction {
  std::string verb;          // ack | resolve
  std::string alert;         // decimal id
  std::string user;          // Slack user id / Mattermost user name
  std::string token;         // Mattermost: the token in the button's context
  std::string response_url;  // Slack: where the message is updated
  std::string message;       // Slack: the original message's text
};

// Slack's signature over a request: "v0=" + hex HMAC-SHA256 of
// "v0:<timestamp>:<body>" with the signing secret.
std::string SlackSignature(std::string_view secret, std::string_view timestamp,
                           std::string_view body);

// Slack's form-encoded body (payload=<block_actions JSON>). The error says
// what is missing.
Result<ChatAction> ParseSlackAction(std::string_view body);
// Mattermost's JSON ({user_name, context: {action, alert, token}}).
Result<ChatAction> ParseMattermostAction(std::string_view body);

// The person whose contact on `channel` (the one whose secret or token
// proved the request) has `to` "@user" (or "user"); null when none. A
// contact on another channel, even of the same type, does not count: that
// channel's secret did not sign.
const config::Person* ChatPerson(const config::Config& c, std::string_view channel,
                                 std::string_view user);

}  // namespace rota::api
