#include "ingest/decode.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/time.h"
#include "rules/matcher.h"

namespace rota::ingest {
namespace {

namespace json = boost::json;

Result<json::value> Parse(std::string_view body) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  // The tree lives in blocks owned by the value and freed with it, not a
  // malloc per node: faster, and the request's short-lived nodes do not
  // leave holes between the long-lived alerts in the heap.
  json::value v =
      json::parse(body, ec, json::make_shared_resource<json::monotonic_resource>(), opts);
  if (ec) {
    return Fail(
        Error::InvalidArgument("invalid JSON: " + ec.message() + " (is the body UTF-8 JSON?)"));
  }
  return v;
}

// "Go's zero time": Alertmanager sends it for unset endsAt.
bool IsZeroTime(std::string_view s) { return s.starts_with("0001-01-01T00:00:00"); }

Result<std::optional<TimePoint>> OptInstant(const json::object& o, std::string_view key,
                                            const std::string& where) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::optional<TimePoint>();
  }
  if (!v->is_string()) {
    return Fail(Error::InvalidArgument(where + "." + std::string(key) + ": expected a string"));
  }
  const std::string_view s = v->as_string();
  if (s.empty() || IsZeroTime(s)) {
    return std::optional<TimePoint>();
  }
  auto t = ParseRfc3339(s);
  if (!t) {
    return Fail(
        Error::InvalidArgument(where + "." + std::string(key) + ": " + t.error().message()));
  }
  return std::optional<TimePoint>(*t);
}

// A string field of at most `max_bytes` (the label value limit unless said).
Result<std::string> OptString(const json::object& o, std::string_view key, const std::string& where,
                              std::size_t max_bytes) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::string();
  }
  if (!v->is_string()) {
    return Fail(Error::InvalidArgument(where + "." + std::string(key) + ": expected a string"));
  }
  if (v->as_string().size() > max_bytes) {
    return Fail(Error::InvalidArgument(where + "." + std::string(key) + ": longer than " +
                                       std::to_string(max_bytes) + " bytes"));
  }
  return std::string(v->as_string());
}

Result<LabelSet> Labels(const json::value* v, const Limits& limits, const std::string& where) {
  if (v == nullptr || !v->is_object()) {
    return Fail(Error::InvalidArgument(where + ": expected an object of label names to values"));
  }
  const auto& o = v->as_object();
  if (o.size() > limits.max_labels) {
    return Fail(Error::InvalidArgument(where + ": " + std::to_string(o.size()) +
                                       " labels, more than the limit of " +
                                       std::to_string(limits.max_labels)));
  }
  std::vector<LabelSet::Pair> pairs;
  pairs.reserve(o.size());  // exactly: an alert keeps its labels for its life
  for (const auto& [k, val] : o) {
    const std::string name(k);
    if (!rules::IsValidLabelName(name) || name.size() > limits.max_label_name_bytes) {
      return Fail(Error::InvalidArgument(where + ": label name \"" + name.substr(0, 64) +
                                         "\" is not valid (non-empty UTF-8, at most " +
                                         std::to_string(limits.max_label_name_bytes) + " bytes)"));
    }
    if (!val.is_string()) {
      return Fail(Error::InvalidArgument(where + "." + name + ": expected a string value"));
    }
    if (val.as_string().size() > limits.max_label_value_bytes) {
      return Fail(Error::InvalidArgument(where + "." + name + ": value longer than " +
                                         std::to_string(limits.max_label_value_bytes) + " bytes"));
    }
    if (!val.as_string().empty()) {  // an empty value is the same as no label
      pairs.emplace_back(name, std::string(val.as_string()));
    }
  }
  return LabelSet(std::move(pairs));
}

