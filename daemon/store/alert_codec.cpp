#include "store/alert_codec.h"

#include <boost/json.hpp>
#include <charconv>

namespace rota::store {
namespace {

namespace json = boost::json;

json::value Ms(const std::optional<TimePoint>& t) {
  return t ? json::value(t->time_since_epoch().count()) : json::value(nullptr);
}
json::value Ms(TimePoint t) { return json::value(t.time_since_epoch().count()); }

std::optional<TimePoint> OptTime(const json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  if (v == nullptr || v->is_null()) {
    return std::nullopt;
  }
  return TimePoint{std::chrono::milliseconds(v->to_number<std::int64_t>())};
}
TimePoint Time(const json::object& o, std::string_view k) {
  return OptTime(o, k).value_or(TimePoint{});
}

json::array Pairs(const std::vector<std::pair<std::string, std::string>>& v,
                  const json::storage_ptr& sp) {
  json::array a(sp);
  a.reserve(v.size());
  for (const auto& [k, val] : v) {
    json::array pair(sp);
    pair.reserve(2);
    pair.emplace_back(k);
    pair.emplace_back(val);
    a.push_back(std::move(pair));
  }
  return a;
}

std::vector<std::pair<std::string, std::string>> ReadPairs(const json::value& v) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(v.as_array().size());  // exactly: kept for the alert's life
  for (const auto& p : v.as_array()) {
    out.emplace_back(std::string(p.as_array().at(0).as_string()),
                     std::string(p.as_array().at(1).as_string()));
  }
  return out;
}

json::array Strings(const std::vector<std::string>& v, const json::storage_ptr& sp) {
  json::array a(sp);
  for (const auto& s : v) {
    a.emplace_back(s);
  }
  return a;
}

std::vector<std::string> ReadStrings(const json::value& v) {
  std::vector<std::string> out;
  out.reserve(v.as_array().size());
  for (const auto& s : v.as_array()) {
    out.emplace_back(s.as_string());
  }
  return out;
}

}  // namespace

std::string EncodeAlert(const engine::Alert& a, const config::Config& config) {
  // Written twice per alert on the hot path: the tree lives in a stack
  // buffer (heap only past 8 KB) instead of a malloc per node, which also
  // keeps those short-lived nodes from fragmenting the heap that holds the
  // alerts.
  unsigned char buffer[8192];
  json::monotonic_resource scratch(buffer, sizeof buffer);
  const json::storage_ptr sp(&scratch);
  json::array routes(sp);
  for (const auto& r : a.routings) {
    auto& route =
        routes
            .emplace_back(json::object(
                {{"route",
                  r.route >= 0
                      ? json::value(config.routes[static_cast<std::size_t>(r.route)].name, sp)
                      : json::value(nullptr, sp)},
                 {"group", std::to_string(r.group)},
                 {"status", engine::OutcomeName(r.status)},
                 {"step", r.step},
                 {"round", r.round},
                 {"escalating", r.escalating},
                 {"exhausted", r.exhausted},
                 {"held_until", Ms(r.held_until)},
                 {"hold_started", Ms(r.hold_started)},
                 {"last_notified", Ms(r.last_notified)},
                 {"held_for", Strings(r.held_for, sp)}},
                sp))
            .as_object();
    if (!r.reroute.empty()) {
      route["escalation"] = json::value(r.escalation, sp);
      route["reroute"] = json::value(r.reroute, sp);
    }
  }
  // Each entry: [at ms, kind, [field, value, field, value, ...]], kinds and
  // fields by their number (engine/timeline.h keeps those numbers stable;
  // numbers decode without a name lookup, which start-up with a million
  // alerts notices); lists repeat their field. Documents from before entries
  // had kinds hold [at ms, text] and decode as notes.
  json::array timeline(sp);
  timeline.reserve(a.timeline.size());
  for (const auto& e : a.timeline) {
    json::array fields(sp);
    e.ForEach([&](engine::Field f, std::string_view v) {
      fields.emplace_back(static_cast<std::int64_t>(f));
      fields.emplace_back(v);
    });
    json::array entry(sp);
    entry.reserve(3);
    entry.push_back(Ms(e.at));
    entry.emplace_back(static_cast<std::int64_t>(e.kind()));
    entry.push_back(std::move(fields));
    timeline.push_back(std::move(entry));
  }
  json::object doc({{"id", a.id},
                    {"key", a.key},
                    {"labels", Pairs(a.labels.pairs(), sp)},
                    {"annotations", Pairs(a.annotations, sp)},
                    {"source", a.source},
                    {"url", a.generator_url},
                    {"state", engine::AlertStateName(a.state)},
                    {"created", Ms(a.created_at)},
                    {"starts", Ms(a.starts_at)},
                    {"updated", Ms(a.updated_at)},
                    {"ends", Ms(a.ends_at)},
                    {"resolved", Ms(a.resolved_at)},
                    {"first_notified", Ms(a.first_notified_at)},
                    {"notified", Strings(a.notified, sp)},
                    {"acked_by", a.acked_by},
                    {"handover_at", Ms(a.handover_at)},
                    {"routes", std::move(routes)},
                    {"timeline", std::move(timeline)}},
                   sp);
  if (!a.threads.empty()) {
    json::array threads(sp);
    for (const auto& [channel, ref] : a.threads) {
      threads.push_back(json::array({json::value(channel, sp), json::value(ref, sp)}, sp));
    }
    doc["threads"] = std::move(threads);
  }
  return json::serialize(doc);
}

