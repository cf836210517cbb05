// The engine's vocabulary (names of states, outcomes and notification
// kinds, as the API and the store spell them) and the compiled Model.
#include <algorithm>
#include <array>

#include "engine/engine.h"

namespace rota::engine {

std::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kFiring:
      return "firing";
    case AlertState::kAcknowledged:
      return "acknowledged";
    case AlertState::kResolved:
      return "resolved";
  }
  return "firing";
}

namespace {

constexpr std::array<std::pair<Outcome, std::string_view>, 12> kOutcomeNames = {{
    {Outcome::kNotified, "notified"},
    {Outcome::kHeld, "held"},
    {Outcome::kGrouped, "grouped"},
    {Outcome::kSilenced, "silenced"},
    {Outcome::kInhibited, "inhibited"},
    {Outcome::kMuted, "muted"},
    {Outcome::kDuplicate, "duplicate"},
    {Outcome::kResolved, "resolved"},
    {Outcome::kAcknowledged, "acknowledged"},
    {Outcome::kUnrouted, "unrouted"},
    {Outcome::kDropped, "dropped"},
    {Outcome::kUnknown, "unknown"},
}};

}  // namespace

std::string_view OutcomeName(Outcome o) {
  for (const auto& [outcome, name] : kOutcomeNames) {
    if (outcome == o) {
      return name;
    }
  }
  return "unknown";
}

Outcome OutcomeFromName(std::string_view name) {
  for (const auto& [outcome, n] : kOutcomeNames) {
    if (n == name) {
      return outcome;
    }
  }
  return Outcome::kUnknown;
}

std::string_view NotificationKindName(NotificationKind k) {
  switch (k) {
    case NotificationKind::kAlert:
      return "alert";
    case NotificationKind::kDigest:
      return "digest";
    case NotificationKind::kResolved:
      return "resolved";
    case NotificationKind::kAcknowledged:
      return "acknowledged";
  }
  return "alert";
}

Outcome Alert::Status() const {
  if (state == AlertState::kResolved) {
    return Outcome::kResolved;
  }
  if (state == AlertState::kAcknowledged) {
    return Outcome::kAcknowledged;
  }
  if (routings.empty()) {
    return Outcome::kUnrouted;
  }
  return routings.front().status;
}

std::shared_ptr<const Model> Model::Build(std::shared_ptr<const config::Config> config,
                                          std::shared_ptr<const schedule::Roster> roster) {
  auto m = std::make_shared<Model>();
  std::vector<rules::RouteIndex::Route> routes;
  for (const auto& r : config->routes) {
    routes.push_back({r.matchers, r.continue_matching});
    const config::Escalation* esc = config->FindEscalation(r.escalation);
    m->route_escalation.push_back(esc);
    m->route_teams.push_back(esc != nullptr ? config::TeamsPagedBy(*config, *esc)
                                            : std::vector<std::string>{});
  }
  m->routes = rules::RouteIndex(std::move(routes));
  for (const auto& ir : config->inhibit_rules) {
    m->inhibit_rules.push_back({ir.source_matchers, ir.target_matchers, ir.equal});
  }
  m->config = std::move(config);
  m->roster = std::move(roster);
  return m;
}

}  // namespace rota::engine
