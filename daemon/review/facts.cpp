#include "review/facts.h"

#include <algorithm>

namespace rota::review {

std::vector<std::string> TeamsOfAlert(const engine::Model& m, const engine::Alert& a) {
  std::vector<std::string> out;
  for (const auto& r : a.routings) {
    if (r.route < 0 || static_cast<std::size_t>(r.route) >= m.route_escalation.size()) {
      continue;
    }
    const config::Escalation* esc = m.route_escalation[static_cast<std::size_t>(r.route)];
    if (esc == nullptr) {
      continue;
    }
    for (const auto& step : esc->steps) {
      for (const auto& target : step.notify) {
        if (target.kind == config::Target::Kind::kTeam) {
          out.push_back(target.id);
          continue;
        }
        for (const auto& t : m.config->teams) {
          if (std::find(t.members.begin(), t.members.end(), target.id) != t.members.end()) {
            out.push_back(t.id);
          }
        }
      }
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

std::vector<AlertFacts> FactsReceivedIn(const engine::Engine& engine, TimePoint from, TimePoint to) {
  std::vector<AlertFacts> out;
  engine.ForEachAlert([&](const engine::Alert& a) {
    if (a.created_at >= from && a.created_at < to) {
      out.push_back(FactsOf(engine.model(), a));
    }
  });
  return out;
}

}  // namespace rota::review