Result<engine::Annotations> AnnotationsOf(const json::object& o, std::string_view key,
                                          const Limits& limits, const std::string& where) {
  engine::Annotations out;
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return out;
  }
  if (!v->is_object()) {
    return Fail(Error::InvalidArgument(where + "." + std::string(key) + ": expected an object"));
  }
  out.reserve(v->as_object().size());
  for (const auto& [k, val] : v->as_object()) {
    if (!val.is_string()) {
      return Fail(Error::InvalidArgument(where + "." + std::string(key) + "." + std::string(k) +
                                         ": expected a string value"));
    }
    if (val.as_string().size() > limits.max_annotation_bytes) {
      return Fail(Error::InvalidArgument(where + "." + std::string(key) + "." + std::string(k) +
                                         ": value longer than " +
                                         std::to_string(limits.max_annotation_bytes) + " bytes"));
    }
    out.emplace_back(std::string(k), std::string(val.as_string()));
  }
  return out;
}

Result<void> CheckCount(std::size_t n, const Limits& limits) {
  if (n > limits.max_alerts) {
    return Fail(Error::InvalidArgument(
        std::to_string(n) + " alerts in one request, more than the limit of " +
        std::to_string(limits.max_alerts) + " (ingest.max_alerts_per_request)"));
  }
  return {};
}

// The fields both Alertmanager formats share for one alert.
struct AlertFields {
  engine::Event event;
  std::optional<TimePoint> starts;
  std::optional<TimePoint> ends;
};

Result<AlertFields> ParseAlertFields(const json::value& av, const Limits& limits,
                                     const std::string& where, std::string source) {
  if (!av.is_object()) {
    return Fail(Error::InvalidArgument(where + ": expected an object"));
  }
  const auto& a = av.as_object();
  AlertFields out;
  out.event.source = std::move(source);
  auto labels = Labels(a.if_contains("labels"), limits, where + ".labels");
  if (!labels) {
    return Fail(labels.error());
  }
  if (labels->empty()) {
    return Fail(Error::InvalidArgument(where + ".labels: at least one label pair required"));
  }
  out.event.labels = std::move(*labels);
  auto ann = AnnotationsOf(a, "annotations", limits, where);
  auto starts = OptInstant(a, "startsAt", where);
  auto ends = OptInstant(a, "endsAt", where);
  auto url = OptString(a, "generatorURL", where, limits.max_label_value_bytes);
  for (const Error* err : {ann ? nullptr : &ann.error(), starts ? nullptr : &starts.error(),
                           ends ? nullptr : &ends.error(), url ? nullptr : &url.error()}) {
    if (err != nullptr) {
      return Fail(*err);
    }
  }
  out.event.annotations = std::move(*ann);
  out.event.generator_url = *url;
  out.starts = *starts;
  out.ends = *ends;
  return out;
}

}  // namespace