AlertDecoder::AlertDecoder(const config::Config& config) {
  route_by_name_.reserve(config.routes.size());
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    route_by_name_[config.routes[i].name] = static_cast<int>(i);  // names are unique
  }
}

Result<engine::Alert> DecodeAlert(std::string_view doc, const config::Config& config) {
  return AlertDecoder(config).Decode(doc);
}

Result<engine::Alert> AlertDecoder::Decode(std::string_view doc) const {
  // The parsed tree lives only for this call: a stack buffer backs it (heap
  // only past 8 KB), so decoding a million documents at start-up does not
  // go through malloc for every JSON node.
  unsigned char buffer[8192];
  json::monotonic_resource scratch(buffer, sizeof buffer);
  try {
    const json::value v = json::parse(doc, &scratch);
    const auto& o = v.as_object();
    engine::Alert a;
    a.id = o.at("id").to_number<engine::AlertId>();
    a.key = std::string(o.at("key").as_string());
    a.labels = LabelSet(ReadPairs(o.at("labels")));
    a.annotations = ReadPairs(o.at("annotations"));
    a.source = std::string(o.at("source").as_string());
    a.generator_url = std::string(o.at("url").as_string());
    const std::string_view state = o.at("state").as_string();
    a.state = state == "resolved"       ? engine::AlertState::kResolved
              : state == "acknowledged" ? engine::AlertState::kAcknowledged
                                        : engine::AlertState::kFiring;
    a.created_at = Time(o, "created");
    a.starts_at = Time(o, "starts");
    a.updated_at = Time(o, "updated");
    a.ends_at = OptTime(o, "ends");
    a.resolved_at = OptTime(o, "resolved");
    a.first_notified_at = OptTime(o, "first_notified");
    a.notified = ReadStrings(o.at("notified"));
    if (const auto* threads = o.if_contains("threads"); threads != nullptr) {
      for (const auto& t : threads->as_array()) {
        const auto& pair = t.as_array();
        a.threads.emplace_back(std::string(pair.at(0).as_string()),
                               std::string(pair.at(1).as_string()));
      }
    }
    a.acked_by = std::string(o.at("acked_by").as_string());
    a.handover_at = OptTime(o, "handover_at");
    a.routings.reserve(o.at("routes").as_array().size());
    for (const auto& rv : o.at("routes").as_array()) {
      const auto& ro = rv.as_object();
      engine::Routing r;
      r.route = -1;
      if (ro.at("route").is_string()) {
        if (auto it = route_by_name_.find(std::string_view(ro.at("route").as_string()));
            it != route_by_name_.end()) {
          r.route = it->second;
        }
      }
      const std::string_view group = ro.at("group").as_string();
      if (std::from_chars(group.data(), group.data() + group.size(), r.group).ec != std::errc()) {
        throw std::invalid_argument("group is not a number");
      }
      r.status = engine::OutcomeFromName(ro.at("status").as_string());
      r.step = ro.at("step").to_number<int>();
      r.round = ro.at("round").to_number<int>();
      r.escalating = ro.at("escalating").as_bool();
      r.exhausted = ro.at("exhausted").as_bool();
      r.held_until = OptTime(ro, "held_until");
      r.hold_started = OptTime(ro, "hold_started");
      r.last_notified = OptTime(ro, "last_notified");
      r.held_for = ReadStrings(ro.at("held_for"));
      if (const auto* esc = ro.if_contains("escalation"); esc != nullptr) {
        r.escalation = std::string(esc->as_string());
        r.reroute = std::string(ro.at("reroute").as_string());
      }
      a.routings.push_back(std::move(r));
    }
    const auto& entries = o.at("timeline").as_array();
    std::size_t text = 0;
    for (const auto& e : entries) {
      const auto& entry = e.as_array();
      if (entry.size() < 3) {
        text += entry.at(1).as_string().size() + 4;  // a note: kind, tag, length, text
        continue;
      }
      text += 1;  // the kind
      const auto& fields = entry.at(2).as_array();
      for (std::size_t i = 1; i < fields.size(); i += 2) {
        text += 3 + fields[i].as_string().size();  // tag, length, value
      }
    }
    a.timeline.Reserve(entries.size(), text);
    thread_local engine::Note note(engine::EntryKind::kNote);
    for (const auto& e : entries) {
      const auto& entry = e.as_array();
      const TimePoint at{std::chrono::milliseconds(entry.at(0).to_number<std::int64_t>())};
      if (entry.size() < 3) {
        note.Reset(engine::EntryKind::kNote);
        a.timeline.Add(at, note.Set(engine::Field::kText, entry.at(1).as_string()));
        continue;
      }
      const auto kind = entry.at(1).to_number<std::int64_t>();
      note.Reset(kind >= 0 && kind < engine::kEntryKinds ? static_cast<engine::EntryKind>(kind)
                                                         : engine::EntryKind::kNote);
      const auto& fields = entry.at(2).as_array();
      for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        const auto f = fields[i].to_number<std::int64_t>();
        if (f >= 0 && f < engine::kFields) {
          note.Set(static_cast<engine::Field>(f), fields[i + 1].as_string());
        }
      }
      a.timeline.Add(at, note);
    }
    return a;
  } catch (const std::exception& e) {
    return Fail(Error::Io(std::string("a stored alert does not decode: ") + e.what()));
  }
}

