#include "notify/http_channel.h"
#include "notify/template.h"

namespace rota::notify::http_channel {
namespace {

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

}  // namespace

std::unique_ptr<Channel> MakeSlack(const config::Channel& c) {
  return std::make_unique<SlackChannel>(c);
}

}  // namespace rota::notify::http_channel
