#include "notify/http_channel.h"
#include "notify/template.h"

namespace rota::notify::http_channel {
namespace {

// Opsgenie Alerts API: create by alias "rota-<alert id>", close by alias
// when it resolved. One request per rota alert.
class OpsgenieChannel final : public WebhookChannel {
 public:
  explicit OpsgenieChannel(const config::Channel& c)
      : WebhookChannel(c), api_key_(c.api_key.Reveal()) {}

 protected:
  Result<Post> Request(const Message& m) override {
    namespace json = boost::json;
    const auto* alert = FirstAlert(m.body->data);
    if (alert == nullptr) {
      return Fail(Error::InvalidArgument("an opsgenie channel sends alerts only (this is a " +
                                         m.kind + ")"));
    }
    std::string base = url();
    while (base.ends_with("/")) {
      base.pop_back();
    }
    const std::string alias = "rota-" + Field(alert, "id");
    Post p;
    p.headers.push_back("Authorization: GenieKey " + api_key_);
    if (m.kind == "resolved" || m.kind == "acknowledged") {
      const bool closed = m.kind == "resolved";
      p.url = base + "/v2/alerts/" + alias + (closed ? "/close" : "/acknowledge") +
              "?identifierType=alias";
      const auto* data = m.body->data.if_object();
      p.body = json::serialize(json::object{
          {"source", "rota"},
          {"note", closed ? std::string("resolved in rota") : Field(data, "reason") + " in rota"}});
      return p;
    }
    const std::string severity = SeverityOf(alert);
    json::object details;
    if (const auto* labels = alert->if_contains("labels");
        labels != nullptr && labels->is_object()) {
      for (const auto& [k, v] : labels->as_object()) {
        if (v.is_string()) {
          details[k] = v;
        }
      }
    }
    json::object body{{"message", Field(alert, "labels", "alertname").substr(0, 130)},
                      {"alias", alias},
                      {"description", Field(alert, "annotations", "summary").substr(0, 15000)},
                      {"priority", severity == "critical"  ? "P1"
                                   : severity == "error"   ? "P2"
                                   : severity == "warning" ? "P3"
                                                           : "P5"},
                      {"source", "rota"},
                      {"details", std::move(details)}};
    if (const auto* data = m.body->data.if_object();
        data != nullptr && !Field(data, "route").empty()) {
      body["tags"] = json::array{json::value(Field(data, "route"))};
    }
    p.url = base + "/v2/alerts";
    p.body = json::serialize(body);
    return p;
  }

 private:
  std::string api_key_;
};

}  // namespace

std::unique_ptr<Channel> MakeOpsgenie(const config::Channel& c) {
  return std::make_unique<OpsgenieChannel>(c);
}

}  // namespace rota::notify::http_channel
