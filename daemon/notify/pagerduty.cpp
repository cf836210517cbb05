#include "notify/http_channel.h"
#include "notify/template.h"

namespace rota::notify::http_channel {
namespace {

// PagerDuty Events API v2, out: one event per rota alert (the compose step
// splits messages per alert for this channel), trigger on a page, resolve
// when it resolved; dedup_key "rota-<alert id>" joins them.
class PagerDutyChannel final : public WebhookChannel {
 public:
  explicit PagerDutyChannel(const config::Channel& c)
      : WebhookChannel(c), routing_key_(c.routing_key.Reveal()) {}

 protected:
  Result<Post> Request(const Message& m) override {
    namespace json = boost::json;
    const auto* alert = FirstAlert(m.body->data);
    if (alert == nullptr) {
      return Fail(Error::InvalidArgument("a pagerduty channel sends alerts only (this is a " +
                                         m.kind + ")"));
    }
    const std::string id = Field(alert, "id");
    json::object event{{"routing_key", routing_key_},
                       {"event_action", m.kind == "resolved"       ? "resolve"
                                        : m.kind == "acknowledged" ? "acknowledge"
                                                                   : "trigger"},
                       {"dedup_key", "rota-" + id}};
    if (m.kind != "resolved" && m.kind != "acknowledged") {
      std::string summary = Field(alert, "labels", "alertname");
      if (const std::string s = Field(alert, "annotations", "summary"); !s.empty()) {
        summary += ": " + s;
      }
      const std::string instance = Field(alert, "labels", "instance");
      json::object details{{"rota_alert_id", id},
                           {"labels", alert->at("labels")},
                           {"annotations", alert->at("annotations")}};
      if (const auto* data = m.body->data.if_object()) {
        details["route"] = Field(data, "route");
        details["reason"] = Field(data, "reason");
      }
      event["payload"] = json::object{{"summary", summary.substr(0, 1024)},
                                      {"source", instance.empty() ? std::string("rota") : instance},
                                      {"severity", SeverityOf(alert)},
                                      {"custom_details", std::move(details)}};
      event["client"] = "rota";
      if (const std::string ack = Field(alert, "ack_url"); !ack.empty()) {
        event["links"] = json::array{json::object{{"href", ack}, {"text", "Acknowledge in rota"}}};
      }
    }
    return JsonPost("", json::serialize(event));
  }

 private:
  std::string routing_key_;
};

}  // namespace

std::unique_ptr<Channel> MakePagerDuty(const config::Channel& c) {
  return std::make_unique<PagerDutyChannel>(c);
}

}  // namespace rota::notify::http_channel
