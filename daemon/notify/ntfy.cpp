#include "notify/http_channel.h"
#include "notify/template.h"

namespace rota::notify::http_channel {
namespace {

// ntfy: the text as the body of a POST to the topic URL; title, priority
// (from the severity label), tags and an Acknowledge button in headers.
class NtfyChannel final : public WebhookChannel {
 public:
  explicit NtfyChannel(const config::Channel& c)
      : WebhookChannel(c),
        template_(c.text_template.empty() ? std::string(DefaultTemplate(c.type)) : c.text_template),
        token_(c.token.Reveal()),
        userpwd_(c.username.empty() ? std::string() : c.username + ":" + c.password.Reveal()) {}

 protected:
  Result<Post> Request(const Message& m) override {
    auto text = Render(template_, m.body->data, Escape::kNone);
    if (!text) {
      return Fail(text.error());
    }
    Post p = JsonPost("", std::move(*text));
    p.content_type = "text/plain; charset=utf-8";
    p.headers.push_back("Title: " + EmailHeaderValue(Title(m)));
    const std::string severity = Field(FirstAlert(m.body->data), "labels", "severity");
    int priority = 4;  // high: a page
    if (m.kind == "resolved" || m.kind == "acknowledged" || m.kind == "review") {
      priority = 2;
    } else if (severity == "critical" || severity == "page" || severity == "emergency") {
      priority = 5;
    } else if (severity == "warning") {
      priority = 3;
    } else if (severity == "info" || severity == "none") {
      priority = 2;
    }
    p.headers.push_back("Priority: " + std::to_string(priority));
    p.headers.push_back(std::string("Tags: ") + (m.kind == "resolved"       ? "white_check_mark"
                                                 : m.kind == "acknowledged" ? "eyes"
                                                 : m.kind == "review"       ? "bar_chart"
                                                 : m.kind == "digest"       ? "hourglass"
                                                                            : "rotating_light"));
    const auto* data = m.body->data.if_object();
    const std::string link =
        m.kind == "review" ? Field(data, "review", "url") : Field(data, "ack_url");
    if (!link.empty() && link.find_first_of(",;\r\n") == std::string::npos) {
      p.headers.push_back(std::string("Actions: view, ") +
                          (m.kind == "review" ? "Open the report" : "Acknowledge") + ", " + link +
                          (m.kind == "review" ? "" : ", clear=true"));
    }
    if (!token_.empty()) {
      p.headers.push_back("Authorization: Bearer " + token_);
    }
    p.userpwd = userpwd_;
    return p;
  }

 private:
  std::string template_;
  std::string token_;
  std::string userpwd_;
};

}  // namespace

std::unique_ptr<Channel> MakeNtfy(const config::Channel& c) {
  return std::make_unique<NtfyChannel>(c);
}

}  // namespace rota::notify::http_channel
