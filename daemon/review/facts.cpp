#include "review/facts.h"

#include <algorithm>
#include <boost/json.hpp>

namespace rota::review {

std::vector<std::string> TeamsOfAlert(const engine::Model& m, const engine::Alert& a) {
  // The teams of its routes (a rerouted alert still belongs to them).
  std::vector<std::string> out;
  for (const auto& r : a.routings) {
    if (r.route >= 0 && static_cast<std::size_t>(r.route) < m.route_teams.size()) {
      const auto& teams = m.route_teams[static_cast<std::size_t>(r.route)];
      out.insert(out.end(), teams.begin(), teams.end());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<schedule::Span> HoldsUntil(const AlertFacts& f, TimePoint until) {
  std::vector<schedule::Span> out = f.holds;
  if (f.held_since && *f.held_since < until) {
    out.push_back({*f.held_since, until});
  }
  return out;
}

AlertFacts FactsOf(const engine::Model& model, const engine::Alert& a) {
  using engine::EntryKind;
  using engine::Field;
  AlertFacts f;
  f.id = a.id;
  f.teams = TeamsOfAlert(model, a);
  f.received = a.created_at;
  f.first_notified = a.first_notified_at;
  f.resolved = a.resolved_at;
  f.drill = a.labels.Get("alertname") == "RotaDrill";
  const auto end_hold = [&f](TimePoint at) {
    if (f.held_since) {
      f.holds.push_back({*f.held_since, at});
      f.held_since.reset();
    }
  };
  for (const auto& e : a.timeline) {
    switch (e.kind()) {
      case EntryKind::kMatched:
        if (f.route.empty()) {
          f.route = std::string(e.Get(Field::kRoute));
        }
        break;
      case EntryKind::kHeld:
        f.was_held = true;
        f.capped |= e.Has(Field::kWake);
        if (!f.held_since) {
          f.held_since = e.at;
        }
        break;
      case EntryKind::kNotified:
      case EntryKind::kDigest:
        end_hold(e.at);
        break;
      case EntryKind::kDropped:
        f.dropped = true;
        end_hold(e.at);
        break;
      case EntryKind::kResolved:
        f.resolved_while_held |= f.held_since.has_value();
        end_hold(e.at);
        break;
      case EntryKind::kAcknowledged:
        if (!f.acked) {
          f.acked = e.at;
        }
        end_hold(e.at);  // whoever acknowledged it has seen it
        break;
      case EntryKind::kEscalated:
        f.escalated_beyond_first_step |= e.Number(Field::kStep) >= 2;
        break;
      case EntryKind::kFailed:
      case EntryKind::kRejected:
        ++f.failed_notifications;
        break;
      case EntryKind::kHoursEnded:
        ++f.refused_off_duty;
        break;
      default:
        break;
    }
  }
  return f;
}

namespace {

namespace json = boost::json;

std::int64_t Ms(TimePoint t) { return t.time_since_epoch().count(); }

json::value OptMs(const std::optional<TimePoint>& t) {
  return t ? json::value(Ms(*t)) : json::value(nullptr);
}

}  // namespace

std::string EncodeFacts(const AlertFacts& f) {
  json::array teams;
  for (const auto& t : f.teams) {
    teams.emplace_back(t);
  }
  json::array holds;
  for (const auto& h : f.holds) {
    holds.push_back(json::array{Ms(h.start), Ms(h.end)});
  }
  json::object o{{"v", 1},
                 {"id", f.id},
                 {"route", f.route},
                 {"teams", std::move(teams)},
                 {"received", Ms(f.received)},
                 {"first_notified", OptMs(f.first_notified)},
                 {"acked", OptMs(f.acked)},
                 {"resolved", OptMs(f.resolved)},
                 {"holds", std::move(holds)},
                 {"held_since", OptMs(f.held_since)},
                 {"was_held", f.was_held},
                 {"resolved_while_held", f.resolved_while_held},
                 {"dropped", f.dropped},
                 {"capped", f.capped},
                 {"escalated", f.escalated_beyond_first_step},
                 {"failed", f.failed_notifications},
                 {"refused", f.refused_off_duty},
                 {"drill", f.drill}};
  return json::serialize(o);
}

Result<AlertFacts> DecodeFacts(std::string_view doc) {
  boost::system::error_code ec;
  const json::value v = json::parse(doc, ec);
  const auto bad = [](std::string what) {
    return Fail(Error::InvalidArgument("history record: " + what));
  };
  if (ec || !v.is_object()) {
    return bad("not a JSON object");
  }
  const json::object& o = v.as_object();
  const auto integer = [&](const char* key, std::int64_t& out) {
    const json::value* x = o.if_contains(key);
    if (x == nullptr || !x->is_int64()) {
      return false;
    }
    out = x->as_int64();
    return true;
  };
  const auto instant = [&](const char* key, std::optional<TimePoint>& out) {
    const json::value* x = o.if_contains(key);
    if (x == nullptr) {
      return false;
    }
    if (x->is_null()) {
      out.reset();
      return true;
    }
    if (!x->is_int64()) {
      return false;
    }
    out = TimePoint(std::chrono::milliseconds(x->as_int64()));
    return true;
  };
  const auto flag = [&](const char* key, bool& out) {
    const json::value* x = o.if_contains(key);
    if (x == nullptr || !x->is_bool()) {
      return false;
    }
    out = x->as_bool();
    return true;
  };
  AlertFacts f;
  std::int64_t id = 0;
  std::int64_t received = 0;
  std::int64_t failed = 0;
  std::int64_t refused = 0;
  std::int64_t version = 0;
  const json::value* route = o.if_contains("route");
  const json::value* teams = o.if_contains("teams");
  const json::value* holds = o.if_contains("holds");
  if (!integer("v", version) || version != 1 || !integer("id", id) || id < 0 ||
      !integer("received", received) || !instant("first_notified", f.first_notified) ||
      !instant("acked", f.acked) || !instant("resolved", f.resolved) ||
      !instant("held_since", f.held_since) || !flag("was_held", f.was_held) ||
      !flag("resolved_while_held", f.resolved_while_held) || !flag("dropped", f.dropped) ||
      !flag("capped", f.capped) || !flag("escalated", f.escalated_beyond_first_step) ||
      !flag("drill", f.drill) || !integer("failed", failed) || !integer("refused", refused) ||
      failed < 0 || failed > 1'000'000 || refused < 0 || refused > 1'000'000 || route == nullptr ||
      !route->is_string() || teams == nullptr || !teams->is_array() || holds == nullptr ||
      !holds->is_array()) {
    return bad("a field is missing or of the wrong kind");
  }
  f.id = static_cast<engine::AlertId>(id);
  f.received = TimePoint(std::chrono::milliseconds(received));
  f.route = std::string(route->as_string());
  f.failed_notifications = static_cast<int>(failed);
  f.refused_off_duty = static_cast<int>(refused);
  for (const auto& t : teams->as_array()) {
    if (!t.is_string()) {
      return bad("teams: expected strings");
    }
    f.teams.emplace_back(t.as_string());
  }
  std::sort(f.teams.begin(), f.teams.end());
  for (const auto& h : holds->as_array()) {
    if (!h.is_array() || h.as_array().size() != 2 || !h.as_array()[0].is_int64() ||
        !h.as_array()[1].is_int64() || h.as_array()[1].as_int64() < h.as_array()[0].as_int64()) {
      return bad("holds: expected [start, end] pairs");
    }
    f.holds.push_back({TimePoint(std::chrono::milliseconds(h.as_array()[0].as_int64())),
                       TimePoint(std::chrono::milliseconds(h.as_array()[1].as_int64()))});
  }
  return f;
}

std::vector<AlertFacts> WithHistory(std::vector<AlertFacts> live,
                                    const std::vector<std::string>& history, std::size_t* skipped) {
  std::vector<engine::AlertId> ids;
  ids.reserve(live.size());
  for (const auto& f : live) {
    ids.push_back(f.id);
  }
  std::sort(ids.begin(), ids.end());
  for (const auto& doc : history) {
    auto f = DecodeFacts(doc);
    if (!f) {
      if (skipped != nullptr) {
        ++*skipped;
      }
      continue;
    }
    if (!std::binary_search(ids.begin(), ids.end(), f->id)) {
      live.push_back(std::move(*f));
    }
  }
  return live;
}

std::vector<AlertFacts> FactsReceivedIn(const engine::Engine& engine, TimePoint from,
                                        TimePoint to) {
  std::vector<AlertFacts> out;
  engine.ForEachAlert([&](const engine::Alert& a) {
    if (a.created_at >= from && a.created_at < to) {
      out.push_back(FactsOf(engine.model(), a));
    }
  });
  return out;
}

}  // namespace rota::review
