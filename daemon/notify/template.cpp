#include "notify/template.h"

#include <boost/json.hpp>
#include <kainjow/mustache.hpp>

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
    "{{#is_resolved}}*Resolved*{{/is_resolved}}{{#is_acknowledged}}*Acknowledged* "
    "({{reason}}){{/is_acknowledged}}"
    "{{#is_review}}{{#review}}*Review of {{team_name}}*, {{from}} to {{to}} ({{timezone}})\n"
    "• {{alerts}} alerts, {{in_hours}} while someone was on duty; time to seen p50 {{seen_p50}}, "
    "p90 {{seen_p90}}; time to ack p50 {{ack_p50}}\n"
    "• held: {{held}} alerts, {{held_total}} in all, longest {{held_max}}\n"
    "• coverage: {{coverage}}, {{gap_count}} gaps\n"
    "{{#fit}}• cover {{when}}: saves {{saves}} of held time\n{{/fit}}"
    "<{{url}}|Open the report>{{/review}}{{/is_review}}\n"
    "{{#alerts}}• *{{labels.alertname}}* {{annotations.summary}} ({{status}}) "
    "<{{ack_url}}|acknowledge>\n{{/alerts}}"
    "{{#resolved_alerts}}• resolved meanwhile: {{labels.alertname}}\n{{/resolved_alerts}}";

// Telegram, ntfy, Teams: plain text (Teams renders a little Markdown).
constexpr std::string_view kPlain =
    "{{#is_alert}}Alert (route {{route}}, step {{step}}){{/is_alert}}"
    "{{#is_digest}}Held for you while you were off duty{{/is_digest}}"
    "{{#is_resolved}}Resolved{{/is_resolved}}{{#is_acknowledged}}Acknowledged "
    "({{reason}}){{/is_acknowledged}}"
    "{{#is_review}}{{#review}}Review of {{team_name}}, {{from}} to {{to}} ({{timezone}}): "
    "{{alerts}} alerts, time to seen p50 {{seen_p50}}, held {{held}} ({{held_total}} in all), "
    "coverage {{coverage}}.{{#fit}} Cover {{when}}: saves "
    "{{saves}}.{{/fit}}\n{{url}}{{/review}}{{/is_review}}\n"
    "{{#alerts}}- {{labels.alertname}}{{#annotations.summary}}: "
    "{{annotations.summary}}{{/annotations.summary}}"
    " ({{status}}){{#ack_url}}\n  acknowledge: {{ack_url}}{{/ack_url}}\n{{/alerts}}"
    "{{#resolved_alerts}}- resolved meanwhile: {{labels.alertname}}\n{{/resolved_alerts}}";

// Mattermost: Markdown.
constexpr std::string_view kMattermost =
    "{{#is_digest}}**Held for you while you were off duty**{{/is_digest}}"
    "{{#is_alert}}**Alert** (route {{route}}, step {{step}}){{/is_alert}}"
    "{{#is_resolved}}**Resolved**{{/is_resolved}}{{#is_acknowledged}}**Acknowledged** "
    "({{reason}}){{/is_acknowledged}}"
    "{{#is_review}}{{#review}}**Review of {{team_name}}**, {{from}} to {{to}} ({{timezone}})\n"
    "- {{alerts}} alerts; time to seen p50 {{seen_p50}}, p90 {{seen_p90}}\n"
    "- held: {{held}} alerts, {{held_total}} in all, longest {{held_max}}\n"
    "- coverage: {{coverage}}, {{gap_count}} gaps\n"
    "{{#fit}}- cover {{when}}: saves {{saves}}\n{{/fit}}"
    "[Open the report]({{url}}){{/review}}{{/is_review}}\n"
    "{{#alerts}}- **{{labels.alertname}}** {{annotations.summary}} ({{status}}) "
    "[acknowledge]({{ack_url}})\n{{/alerts}}"
    "{{#resolved_alerts}}- resolved meanwhile: {{labels.alertname}}\n{{/resolved_alerts}}";

