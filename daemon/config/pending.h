// What the loader has parsed but not yet resolved: people, teams, routes
// and escalations with the names they refer to and where those stand, and
// the phase that checks names are unique and resolves every reference
// (config/resolve.cpp). Private to config/.
//
// Thread-safety: plain values of one load.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/loader.h"

namespace rota::config::detail {

struct PendingHours {
  std::vector<std::pair<std::string, SourcePos>> names;
  std::vector<schedule::TimeInterval> inline_entries;
};

struct PendingPerson {
  Person person;
  PendingHours hours;
  std::optional<SourcePos> timezone_pos;
};

struct PendingTeam {
  Team team;
  std::vector<std::pair<std::string, SourcePos>> members;
  std::vector<std::pair<std::string, SourcePos>> rotation_order;
  PendingHours support_hours;
  std::optional<SourcePos> page_pos;
};

struct PendingRoute {
  Route route;
  SourcePos escalation_pos;
  std::vector<std::pair<std::string, SourcePos>> active;
  std::vector<std::pair<std::string, SourcePos>> mute;
};

struct PendingEscalation {
  Escalation escalation;
  std::vector<std::vector<SourcePos>> target_pos;  // per step, per target
};

struct PendingReview {
  Review review;
  SourcePos team_pos;
  std::optional<SourcePos> timezone_pos;
  std::vector<SourcePos> to_pos;
};

struct Pending {
  std::vector<PendingPerson> people;
  std::vector<PendingTeam> teams;
  std::vector<PendingRoute> routes;
  std::vector<PendingEscalation> escalations;
  std::vector<InhibitRule> inhibit_rules;
  std::vector<PendingReview> reviews;
};

// Every name defined twice is an error at its second definition.
void CheckAllUnique(std::vector<Diagnostic>& errors, const Config& cfg, const Pending& pending);
// Moves people, teams, escalations, routes and inhibit rules into `cfg`,
// resolving time intervals, channels, people and teams by name.
void Resolve(Pending& pending, Config& cfg, LoadResult& result);

}  // namespace rota::config::detail
