#include "notify/template.h"

#include <kainjow/mustache.hpp>

#include <boost/json.hpp>

namespace rota::notify {
namespace {

namespace mst = kainjow::mustache;
namespace json = boost::json;

mst::data ToData(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      mst::data d{mst::data::type::object};
      for (const auto& [k, val] : v.as_object()) {
        d.set(std::string(k), ToData(val));
      }
      return d;
    }
    case json::kind::array: {
      mst::data list{mst::data::type::list};
      for (const auto& e : v.as_array()) {
        list.push_back(ToData(e));
      }
      return list;
    }
    case json::kind::string:
      return mst::data{std::string(v.as_string())};
    case json::kind::bool_:
      return mst::data{v.as_bool() ? mst::data::type::bool_true : mst::data::type::bool_false};
    case json::kind::null:
      return mst::data{mst::data::type::bool_false};
    default:
      return mst::data{json::serialize(v)};
  }
}

constexpr std::string_view kSlack =
    "{{#is_digest}}*Held for you while you were off duty*{{/is_digest}}"
    "{{#is_alert}}*Alert* (route {{route}}, step {{step}}){{/is_alert}}"
    "{{#is_resolved}}*Resolved*{{/is_resolved}}\n"
    "{{#alerts}}• *{{labels.alertname}}* {{annotations.summary}} ({{status}}) "
    "<{{ack_url}}|acknowledge>\n{{/alerts}}"
    "{{#resolved_alerts}}• resolved meanwhile: {{labels.alertname}}\n{{/resolved_alerts}}";

constexpr std::string_view kEmailSubject =
    "[rota] {{#is_alert}}Alert{{/is_alert}}{{#is_digest}}Held while you were off duty{{/is_digest}}"
    "{{#is_resolved}}Resolved{{/is_resolved}}:{{#alerts}} {{labels.alertname}}{{/alerts}}";

constexpr std::string_view kEmailText =
    "{{#is_alert}}An alert for you (route {{route}}, step {{step}}; {{reason}}).{{/is_alert}}"
    "{{#is_digest}}Held for you while you were off duty ({{reason}}).{{/is_digest}}"
    "{{#is_resolved}}Resolved.{{/is_resolved}}\n\n"
    "{{#alerts}}* {{labels.alertname}} ({{status}}), since {{starts_at}}\n"
    "{{#annotations.summary}}  {{annotations.summary}}\n{{/annotations.summary}}"
    "{{#ack_url}}  Acknowledge: {{ack_url}}\n{{/ack_url}}\n{{/alerts}}"
    "{{#resolved_alerts}}* resolved meanwhile: {{labels.alertname}}\n{{/resolved_alerts}}"
    "\n-- \nrota, for {{recipient}}\n";

constexpr std::string_view kEmailHtml =
    "<!DOCTYPE html><html><body>\n"
    "{{#is_alert}}<p><b>An alert for you</b> (route {{route}}, step {{step}}; {{reason}}).</p>{{/is_alert}}"
    "{{#is_digest}}<p><b>Held for you while you were off duty</b> ({{reason}}).</p>{{/is_digest}}"
    "{{#is_resolved}}<p><b>Resolved.</b></p>{{/is_resolved}}\n<ul>\n"
    "{{#alerts}}<li><b>{{labels.alertname}}</b> ({{status}}), since {{starts_at}}"
    "{{#annotations.summary}}<br>{{annotations.summary}}{{/annotations.summary}}"
    "{{#ack_url}}<br><a href=\"{{ack_url}}\">Acknowledge</a>{{/ack_url}}</li>\n{{/alerts}}"
    "{{#resolved_alerts}}<li>resolved meanwhile: {{labels.alertname}}</li>\n{{/resolved_alerts}}"
    "</ul>\n<p>rota, for {{recipient}}</p>\n</body></html>\n";

}  // namespace

std::string_view DefaultTemplate(config::ChannelType type) {
  switch (type) {
    case config::ChannelType::kSlack:
      return kSlack;
    case config::ChannelType::kEmail:
      return kEmailText;
    default:
      return "";
  }
}

std::string_view DefaultEmailSubject() { return kEmailSubject; }
std::string_view DefaultEmailHtml() { return kEmailHtml; }

Result<std::string> Render(std::string_view tmpl, const json::value& data, Escape escape) {
  mst::mustache m{std::string(tmpl)};
  if (!m.is_valid()) {
    return Fail(Error::InvalidArgument("template: " + m.error_message()));
  }
  if (escape == Escape::kNone) {
    m.set_custom_escape([](const std::string& s) { return s; });
  }
  mst::data d = data.is_object() ? ToData(data) : mst::data{mst::data::type::object};
  // A stored payload may be anything (tests/fuzz/outbox_body_fuzz): a kind
  // that is not a string is no kind, never an exception on a channel's lane.
  const json::value* kind_value = data.is_object() ? data.as_object().if_contains("kind") : nullptr;
  const std::string_view kind =
      kind_value != nullptr && kind_value->is_string() ? std::string_view(kind_value->as_string())
                                                       : std::string_view();
  d.set("is_alert", mst::data{kind == "alert" ? mst::data::type::bool_true : mst::data::type::bool_false});
  d.set("is_digest", mst::data{kind == "digest" ? mst::data::type::bool_true : mst::data::type::bool_false});
  d.set("is_resolved", mst::data{kind == "resolved" ? mst::data::type::bool_true : mst::data::type::bool_false});
  std::string out = m.render(d);
  if (!m.error_message().empty()) {
    return Fail(Error::InvalidArgument("template: " + m.error_message()));
  }
  return out;
}

}  // namespace rota::notify
