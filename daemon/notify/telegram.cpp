#include "notify/http_channel.h"
#include "notify/template.h"

namespace rota::notify::http_channel {
namespace {

// Telegram Bot API: sendMessage to the contact's chat id, plain text.
class TelegramChannel final : public WebhookChannel {
 public:
  explicit TelegramChannel(const config::Channel& c)
      : WebhookChannel(c),
        endpoint_(c.api_url + "/bot" + c.bot_token.Reveal() + "/sendMessage"),
        template_(c.text_template.empty() ? std::string(DefaultTemplate(c.type))
                                          : c.text_template) {}

 protected:
  Result<Post> Request(const Message& m) override {
    auto text = Render(template_, m.body->data, Escape::kNone);
    if (!text) {
      return Fail(text.error());
    }
    if (m.to.empty()) {
      return Fail(Error::InvalidArgument("a telegram contact needs a chat id in to"));
    }
    boost::json::object body{
        {"chat_id", m.to}, {"text", text->substr(0, 4096)}, {"disable_web_page_preview", true}};
    return JsonPost(endpoint_, boost::json::serialize(body));
  }

 private:
  std::string endpoint_;  // holds the token: never logged
  std::string template_;
};

}  // namespace

std::unique_ptr<Channel> MakeTelegram(const config::Channel& c) {
  return std::make_unique<TelegramChannel>(c);
}

}  // namespace rota::notify::http_channel