std::string EncodeSilence(const rules::Silence& s) {
  json::array ms;
  for (const auto& m : s.matchers) {
    ms.emplace_back(m.ToString());
  }
  return json::serialize(json::object{{"id", s.id},
                                      {"matchers", ms},
                                      {"starts", Ms(s.starts_at)},
                                      {"ends", Ms(s.ends_at)},
                                      {"by", s.created_by},
                                      {"comment", s.comment}});
}

Result<rules::Silence> DecodeSilence(std::string_view doc) {
  try {
    const json::value v = json::parse(doc);
    const auto& o = v.as_object();
    rules::Silence s;
    s.id = std::string(o.at("id").as_string());
    for (const auto& m : o.at("matchers").as_array()) {
      auto parsed = rules::ParseMatchers(m.as_string());
      if (!parsed) {
        return Fail(parsed.error());
      }
      s.matchers.insert(s.matchers.end(), parsed->begin(), parsed->end());
    }
    s.starts_at = Time(o, "starts");
    s.ends_at = Time(o, "ends");
    s.created_by = std::string(o.at("by").as_string());
    s.comment = std::string(o.at("comment").as_string());
    return s;
  } catch (const std::exception& e) {
    return Fail(Error::Io(std::string("a stored silence does not decode: ") + e.what()));
  }
}

std::string EncodeReroute(const engine::Reroute& r) {
  return json::serialize(json::object{{"id", r.id},
                                      {"team", r.team},
                                      {"escalation", r.escalation},
                                      {"until", Ms(r.until)},
                                      {"reason", r.reason},
                                      {"by", r.created_by},
                                      {"created", Ms(r.created_at)}});
}

Result<engine::Reroute> DecodeReroute(std::string_view doc) {
  try {
    const json::value v = json::parse(doc);
    const auto& o = v.as_object();
    engine::Reroute r;
    r.id = std::string(o.at("id").as_string());
    r.team = std::string(o.at("team").as_string());
    r.escalation = std::string(o.at("escalation").as_string());
    r.until = OptTime(o, "until");
    r.reason = std::string(o.at("reason").as_string());
    r.created_by = std::string(o.at("by").as_string());
    r.created_at = Time(o, "created");
    if (!r.id.starts_with("r-")) {
      return Fail(Error::Io("a stored reroute has no r-N id"));
    }
    return r;
  } catch (const std::exception& e) {
    return Fail(Error::Io(std::string("a stored reroute does not decode: ") + e.what()));
  }
}

// The same shape as before this codec existed (start/end in Unix ms), so
// rows written by earlier versions decode.
std::string EncodeOverride(const schedule::OverrideSpec& o) {
  return json::serialize(json::object{{"id", o.id},
                                      {"person", o.person},
                                      {"replaces", o.replaces},
                                      {"team", o.team},
                                      {"start", Ms(o.start)},
                                      {"end", Ms(o.end)},
                                      {"note", o.note}});
}

Result<schedule::OverrideSpec> DecodeOverride(std::string_view doc) {
  try {
    const json::value v = json::parse(doc);
    const auto& o = v.as_object();
    const auto text = [&](std::string_view k) {
      const auto* f = o.if_contains(k);
      return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    schedule::OverrideSpec spec;
    spec.id = std::string(o.at("id").as_string());
    spec.person = std::string(o.at("person").as_string());
    spec.replaces = text("replaces");
    spec.team = text("team");
    spec.note = text("note");
    spec.start = TimePoint{std::chrono::milliseconds(o.at("start").to_number<std::int64_t>())};
    spec.end = TimePoint{std::chrono::milliseconds(o.at("end").to_number<std::int64_t>())};
    if (spec.person.empty() || spec.end <= spec.start) {
      return Fail(Error::Io("a stored override has no person or ends before it starts"));
    }
    return spec;
  } catch (const std::exception& e) {
    return Fail(Error::Io(std::string("a stored override does not decode: ") + e.what()));
  }
}

std::uint64_t IdSerial(std::string_view id, std::string_view prefix) {
  if (!id.starts_with(prefix)) {
    return 0;
  }
  std::uint64_t n = 0;
  const auto digits = id.substr(prefix.size());
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  return ec == std::errc() && end == digits.data() + digits.size() ? n : 0;
}

DocRow SilenceRow(const rules::Silence& s) {
  return {s.id, s.ends_at.time_since_epoch().count(), EncodeSilence(s)};
}

DocRow OverrideRow(const schedule::OverrideSpec& o) {
  return {o.id, o.end.time_since_epoch().count(), EncodeOverride(o)};
}

}  // namespace rota::store
