// The reference checks of a load: unique names, then every name resolved
// (time intervals, channels, people, teams, escalations).
#include <unordered_map>

#include "config/pending.h"

namespace rota::config::detail {
namespace {

template <typename T, typename Name, typename Pos>
void CheckUnique(std::vector<Diagnostic>& errors, const std::vector<T>& items, Name name, Pos pos,
                 std::string_view what) {
  std::unordered_map<std::string, SourcePos> seen;
  for (const auto& item : items) {
    const std::string& key = name(item);
    auto [it, inserted] = seen.emplace(key, pos(item));
    if (!inserted) {
      errors.push_back({pos(item), "duplicate " + std::string(what) + " \"" + key +
                                       "\" (first defined at " + it->second.ToString() + ")"});
    }
  }
}

}  // namespace

void CheckAllUnique(std::vector<Diagnostic>& errors, const Config& cfg, const Pending& pending) {
  CheckUnique(
      errors, cfg.channels, [](const Channel& c) -> const std::string& { return c.name; },
      [](const Channel& c) { return c.pos; }, "channel name");
  CheckUnique(
      errors, cfg.time_intervals,
      [](const NamedInterval& t) -> const std::string& { return t.name; },
      [](const NamedInterval& t) { return t.pos; }, "time interval name");
  CheckUnique(
      errors, pending.people,
      [](const PendingPerson& p) -> const std::string& { return p.person.id; },
      [](const PendingPerson& p) { return p.person.pos; }, "person id");
  CheckUnique(
      errors, pending.teams, [](const PendingTeam& t) -> const std::string& { return t.team.id; },
      [](const PendingTeam& t) { return t.team.pos; }, "team id");
  CheckUnique(
      errors, pending.routes,
      [](const PendingRoute& p) -> const std::string& { return p.route.name; },
      [](const PendingRoute& p) { return p.route.pos; }, "route name");
  CheckUnique(
      errors, pending.escalations,
      [](const PendingEscalation& p) -> const std::string& { return p.escalation.name; },
      [](const PendingEscalation& p) { return p.escalation.pos; }, "escalation name");
}

namespace {

// What references resolve against: every name defined anywhere.
struct Names {
  std::unordered_map<std::string, const NamedInterval*> intervals;
  std::set<std::string> channels;
  std::set<std::string> people;
  std::set<std::string> teams;
  std::set<std::string> escalations;

  Names(const Config& cfg, const Pending& pending) {
    for (const auto& ni : cfg.time_intervals) {
      intervals.emplace(ni.name, &ni);
    }
    for (const auto& c : cfg.channels) {
      channels.insert(c.name);
    }
    for (const auto& pp : pending.people) {
      people.insert(pp.person.id);
    }
    for (const auto& pt : pending.teams) {
      teams.insert(pt.team.id);
    }
    for (const auto& pe : pending.escalations) {
      escalations.insert(pe.escalation.name);
    }
  }

  void ResolveHours(const PendingHours& in, HoursSpec& out, std::vector<Diagnostic>& errors) const {
    for (const auto& [name, pos] : in.names) {
      auto it = intervals.find(name);
      if (it == intervals.end()) {
        errors.push_back(
            {pos, "unknown time interval \"" + name + "\" (define it under time_intervals:)"});
        continue;
      }
      out.names.push_back(name);
      out.intervals.insert(out.intervals.end(), it->second->intervals.begin(),
                           it->second->intervals.end());
    }
    out.intervals.insert(out.intervals.end(), in.inline_entries.begin(), in.inline_entries.end());
  }

