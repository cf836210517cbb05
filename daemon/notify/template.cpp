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

}  // namespace

std::string_view DefaultTemplate(config::ChannelType type) {
  switch (type) {
    case config::ChannelType::kSlack:
      return kSlack;
    default:
      return "";
  }
}

Result<std::string> Render(std::string_view tmpl, const json::value& data) {
  mst::mustache m{std::string(tmpl)};
  if (!m.is_valid()) {
    return Fail(Error::InvalidArgument("template: " + m.error_message()));
  }
  mst::data d = data.is_object() ? ToData(data) : mst::data{mst::data::type::object};
  const std::string_view kind =
      data.is_object() && data.as_object().contains("kind") ? data.as_object().at("kind").as_string()
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