constexpr std::string_view kEmailSubject =
    "[rota] {{#is_alert}}Alert{{/is_alert}}{{#is_digest}}Held while you were off duty{{/is_digest}}"
    "{{#is_resolved}}Resolved{{/is_resolved}}{{#is_acknowledged}}Acknowledged{{/is_acknowledged}}"
    "{{#is_review}}Review of {{review.team_name}}, "
    "{{review.from}} to {{review.to}}{{/is_review}}"
    "{{^is_review}}:{{#alerts}} {{labels.alertname}}{{/alerts}}{{/is_review}}";

constexpr std::string_view kEmailText =
    "{{#is_alert}}An alert for you (route {{route}}, step {{step}}; {{reason}}).{{/is_alert}}"
    "{{#is_digest}}Held for you while you were off duty ({{reason}}).{{/is_digest}}"
    "{{#is_resolved}}Resolved.{{/is_resolved}}{{#is_acknowledged}}Acknowledged "
    "({{reason}}).{{/is_acknowledged}}"
    "{{#is_review}}{{#review}}Review of {{team_name}}, {{from}} to {{to}} ({{timezone}})\n\n"
    "Alerts: {{alerts}} ({{in_hours}} while someone was on duty)\n"
    "Time to seen: p50 {{seen_p50}}, p90 {{seen_p90}}\n"
    "Time to ack: p50 {{ack_p50}}, p90 {{ack_p90}}\n"
    "Held: {{held}} alerts, {{held_total}} in all, longest {{held_max}}\n"
    "Escalated beyond the first step: {{escalated}}; failed notifications: {{failed}}; "
    "refused off duty: {{refused}}\n"
    "Coverage: {{coverage}}, {{gap_count}} gaps\n"
    "{{#has_fit}}\nOne-hour additions that would have cut the most held time:\n{{/has_fit}}"
    "{{#fit}}  {{when}}  saves {{saves}}\n{{/fit}}"
    "\nThe report: {{url}}{{/review}}{{/is_review}}\n\n"
    "{{#alerts}}* {{labels.alertname}} ({{status}}), since {{starts_at}}\n"
    "{{#annotations.summary}}  {{annotations.summary}}\n{{/annotations.summary}}"
    "{{#ack_url}}  Acknowledge: {{ack_url}}\n{{/ack_url}}\n{{/alerts}}"
    "{{#resolved_alerts}}* resolved meanwhile: {{labels.alertname}}\n{{/resolved_alerts}}"
    "\n-- \nrota, for {{recipient}}\n";

