#include "notify/http_channel.h"
#include "notify/template.h"

namespace rota::notify::http_channel {
namespace {

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

}  // namespace

std::unique_ptr<Channel> MakeTeams(const config::Channel& c) {
  return std::make_unique<TeamsChannel>(c);
}

}  // namespace rota::notify::http_channel