Result<std::vector<engine::Event>> DecodeAlertmanagerWebhook(std::string_view body,
                                                             const Limits& limits) {
  auto v = Parse(body);
  if (!v) {
    return Fail(v.error());
  }
  if (!v->is_object()) {
    return Fail(Error::InvalidArgument("expected an Alertmanager webhook object"));
  }
  const auto& root = v->as_object();
  if (const auto* ver = root.if_contains("version");
      ver != nullptr && !(ver->is_string() && ver->as_string() == "4")) {
    return Fail(Error::InvalidArgument("version: only webhook payload version \"4\" is supported"));
  }
  const auto* alerts = root.if_contains("alerts");
  if (alerts == nullptr || !alerts->is_array()) {
    return Fail(Error::InvalidArgument("alerts: expected an array"));
  }
  if (auto c = CheckCount(alerts->as_array().size(), limits); !c) {
    return Fail(c.error());
  }
  std::vector<engine::Event> out;
  std::size_t i = 0;
  for (const auto& av : alerts->as_array()) {
    const std::string where = "alerts[" + std::to_string(i++) + "]";
    auto fields = ParseAlertFields(av, limits, where, "alertmanager");
    if (!fields) {
      return Fail(fields.error());
    }
    auto status = OptString(av.as_object(), "status", where, limits.max_label_value_bytes);
    if (!status) {
      return Fail(status.error());
    }
    engine::Event e = std::move(fields->event);
    e.starts_at = fields->starts;
    if (*status == "resolved") {
      if (!fields->ends) {
        return Fail(Error::InvalidArgument(where + ": a resolved alert needs endsAt"));
      }
      e.ends_at = fields->ends;
    } else if (*status != "firing") {
      return Fail(Error::InvalidArgument(where + ".status: expected \"firing\" or \"resolved\""));
    }
    // A firing alert's endsAt is Alertmanager's business: it sends "resolved" when it ends.
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<engine::Event>> DecodeAlertsV2(std::string_view body, const Limits& limits,
                                                  Duration resolve_timeout, TimePoint now) {
  auto v = Parse(body);
  if (!v) {
    return Fail(v.error());
  }
  if (!v->is_array()) {
    return Fail(Error::InvalidArgument("expected a JSON array of alerts"));
  }
  if (auto c = CheckCount(v->as_array().size(), limits); !c) {
    return Fail(c.error());
  }
  std::vector<engine::Event> out;
  std::size_t i = 0;
  for (const auto& av : v->as_array()) {
    const std::string where = "[" + std::to_string(i++) + "]";
    auto fields = ParseAlertFields(av, limits, where, "prometheus");
    if (!fields) {
      return Fail(fields.error());
    }
    engine::Event e = std::move(fields->event);
    const auto& starts = fields->starts;
    const auto& ends = fields->ends;
    // Alertmanager's defaulting (api/v2 postAlertsHandler): startsAt falls
    // back to endsAt, then to now; endsAt to now + resolve_timeout.
    const TimePoint start = starts.value_or(ends.value_or(now));
    const TimePoint end = ends.value_or(now + resolve_timeout);
    if (end < start) {
      return Fail(Error::InvalidArgument(where + ": endsAt is before startsAt"));
    }
    e.starts_at = start;
    e.ends_at = end;
    out.push_back(std::move(e));
  }
  return out;
}

namespace {

// PagerDuty's checks collect every error, as its API answers them all.
// Every string is held to `max_bytes` (the label value limit) unless the
// caller gives its own; `prefix` names the object ("payload.") in errors.
struct PagerDutyReader {
  std::vector<std::string> errors;
  std::size_t max_bytes;
  std::string Str(const json::object& obj, std::string_view key, std::string_view prefix = {},
                  std::size_t max = 0) {
    const auto* f = obj.if_contains(key);
    if (f == nullptr || f->is_null()) {
      return {};
    }
    const std::string name = "'" + std::string(prefix) + std::string(key) + "'";
    if (!f->is_string()) {
      errors.push_back(name + " must be a string");
      return {};
    }
    const std::size_t limit = max != 0 ? max : max_bytes;
    if (f->as_string().size() > limit) {
      errors.push_back(name + " must be at most " + std::to_string(limit) + " bytes");
      return {};
    }
    return std::string(f->as_string());
  }
};

// A trigger's payload: labels (alertname from class or summary, severity,
// source, component, group) and annotations (summary, custom_details).
void ReadPagerDutyPayload(PagerDutyReader& r, const json::object& p, const Limits& limits,
                          std::vector<LabelSet::Pair>& labels, engine::Event& e) {
  std::size_t before = r.errors.size();
  // PagerDuty's own limit, and never over the annotation limit it is kept under.
  const std::string summary =
      r.Str(p, "summary", "payload.", std::min<std::size_t>(1024, limits.max_annotation_bytes));
  if (summary.empty() && r.errors.size() == before) {
    r.errors.push_back("'payload.summary' is missing or blank");
  }
  before = r.errors.size();
  const std::string source = r.Str(p, "source", "payload.");
  if (source.empty() && r.errors.size() == before) {
    r.errors.push_back("'payload.source' is missing or blank");
  }
  const std::string severity = r.Str(p, "severity", "payload.");
  if (severity != "critical" && severity != "error" && severity != "warning" &&
      severity != "info") {
    r.errors.push_back("'payload.severity' must be critical, error, warning or info");
  }
  const std::string cls = r.Str(p, "class", "payload.");
  // Without a class the summary becomes the alertname, so it is a label value
  // too (found by tests/fuzz/ingest_pagerduty_fuzz with a small limit).
  if (cls.empty() && summary.size() > limits.max_label_value_bytes) {
    r.errors.push_back("'payload.summary' must be at most " +
                       std::to_string(limits.max_label_value_bytes) +
                       " bytes without 'payload.class' (it becomes the alertname label)");
  }
  labels.emplace_back("alertname", cls.empty() ? summary : cls);
  labels.emplace_back("severity", severity);
  labels.emplace_back("source", source);
  for (const char* key : {"component", "group"}) {
    if (std::string val = r.Str(p, key, "payload."); !val.empty()) {
      labels.emplace_back(key, val);
    }
  }
  e.annotations.emplace_back("summary", summary);
  if (const auto* details = p.if_contains("custom_details"); details && !details->is_null()) {
    std::string text =
        details->is_string() ? std::string(details->as_string()) : json::serialize(*details);
    if (text.size() > limits.max_annotation_bytes) {
      r.errors.push_back("'payload.custom_details' larger than " +
                         std::to_string(limits.max_annotation_bytes) + " bytes");
    }
    e.annotations.emplace_back("custom_details", std::move(text));
  }
  if (std::string ts = r.Str(p, "timestamp", "payload."); !ts.empty()) {
    if (auto t = ParseRfc3339(ts)) {
      e.starts_at = *t;
    } else {
      r.errors.push_back("'payload.timestamp' is not an ISO 8601 / RFC 3339 instant");
    }
  }
}

}  // namespace

Result<PagerDutyResult> DecodePagerDuty(std::string_view body, const Limits& limits,
                                        const PagerDutyKeys& keys) {
  auto v = Parse(body);
  if (!v) {
    return Fail(v.error());
  }
  if (!v->is_object()) {
    return Fail(Error::InvalidArgument("expected a PagerDuty event object"));
  }
  const auto& o = v->as_object();
  PagerDutyReader r{{}, limits.max_label_value_bytes};
  PagerDutyResult out;
  engine::Event& e = out.event;
  e.source = "pagerduty";
  const std::string routing_key = r.Str(o, "routing_key");
  const std::string action = r.Str(o, "event_action");
  const std::size_t errors_before_dedup = r.errors.size();
  out.dedup_key = r.Str(o, "dedup_key", {}, 255);
  const bool dedup_refused = r.errors.size() != errors_before_dedup;
  std::vector<LabelSet::Pair> labels;
  if (routing_key.empty()) {
    r.errors.push_back("'routing_key' is missing or blank");
  } else if (auto it = keys.labels_by_key.find(routing_key); it == keys.labels_by_key.end()) {
    r.errors.push_back(
        "'routing_key' is not a routing key rota knows (ingest.pagerduty.routing_keys)");
  } else {
    labels = it->second;
  }
  if (action == "trigger") {
    e.action = engine::Action::kTrigger;
  } else if (action == "acknowledge") {
    e.action = engine::Action::kAcknowledge;
  } else if (action == "resolve") {
    e.action = engine::Action::kResolve;
  } else {
    r.errors.push_back("'event_action' must be trigger, acknowledge or resolve");
  }
  if (e.action != engine::Action::kTrigger && out.dedup_key.empty() && !dedup_refused) {
    r.errors.push_back("'dedup_key' is required for " + action);
  }
  if (action == "trigger") {
    const auto* pv = o.if_contains("payload");
    if (pv == nullptr || !pv->is_object()) {
      r.errors.push_back("'payload' is missing or not an object");
    } else {
      ReadPagerDutyPayload(r, pv->as_object(), limits, labels, e);
    }
  }
  e.actor = r.Str(o, "client");
  if (!r.errors.empty()) {
    std::string all;
    for (const auto& err : r.errors) {
      all += (all.empty() ? "" : "\n") + err;
    }
    return Fail(Error::InvalidArgument(all));
  }
  e.labels = LabelSet(std::move(labels));
  if (out.dedup_key.empty()) {
    out.dedup_key = FingerprintHex(e.labels.Fingerprint());  // same content, same alert
  }
  e.dedup_key = out.dedup_key;
  return out;
}

namespace {

// One event of rota's own JSON (docs/api.md), `where` naming it in errors.
Result<engine::Event> DecodeGenericEvent(const json::object& o, const Limits& limits,
                                         const std::string& where) {
  static const std::vector<std::string_view> kKeys = {
      "action", "labels", "annotations", "dedup_key", "starts_at", "ends_at", "actor", "url"};
  for (const auto& [k, _] : o) {
    if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end()) {
      return Fail(Error::InvalidArgument(where + ": unknown key \"" + std::string(k) +
                                         "\" (expected action, labels, annotations, dedup_key, "
                                         "starts_at, ends_at, actor, url)"));
    }
  }
  engine::Event e;
  e.source = "generic";
  auto action = OptString(o, "action", where, limits.max_label_value_bytes);
  auto dedup = OptString(o, "dedup_key", where, limits.max_label_value_bytes);
  auto actor = OptString(o, "actor", where, limits.max_label_value_bytes);
  auto url = OptString(o, "url", where, limits.max_label_value_bytes);
  auto starts = OptInstant(o, "starts_at", where);
  auto ends = OptInstant(o, "ends_at", where);
  auto ann = AnnotationsOf(o, "annotations", limits, where);
  for (const Error* err : {action ? nullptr : &action.error(), dedup ? nullptr : &dedup.error(),
                           actor ? nullptr : &actor.error(), url ? nullptr : &url.error(),
                           starts ? nullptr : &starts.error(), ends ? nullptr : &ends.error(),
                           ann ? nullptr : &ann.error()}) {
    if (err != nullptr) {
      return Fail(*err);
    }
  }
  if (action->empty() || *action == "trigger") {
    e.action = engine::Action::kTrigger;
  } else if (*action == "acknowledge") {
    e.action = engine::Action::kAcknowledge;
  } else if (*action == "resolve") {
    e.action = engine::Action::kResolve;
  } else {
    return Fail(
        Error::InvalidArgument(where + ".action: expected trigger, acknowledge or resolve"));
  }
  if (o.contains("labels")) {
    auto labels = Labels(o.if_contains("labels"), limits, where + ".labels");
    if (!labels) {
      return Fail(labels.error());
    }
    e.labels = std::move(*labels);
  }
  e.dedup_key = *dedup;
  if (e.action == engine::Action::kTrigger && e.labels.empty()) {
    return Fail(Error::InvalidArgument(where + ".labels: a trigger needs at least one label"));
  }
  if (e.action != engine::Action::kTrigger && e.dedup_key.empty() && e.labels.empty()) {
    return Fail(
        Error::InvalidArgument(where + ": " + *action + " needs the alert's dedup_key or labels"));
  }
  if (*starts && *ends && **ends < **starts) {
    return Fail(Error::InvalidArgument(where + ": ends_at is before starts_at"));
  }
  e.actor = *actor;
  e.generator_url = *url;
  e.starts_at = *starts;
  e.ends_at = *ends;
  e.annotations = std::move(*ann);
  return e;
}

}  // namespace

Result<std::vector<engine::Event>> DecodeGeneric(std::string_view body, const Limits& limits) {
  auto v = Parse(body);
  if (!v) {
    return Fail(v.error());
  }
  json::array single;
  const json::array* events = nullptr;
  if (v->is_object() && v->as_object().contains("events")) {
    const auto& ev = v->as_object().at("events");
    if (!ev.is_array()) {
      return Fail(Error::InvalidArgument("events: expected an array"));
    }
    events = &ev.as_array();
  } else if (v->is_object()) {
    single.push_back(*v);
    events = &single;
  } else {
    return Fail(Error::InvalidArgument("expected an event object or {\"events\": [...]}"));
  }
  if (auto c = CheckCount(events->size(), limits); !c) {
    return Fail(c.error());
  }
  std::vector<engine::Event> out;
  std::size_t i = 0;
  for (const auto& ev : *events) {
    const std::string where = "events[" + std::to_string(i++) + "]";
    if (!ev.is_object()) {
      return Fail(Error::InvalidArgument(where + ": expected an object"));
    }
    auto e = DecodeGenericEvent(ev.as_object(), limits, where);
    if (!e) {
      return Fail(e.error());
    }
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace rota::ingest