constexpr std::string_view kEmailHtml =
    "<!DOCTYPE html><html><body>\n"
    "{{#is_alert}}<p><b>An alert for you</b> (route {{route}}, step {{step}}; "
    "{{reason}}).</p>{{/is_alert}}"
    "{{#is_digest}}<p><b>Held for you while you were off duty</b> ({{reason}}).</p>{{/is_digest}}"
    "{{#is_resolved}}<p><b>Resolved.</b></p>{{/is_resolved}}"
    "{{#is_acknowledged}}<p><b>Acknowledged</b> ({{reason}}).</p>{{/is_acknowledged}}\n"
    "{{#is_review}}{{#review}}<h2 style=\"font-family:sans-serif\">Review of {{team_name}}</h2>\n"
    "<p style=\"font-family:sans-serif\">{{from}} to {{to}} ({{timezone}})</p>\n"
    "<table cellpadding=\"4\" style=\"font-family:sans-serif;border-collapse:collapse\">\n"
    "<tr><td>Alerts</td><td><b>{{alerts}}</b> ({{in_hours}} while someone was on duty)</td></tr>\n"
    "<tr><td>Time to seen</td><td>p50 {{seen_p50}}, p90 {{seen_p90}}</td></tr>\n"
    "<tr><td>Time to ack</td><td>p50 {{ack_p50}}, p90 {{ack_p90}}</td></tr>\n"
    "<tr><td>Held</td><td>{{held}} alerts, {{held_total}} in all, longest {{held_max}}</td></tr>\n"
    "<tr><td>Escalated beyond step 1</td><td>{{escalated}}</td></tr>\n"
    "<tr><td>Failed notifications</td><td>{{failed}}</td></tr>\n"
    "<tr><td>Refused off duty</td><td>{{refused}}</td></tr>\n"
    "<tr><td>Coverage</td><td>{{coverage}}, {{gap_count}} gaps</td></tr>\n</table>\n"
    "{{#has_fit}}<h3 style=\"font-family:sans-serif\">Fit: one-hour additions that would have cut "
    "the most held time</h3>\n<table cellpadding=\"4\" style=\"font-family:sans-serif\">\n"
    "{{#fit}}<tr><td>{{when}}</td><td>saves {{saves}}</td></tr>\n{{/fit}}</table>\n{{/has_fit}}"
    "<h3 style=\"font-family:sans-serif\">Alerts by hour of the week ({{timezone}})</h3>\n"
    "<table cellspacing=\"1\" style=\"font-family:monospace;font-size:11px\">\n"
    "<tr><td></td>{{#hours}}<td>{{.}}</td>{{/hours}}</tr>\n"
    "{{#heat}}<tr><td>{{day}}</td>{{#cells}}<td align=\"center\" style=\"background:{{bg}};"
    "min-width:16px\">{{count}}</td>{{/cells}}</tr>\n{{/heat}}</table>\n"
    "<p style=\"font-family:sans-serif;font-size:12px\">Green: covered; amber: partly; red: "
    "alerts with nobody on duty.</p>\n"
    "<p style=\"font-family:sans-serif\"><a href=\"{{url}}\">Open the report</a></p>\n"
    "{{/review}}{{/is_review}}"
    "{{^is_review}}<ul>\n"
    "{{#alerts}}<li><b>{{labels.alertname}}</b> ({{status}}), since {{starts_at}}"
    "{{#annotations.summary}}<br>{{annotations.summary}}{{/annotations.summary}}"
    "{{#ack_url}}<br><a href=\"{{ack_url}}\">Acknowledge</a>{{/ack_url}}</li>\n{{/alerts}}"
    "{{#resolved_alerts}}<li>resolved meanwhile: {{labels.alertname}}</li>\n{{/resolved_alerts}}"
    "</ul>\n{{/is_review}}<p>rota, for {{recipient}}</p>\n</body></html>\n";

}  // namespace

std::string_view DefaultTemplate(config::ChannelType type) {
  switch (type) {
    case config::ChannelType::kSlack:
      return kSlack;
    case config::ChannelType::kEmail:
      return kEmailText;
    case config::ChannelType::kMattermost:
      return kMattermost;
    case config::ChannelType::kMsTeams:
    case config::ChannelType::kTelegram:
    case config::ChannelType::kNtfy:
      return kPlain;
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
  const std::string_view kind = kind_value != nullptr && kind_value->is_string()
                                    ? std::string_view(kind_value->as_string())
                                    : std::string_view();
  d.set("is_alert",
        mst::data{kind == "alert" ? mst::data::type::bool_true : mst::data::type::bool_false});
  d.set("is_digest",
        mst::data{kind == "digest" ? mst::data::type::bool_true : mst::data::type::bool_false});
  d.set("is_resolved",
        mst::data{kind == "resolved" ? mst::data::type::bool_true : mst::data::type::bool_false});
  d.set("is_review",
        mst::data{kind == "review" ? mst::data::type::bool_true : mst::data::type::bool_false});
  d.set("is_acknowledged", mst::data{kind == "acknowledged" ? mst::data::type::bool_true
                                                            : mst::data::type::bool_false});
  std::string out = m.render(d);
  if (!m.error_message().empty()) {
    return Fail(Error::InvalidArgument("template: " + m.error_message()));
  }
  return out;
}

}  // namespace rota::notify
