#include "api/views.h"

#include <boost/json.hpp>
#include <charconv>

#include "core/time.h"
#include "engine/timeline_text.h"

namespace rota::api {

namespace json = boost::json;

json::value Instant(const std::optional<TimePoint>& t, const json::storage_ptr& sp) {
  return t ? json::value(FormatRfc3339(*t), sp) : json::value(nullptr, sp);
}

json::array Strings(const std::vector<std::string>& v, const json::storage_ptr& sp) {
  json::array a(sp);
  a.reserve(v.size());
  for (const auto& s : v) {
    a.emplace_back(s);
  }
  return a;
}

json::object LabelsJson(const LabelSet& l) {
  json::object o;
  for (const auto& [k, v] : l.pairs()) {
    o[k] = v;
  }
  return o;
}

json::object AnnotationsJson(const engine::Annotations& a) {
  json::object o;
  for (const auto& [k, v] : a) {
    o[k] = v;
  }
  return o;
}

json::object AlertJson(const engine::Alert& a, const config::Config& config, bool detail) {
  json::object o;
  o["id"] = std::to_string(a.id);
  o["fingerprint"] = a.key;
  o["state"] = engine::AlertStateName(a.state);
  o["status"] = engine::OutcomeName(a.Status());
  o["source"] = a.source;
  o["labels"] = LabelsJson(a.labels);
  o["annotations"] = AnnotationsJson(a.annotations);
  o["starts_at"] = FormatRfc3339(a.starts_at);
  o["created_at"] = FormatRfc3339(a.created_at);
  o["updated_at"] = FormatRfc3339(a.updated_at);
  o["resolved_at"] = Instant(a.resolved_at);
  o["acked_by"] = a.acked_by.empty() ? json::value(nullptr) : json::value(a.acked_by);
  o["notified"] = Strings(a.notified);
  json::array routes;
  for (const auto& r : a.routings) {
    const std::string name =
        r.route >= 0 && static_cast<std::size_t>(r.route) < config.routes.size()
            ? config.routes[static_cast<std::size_t>(r.route)].name
            : "(removed)";
    routes.push_back(json::object{{"route", name},
                                  {"status", engine::OutcomeName(r.status)},
                                  {"step", r.step + 1},
                                  {"held_until", Instant(r.held_until)},
                                  {"next_on_duty", Strings(r.held_for)}});
  }
  o["routes"] = std::move(routes);
  if (!a.routings.empty()) {
    o["held_until"] = Instant(a.routings.front().held_until);
    o["next_on_duty"] = Strings(a.routings.front().held_for);
  }
  if (detail) {
    json::array timeline;
    for (const auto& e : a.timeline) {
      timeline.push_back(TimelineEntryJson(e));
    }
    o["timeline"] = std::move(timeline);
    o["deliveries"] = DeliveriesJson(a, config);
  }
  return o;
}

json::array DeliveriesJson(const engine::Alert& a, const config::Config& config) {
  // Every contact of everyone told, with the last word of the timeline on it.
  struct Row {
    std::string person, channel, to, state = "pending", detail, at;
    Duration after{0};
  };
  std::vector<Row> rows;
  for (const auto& p : a.notified) {
    if (config::IsChannelRecipient(p)) {
      rows.push_back({p, p.substr(8), "", "pending", "", "", Duration(0)});
      continue;
    }
    if (const config::Person* person = config.FindPerson(p)) {
      for (const auto& c : person->contacts) {
        rows.push_back({p, c.channel, c.to, "pending", "", "", c.after});
      }
    }
  }
  using engine::EntryKind;
  using engine::Field;
  for (const auto& e : a.timeline) {
    std::string_view state;
    switch (e.kind()) {
      case EntryKind::kDelivered:
        state = "delivered";
        break;
      case EntryKind::kRejected:
        state = "rejected";
        break;
      case EntryKind::kFailed:
        state = "failed";
        break;
      case EntryKind::kRetrying:
        state = "retrying";
        break;
      case EntryKind::kHoursEnded:
        state = "hours_ended";
        break;
      case EntryKind::kContactSkipped:
        state = "skipped";
        break;
      case EntryKind::kSuperseded:
        state = "superseded";
        break;
      default:
        continue;
    }
    const std::string_view person = e.Get(Field::kPerson);
    const std::string_view channel = e.Get(Field::kChannel);
    for (auto& r : rows) {
      if (r.person == person && r.channel == channel) {
        r.state = state;
        r.detail = e.Get(Field::kDetail);
        r.at = FormatRfc3339(e.at);
      }
    }
  }
  json::array out;
  for (const auto& r : rows) {
    json::object d{
        {"person", r.person}, {"channel", r.channel},
        {"to", r.to},         {"state", r.state},
        {"detail", r.detail}, {"at", r.at.empty() ? json::value(nullptr) : json::value(r.at)}};
    if (r.after > Duration(0)) {
      d["after_s"] = std::chrono::duration_cast<std::chrono::seconds>(r.after).count();
    }
    out.push_back(std::move(d));
  }
  return out;
}

json::object TimelineEntryJson(const engine::Timeline::Entry& e) {
  json::object o;
  o["at"] = FormatRfc3339(e.at);
  o["kind"] = engine::EntryKindName(e.kind());
  json::array skipped;
  e.ForEach([&](engine::Field f, std::string_view v) {
    const std::string_view name = engine::FieldName(f);
    json::value value;
    if (engine::IsTimeField(f)) {
      std::int64_t ms = 0;
      std::from_chars(v.data(), v.data() + v.size(), ms);
      value = FormatRfc3339(TimePoint{std::chrono::milliseconds(ms)});
    } else if (engine::IsNumberField(f)) {
      std::int64_t n = 0;
      std::from_chars(v.data(), v.data() + v.size(), n);
      value = n;
    } else {
      value = v;
    }
    if (f == engine::Field::kSkipped) {
      skipped.push_back(json::object{{"person", v}});
    } else if (f == engine::Field::kSkippedCode || f == engine::Field::kSkippedWhy) {
      if (!skipped.empty()) {
        skipped.back().as_object()[f == engine::Field::kSkippedCode ? "reason_code" : "reason"] =
            value;
      }
    } else if (engine::IsListField(f)) {
      auto& list = o[name];
      if (!list.is_array()) {
        list = json::array();
      }
      list.as_array().push_back(std::move(value));
    } else {
      o[name] = std::move(value);
    }
  });
  if (!skipped.empty()) {
    o["skipped"] = std::move(skipped);
  }
  o["what"] = engine::Describe(e);
  return o;
}

std::string IngestResultsJson(const std::vector<engine::IngestResult>& results) {
  // One short-lived tree per answer: its nodes come from a stack buffer
  // (heap only past it) instead of a malloc each.
  unsigned char buffer[16384];
  json::monotonic_resource scratch(buffer, sizeof buffer);
  const json::storage_ptr sp(&scratch);
  json::array alerts(sp);
  alerts.reserve(results.size());
  for (const auto& r : results) {
    alerts.push_back(json::object(
        {{"id", r.id == 0 ? json::value(nullptr, sp) : json::value(std::to_string(r.id), sp)},
         {"fingerprint", r.key},
         {"status", engine::OutcomeName(r.status)},
         {"notified", Strings(r.notified, sp)},
         {"held_until", Instant(r.held_until, sp)},
         {"next_on_duty", Strings(r.next_on_duty, sp)}},
        sp));
  }
  json::object body(sp);
  body.emplace("alerts", std::move(alerts));
  return json::serialize(body);
}

json::object SilenceJson(const rules::Silence& s, TimePoint now) {
  json::array ms;
  for (const auto& m : s.matchers) {
    ms.emplace_back(m.ToString());
  }
  return json::object{{"id", s.id},
                      {"matchers", std::move(ms)},
                      {"starts_at", FormatRfc3339(s.starts_at)},
                      {"ends_at", FormatRfc3339(s.ends_at)},
                      {"created_by", s.created_by},
                      {"comment", s.comment},
                      {"active", s.ActiveAt(now)},
                      {"source", s.id.starts_with("config-") ? "config" : "api"}};
}

json::object OverrideJson(const schedule::OverrideSpec& o, std::string_view source) {
  const auto or_null = [](const std::string& s) {
    return s.empty() ? json::value(nullptr) : json::value(s);
  };
  return json::object{{"id", o.id},
                      {"person", o.person},
                      {"replaces", or_null(o.replaces)},
                      {"team", or_null(o.team)},
                      {"start", FormatRfc3339(o.start)},
                      {"end", FormatRfc3339(o.end)},
                      {"note", o.note},
                      {"source", source}};
}

bool AlertInState(std::string_view state, const engine::Alert& a) {
  if (state == "all") {
    return true;
  }
  if (state == "open") {
    return a.state != engine::AlertState::kResolved;
  }
  return state == engine::AlertStateName(a.state);
}

bool IsAlertStateFilter(std::string_view state) {
  return state == "open" || state == "firing" || state == "acknowledged" || state == "resolved" ||
         state == "all";
}

http::Response JsonResponse(int status, const json::value& v) {
  return http::Response::Json(status, json::serialize(v));
}

http::Response Unavailable() {
  http::Response r = http::Response::Error(
      503, "rota cannot write its state right now (see rota_store_up and the log); try again");
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

}  // namespace rota::api