  void CheckIntervalNames(const std::vector<std::pair<std::string, SourcePos>>& in,
                          std::vector<std::string>& out, std::vector<Diagnostic>& errors) const {
    for (const auto& [name, pos] : in) {
      if (intervals.count(name) == 0) {
        errors.push_back(
            {pos, "unknown time interval \"" + name + "\" (define it under time_intervals:)"});
      } else {
        out.push_back(name);
      }
    }
  }
};

void ResolvePeople(Pending& pending, const Names& names, Config& cfg,
                   std::vector<Diagnostic>& errors) {
  for (auto& pp : pending.people) {
    Person& p = pp.person;
    if (p.timezone.empty()) {
      p.timezone = cfg.global.timezone;
      p.zone = cfg.global.zone;
    }
    names.ResolveHours(pp.hours, p.hours, errors);
    for (const auto& c : p.contacts) {
      if (names.channels.count(c.channel) == 0) {
        errors.push_back({c.pos, "person \"" + p.id + "\": unknown channel \"" + c.channel +
                                     "\" (define it under channels:)"});
      }
    }
    cfg.people.push_back(std::move(p));
  }
}

// The rotation's order: members named in `rotation.order`, or all of them.
void ResolveRotation(PendingTeam& pt, const std::set<std::string>& members, LoadResult& result) {
  Team& t = pt.team;
  Rotation& rot = *t.rotation;
  if (rot.timezone.empty()) {
    rot.timezone = t.timezone;
    rot.zone = t.zone;
  }
  if (pt.rotation_order.empty()) {
    rot.order = t.members;
  }
  std::set<std::string> in_order;
  for (const auto& [id, pos] : pt.rotation_order) {
    if (members.count(id) == 0) {
      result.errors.push_back({pos, "team \"" + t.id + "\": rotation names \"" + id +
                                        "\", who is not a member of the team"});
    } else if (!in_order.insert(id).second) {
      result.errors.push_back({pos, "team \"" + t.id + "\": rotation lists \"" + id + "\" twice"});
    } else {
      rot.order.push_back(id);
    }
  }
  if (!pt.rotation_order.empty() && in_order.size() < members.size()) {
    for (const auto& m : t.members) {
      if (in_order.count(m) == 0) {
        result.warnings.push_back({t.pos, "team \"" + t.id + "\": member \"" + m +
                                              "\" is not in the rotation and is never paged"});
      }
    }
  }
}

void ResolveTeams(Pending& pending, const Names& names, Config& cfg, LoadResult& result) {
  for (auto& pt : pending.teams) {
    Team& t = pt.team;
    std::set<std::string> seen;
    for (const auto& [id, pos] : pt.members) {
      if (names.people.count(id) == 0) {
        result.errors.push_back({pos, "team \"" + t.id + "\": unknown person \"" + id +
                                          "\" (define it under people:)"});
      } else if (!seen.insert(id).second) {
        result.errors.push_back({pos, "team \"" + t.id + "\": person \"" + id + "\" listed twice"});
      } else {
        t.members.push_back(id);
      }
    }
    names.ResolveHours(pt.support_hours, t.support_hours, result.errors);
    if (t.timezone.empty()) {
      t.timezone = cfg.global.timezone;
      t.zone = cfg.global.zone;
    }
    if (t.rotation) {
      ResolveRotation(pt, seen, result);
    }
    cfg.teams.push_back(std::move(t));
  }
}

void ResolveRules(Pending& pending, const Names& names, Config& cfg,
                  std::vector<Diagnostic>& errors) {
  for (const auto& o : cfg.overrides) {
    if (names.people.count(o.person) == 0) {
      errors.push_back({o.pos, "override: unknown person \"" + o.person + "\""});
    }
    if (!o.replaces.empty() && names.people.count(o.replaces) == 0) {
      errors.push_back({o.pos, "override: unknown person \"" + o.replaces + "\" to replace"});
    }
    if (!o.team.empty() && names.teams.count(o.team) == 0) {
      errors.push_back({o.pos, "override: unknown team \"" + o.team + "\""});
    }
  }
  for (auto& pe : pending.escalations) {
    Escalation& e = pe.escalation;
    for (std::size_t s = 0; s < e.steps.size(); ++s) {
      for (std::size_t i = 0; i < e.steps[s].notify.size(); ++i) {
        const Target& t = e.steps[s].notify[i];
        if (t.kind == Target::Kind::kChannel) {
          if (names.channels.count(t.id) == 0) {
            errors.push_back({pe.target_pos[s][i],
                              "escalation \"" + e.name + "\": unknown channel \"" + t.id + "\""});
          } else if (const Channel* c = cfg.FindChannel(t.id);
                     c != nullptr && c->type == ChannelType::kEmail && c->to.empty()) {
            errors.push_back(
                {pe.target_pos[s][i], "escalation \"" + e.name + "\": email channel \"" + t.id +
                                          "\" has no address of its own (set its to:)"});
          }
          continue;
        }
        const bool person = t.kind == Target::Kind::kPerson;
        if ((person ? names.people : names.teams).count(t.id) == 0) {
          errors.push_back({pe.target_pos[s][i], "escalation \"" + e.name + "\": unknown " +
                                                     (person ? "person" : "team") + " \"" + t.id +
                                                     "\""});
        }
      }
    }
    cfg.escalations.push_back(std::move(e));
  }
  for (auto& pr : pending.routes) {
    Route& route = pr.route;
    if (names.escalations.count(route.escalation) == 0) {
      errors.push_back({pr.escalation_pos, "route \"" + route.name + "\": unknown escalation \"" +
                                               route.escalation + "\""});
    }
    names.CheckIntervalNames(pr.active, route.active_time_intervals, errors);
    names.CheckIntervalNames(pr.mute, route.mute_time_intervals, errors);
    cfg.routes.push_back(std::move(route));
  }
  cfg.inhibit_rules = std::move(pending.inhibit_rules);
}

// After teams: a review's zone defaults to its team's.
void ResolveReviews(Pending& pending, const Names& names, Config& cfg,
                    std::vector<Diagnostic>& errors) {
  std::set<std::string> keys;
  for (auto& pv : pending.reviews) {
    Review& v = pv.review;
    const Team* team = cfg.FindTeam(v.team);
    if (team == nullptr) {
      errors.push_back({pv.team_pos, "review: unknown team \"" + v.team + "\""});
      continue;
    }
    if (v.zone == nullptr) {
      v.timezone = team->timezone;
      v.zone = team->zone;
    }
    for (std::size_t i = 0; i < v.to.size(); ++i) {
      const std::string& to = v.to[i];
      const bool person = to.starts_with("person:");
      const std::string id = to.substr(to.find(':') + 1);
      if (person && names.people.count(id) == 0) {
        errors.push_back({pv.to_pos[i], "review: unknown person \"" + id + "\""});
      } else if (!person) {
        const Channel* c = cfg.FindChannel(id);
        if (c == nullptr) {
          errors.push_back({pv.to_pos[i], "review: unknown channel \"" + id + "\""});
        } else if (c->PerAlert()) {
          errors.push_back({pv.to_pos[i], "review: channel \"" + id + "\" is a " +
                                              std::string(ChannelTypeName(c->type)) +
                                              " channel, which takes alerts, not reports"});
        } else if (c->type == ChannelType::kEmail && c->to.empty()) {
          errors.push_back({pv.to_pos[i], "review: email channel \"" + id +
                                              "\" has no address of its own (set its to:)"});
        }
      }
    }
    v.key = v.team + " " + std::string(EveryName(v.every)) + " " + v.at + " " + v.timezone;
    if (!keys.insert(v.key).second) {
      errors.push_back({v.pos, "review: the same schedule for team \"" + v.team +
                                   "\" is listed twice (merge their to: lists)"});
      continue;
    }
    cfg.reviews.push_back(std::move(v));
  }
}

}  // namespace

void Resolve(Pending& pending, Config& cfg, LoadResult& result) {
  const Names names(cfg, pending);
  ResolvePeople(pending, names, cfg, result.errors);
  ResolveTeams(pending, names, cfg, result);
  ResolveRules(pending, names, cfg, result.errors);
  ResolveReviews(pending, names, cfg, result.errors);
}

}  // namespace rota::config::detail
