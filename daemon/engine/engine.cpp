#include "engine/engine.h"

#include <algorithm>

#include "core/hash.h"
#include "core/time.h"
#include "engine/batch.h"
#include "schedule/hours.h"

namespace rota::engine {
namespace {

const std::vector<std::string> kNoTeams;  // no reroute in force: nothing to look up

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += out.empty() ? "" : ", ";
    out += s;
  }
  return out;
}

std::string Targets(const config::EscalationStep& step) {
  std::vector<std::string> t;
  for (const auto& target : step.notify) {
    t.push_back(target.ToString());
  }
  return Join(t);
}

void AddUnique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) {
    v.push_back(s);
  }
}

}  // namespace

// ---- batching ------------------------------------------------------------------

Engine::Engine(std::shared_ptr<const Model> model) : model_(std::move(model)) {}

void Engine::SetModel(std::shared_ptr<const Model> model) {
  // Re-point routings at the new route indices by name.
  std::unordered_map<std::string, int> by_name;
  for (std::size_t i = 0; i < model->config->routes.size(); ++i) {
    by_name.emplace(model->config->routes[i].name, static_cast<int>(i));
  }
  for (auto& [id, a] : alerts_) {
    for (auto& r : a.routings) {
      if (r.route < 0) {
        continue;
      }
      const std::string& name = model_->config->routes[static_cast<std::size_t>(r.route)].name;
      const auto it = by_name.find(name);
      r.route = it == by_name.end() ? -1 : it->second;
    }
  }
  for (auto& [key, g] : groups_) {
    if (g.route >= 0) {
      const auto it = by_name.find(model_->config->routes[static_cast<std::size_t>(g.route)].name);
      g.route = it == by_name.end() ? -1 : it->second;
    }
  }
  model_ = std::move(model);
}

void Engine::SetOpen(const Alert& a) {
  open_by_key_.erase(a.key);  // a view of another alert's key must not stay
  open_by_key_.emplace(a.key, a.id);
}

void Engine::Record(Alert& a, TimePoint at, const Note& note) {
  a.timeline.Add(at, note);
  changed_.insert(a.id);
  reindex_.push_back(a.id);
}

void Engine::Schedule(TimePoint at, DeadlineKind kind, std::uint64_t target, int slot,
                      std::uint64_t gen) {
  deadlines_.push({at, target, gen, next_seq_++, slot, kind});
}

std::optional<TimePoint> Engine::NextDeadline() const {
  if (deadlines_.empty()) {
    return std::nullopt;
  }
  return deadlines_.top().at;
}

const config::Route* Engine::RouteOf(const Alert& a, int slot) const {
  const int r = a.routings[static_cast<std::size_t>(slot)].route;
  return r < 0 ? nullptr : &model_->config->routes[static_cast<std::size_t>(r)];
}

const config::Escalation* Engine::EscalationOf(const Alert& a, int slot) const {
  const Routing& routing = a.routings[static_cast<std::size_t>(slot)];
  if (!routing.escalation.empty()) {
    // Rerouted; an escalation removed by a reload falls back to the route's.
    if (const auto* esc = model_->config->FindEscalation(routing.escalation)) {
      return esc;
    }
  }
  const int r = routing.route;
  return r < 0 ? nullptr : model_->route_escalation[static_cast<std::size_t>(r)];
}

std::vector<std::string> Engine::OnDutyForStep(const config::EscalationStep& step, TimePoint now,
                                               Note* skipped) const {
  std::vector<std::string> people;
  const auto& roster = *model_->roster;
  for (const auto& target : step.notify) {
    if (target.kind == config::Target::Kind::kChannel) {
      AddUnique(people, target.ToString());  // a channel has no hours
      continue;
    }
    if (target.kind == config::Target::Kind::kPerson) {
      if (roster.IsOnDuty(target.id, now)) {
        AddUnique(people, target.id);
      } else if (skipped != nullptr) {
        const auto d = roster.PersonOnDuty(target.id, now);
        if (d && d->off) {
          skipped->Set(Field::kSkipped, target.id)
              .Set(Field::kSkippedCode, schedule::OffReasonCode(d->off->reason))
              .Set(Field::kSkippedWhy, d->off->detail);
        }
      }
      continue;
    }
    if (skipped == nullptr) {
      if (auto on = roster.TeamOnDutyPeople(target.id, now)) {
        for (const auto& p : *on) {
          AddUnique(people, p.person);
        }
      }
      continue;
    }
    const auto duty = roster.TeamOnDuty(target.id, now);
    if (!duty) {
      continue;
    }
    for (const auto& p : duty->on_duty) {
      AddUnique(people, p.person);
    }
    for (const auto& off : duty->off_duty) {
      skipped->Set(Field::kSkipped, off.person)
          .Set(Field::kSkippedCode, schedule::OffReasonCode(off.reason))
          .Set(Field::kSkippedWhy, off.detail);
    }
  }
  return people;
}

std::optional<schedule::NextDuty> Engine::NextForStep(const config::EscalationStep& step,
                                                      TimePoint now) const {
  std::optional<schedule::NextDuty> best;
  const auto& roster = *model_->roster;
  for (const auto& target : step.notify) {
    if (target.kind == config::Target::Kind::kChannel) {
      const schedule::NextDuty now_duty{now, {target.ToString()}};
      if (!best || now < best->at) {
        best = now_duty;
      } else if (best->at == now) {
        AddUnique(best->people, target.ToString());
      }
      continue;
    }
    const auto next = target.kind == config::Target::Kind::kPerson
                          ? roster.NextPersonOnDuty(target.id, now)
                          : roster.NextTeamOnDuty(target.id, now);
    if (!next || !next->has_value()) {
      continue;
    }
    const auto& n = **next;
    if (!best || n.at < best->at) {
      best = n;
    } else if (n.at == best->at) {
      for (const auto& p : n.people) {
        AddUnique(best->people, p);
      }
    }
  }
  return best;
}

// ---- ingest ----------------------------------------------------------------------

// The same alert again (a re-send): last-seen, endsAt, maybe annotations;
// resolved when endsAt has passed.
IngestResult Engine::Refresh(AlertId id, const Event& event, TimePoint now, IngestResult result) {
  Batch batch;
  Alert& a = alerts_.at(id);
  result.id = a.id;
  a.updated_at = now;
  // A re-send that moves only last-seen and endsAt is a touch (a small
  // write); anything else rewrites the alert.
  bool rewritten = false;
  if (!event.annotations.empty() && event.annotations != a.annotations) {
    a.annotations = event.annotations;
    rewritten = true;
  }
  if (!event.dedup_key.empty() && !(event.labels == a.labels)) {
    a.labels = event.labels;  // a dedup key names the alert; labels may move
    rewritten = true;
  }
  if (rewritten) {
    changed_.insert(a.id);
  } else {
    touched_.insert(a.id);
  }
  if (event.ends_at && *event.ends_at <= now) {
    ResolveAlert(a,
                 "resolved by " + event.source + " (endsAt " + FormatRfc3339(*event.ends_at) + ")",
                 now, batch);
    result.status = Outcome::kResolved;
  } else {
    const bool had_end = a.ends_at.has_value();
    a.ends_at = event.ends_at;
    if (a.ends_at && !had_end) {
      Schedule(*a.ends_at, DeadlineKind::kExpire, a.id, 0, a.expire_gen);
    }
    result.status = Outcome::kDuplicate;
  }
  if (!a.routings.empty()) {
    result.held_until = a.routings.front().held_until;
    result.next_on_duty = a.routings.front().held_for;
  }
  Emit(batch);
  return result;
}

// A new alert: routes, then each route's first decision.
IngestResult Engine::Open(const Event& event, TimePoint now, IngestResult result) {
  Batch batch;
  const AlertId id = next_alert_id_++;
  Alert& a = alerts_[id];
  a.id = id;
  a.key = result.key;
  a.labels = event.labels;
  a.annotations = event.annotations;
  a.source = event.source;
  a.generator_url = event.generator_url;
  a.created_at = now;
  a.updated_at = now;
  a.starts_at = event.starts_at.value_or(now);
  a.ends_at = event.ends_at;
  SetOpen(a);
  result.id = id;
  Record(a, now,
         Note(EntryKind::kReceived)
             .Set(Field::kSource, event.source)
             .Set(Field::kLabels, a.labels.ToString()));
  const auto matched = model_->routes.Match(a.labels);
  if (matched.empty()) {
    counters_.unrouted++;
    Record(a, now, Note(EntryKind::kUnrouted));
  }
  for (std::size_t i : matched) {
    Routing r;
    r.route = static_cast<int>(i);
    const auto& route = model_->config->routes[i];
    Record(a, now,
           Note(EntryKind::kMatched)
               .Set(Field::kRoute, route.name)
               .Set(Field::kEscalation, route.escalation));
    // A reroute of a team this route pages takes it (the newest of them).
    const Reroute* reroute = nullptr;
    for (const auto& team : reroutes_.empty() ? kNoTeams : model_->route_teams[i]) {
      if (const Reroute* rr = ActiveReroute(team, now);
          rr != nullptr && (reroute == nullptr || rr->created_at > reroute->created_at)) {
        reroute = rr;
      }
    }
    if (reroute != nullptr && model_->config->FindEscalation(reroute->escalation) != nullptr) {
      r.escalation = reroute->escalation;
      r.reroute = reroute->id;
      counters_.rerouted++;
      Note note(EntryKind::kRerouted);
      note.Set(Field::kReroute, reroute->id)
          .Set(Field::kRoute, route.name)
          .Set(Field::kEscalation, reroute->escalation);
      note.Set(Field::kReason, reroute->reason);
      if (reroute->until) {
        note.Set(Field::kUntil, *reroute->until);
      }
      Record(a, now, note);
    }
    a.routings.push_back(std::move(r));
  }
  for (std::size_t slot = 0; slot < a.routings.size(); ++slot) {
    Evaluate(a, static_cast<int>(slot), now, batch);
  }
  if (a.ends_at) {
    Schedule(*a.ends_at, DeadlineKind::kExpire, a.id, 0, a.expire_gen);
  }
  result.status = a.Status();
  result.notified = a.notified;
  if (!a.routings.empty()) {
    result.held_until = a.routings.front().held_until;
    result.next_on_duty = a.routings.front().held_for;
  }
  Emit(batch);
  return result;
}

IngestResult Engine::Ingest(const Event& event, TimePoint now) {
  IngestResult result;
  result.key =
      event.dedup_key.empty() ? FingerprintHex(event.labels.Fingerprint()) : event.dedup_key;
  const auto open = open_by_key_.find(result.key);
  if (event.action != Action::kTrigger) {
    if (open == open_by_key_.end()) {
      result.status = Outcome::kUnknown;
      return result;
    }
    result.id = open->second;
    const std::string who = event.actor.empty() ? event.source : event.actor;
    auto r = event.action == Action::kAcknowledge ? Acknowledge(result.id, who, "", now)
                                                  : Resolve(result.id, who, "", now);
    result.status = r ? *r : Outcome::kUnknown;
    return result;
  }
  if (open != open_by_key_.end()) {
    return Refresh(open->second, event, now, std::move(result));
  }
  if (event.ends_at && *event.ends_at <= now) {
    result.status = Outcome::kResolved;  // resolved before rota ever saw it firing
    return result;
  }
  return Open(event, now, std::move(result));
}

void Engine::Evaluate(Alert& a, int slot, TimePoint now, Batch& batch) {
  Routing& r = a.routings[static_cast<std::size_t>(slot)];
  const config::Route* route = RouteOf(a, slot);
  if (route == nullptr || a.state != AlertState::kFiring) {
    return;
  }
  if (Silenced(a, slot, now)) {
    return;
  }
  if (!model_->inhibit_rules.empty()) {
    for (const auto& [oid, other] : alerts_) {
      if (oid == a.id || other.state == AlertState::kResolved) {
        continue;
      }
      for (const auto& rule : model_->inhibit_rules) {
        if (rules::Inhibits(rule, other.labels, a.labels)) {
          r.status = Outcome::kInhibited;
          r.gen++;
          Record(a, now,
                 Note(EntryKind::kInhibited)
                     .Set(Field::kAlert, static_cast<std::int64_t>(oid))
                     .Set(Field::kLabels, other.labels.ToString()));
          return;
        }
      }
    }
  }
  const auto& zone = *model_->config->global.zone;
  const auto window = [&](const std::vector<std::string>& names) {
    std::vector<schedule::TimeInterval> all;
    for (const auto& n : names) {
      if (const auto* ni = model_->config->FindInterval(n)) {
        all.insert(all.end(), ni->intervals.begin(), ni->intervals.end());
      }
    }
    return schedule::IntervalSpans(all, zone, now, now + std::chrono::hours(24 * 32));
  };
  if (!route->mute_time_intervals.empty()) {
    const auto spans = window(route->mute_time_intervals);
    if (auto s = schedule::SpanAt(spans, now)) {
      r.status = Outcome::kMuted;
      r.gen++;
      Record(a, now,
             Note(EntryKind::kMuted).Set(Field::kRoute, route->name).Set(Field::kUntil, s->end));
      Schedule(s->end, DeadlineKind::kRecheck, a.id, slot, r.gen);
      return;
    }
  }
  if (!route->active_time_intervals.empty()) {
    const auto spans = window(route->active_time_intervals);
    if (!schedule::Contains(spans, now)) {
      r.status = Outcome::kMuted;
      r.gen++;
      const auto next = schedule::NextStart(spans, now);
      Note inactive(EntryKind::kInactive);
      inactive.Set(Field::kRoute, route->name);
      if (next) {
        inactive.Set(Field::kUntil, next->start);
      }
      Record(a, now, inactive);
      if (next) {
        Schedule(next->start, DeadlineKind::kRecheck, a.id, slot, r.gen);
      }
      return;
    }
  }
  AddToGroup(a, slot, now, batch);
}

void Engine::AddToGroup(Alert& a, int slot, TimePoint now, Batch& batch) {
  Routing& r = a.routings[static_cast<std::size_t>(slot)];
  const config::Route& route = *RouteOf(a, slot);
  const LabelSet group_labels = route.group_by_all ? a.labels : a.labels.Only(route.group_by);
  Fnv1a64 h;
  h.Update(std::to_string(r.route));
  h.Update(FingerprintHex(group_labels.Fingerprint()));
  const std::uint64_t key = h.Digest();
  Group& g = groups_[key];
  g.route = r.route;
  if (r.group != key) {
    r.group = key;
    g.open++;
  }
  g.pending.emplace_back(a.id, slot);
  r.status = Outcome::kGrouped;
  if (g.flush_at) {
    Record(a, now,
           Note(EntryKind::kJoinedGroup)
               .Set(Field::kGroup, group_labels.ToString())
               .Set(Field::kUntil, *g.flush_at));
    return;
  }
  const TimePoint at =
      !g.last_flush ? now + route.group_wait : std::max(now, *g.last_flush + route.group_interval);
  if (at <= now) {
    FlushGroup(key, now, batch);
    return;
  }
  g.flush_at = at;
  g.gen++;
  Record(a, now,
         Note(EntryKind::kGrouped)
             .Set(Field::kGroup, group_labels.ToString())
             .Set(Field::kUntil, at)
             .Set(Field::kReason, g.last_flush ? "group_interval" : "group_wait"));
  Schedule(at, DeadlineKind::kGroupFlush, key, 0, g.gen);
}

void Engine::FlushGroup(std::uint64_t key, TimePoint now, Batch& batch) {
  Group& g = groups_.at(key);
  g.flush_at.reset();
  g.last_flush = now;
  const auto pending = std::move(g.pending);
  g.pending.clear();
  for (const auto& [id, slot] : pending) {
    auto it = alerts_.find(id);
    if (it == alerts_.end() || it->second.state != AlertState::kFiring) {
      continue;
    }
    Routing& r = it->second.routings[static_cast<std::size_t>(slot)];
    r.escalating = true;
    r.step = 0;
    r.round = 0;
    r.exhausted = false;
    RunStep(it->second, slot, now, batch, "escalation step 1", false);
  }
}

void Engine::RunStep(Alert& a, int slot, TimePoint now, Batch& batch, const std::string& reason,
                     bool digest) {
  Routing& r = a.routings[static_cast<std::size_t>(slot)];
  const config::Escalation* esc = EscalationOf(a, slot);
  const config::Route* route = RouteOf(a, slot);
  if (esc == nullptr || route == nullptr || esc->steps.empty()) {
    return;
  }
  if (Silenced(a, slot, now)) {
    return;
  }
  const auto& step = esc->steps[static_cast<std::size_t>(r.step)];
  const auto step_note = [&](EntryKind kind) {
    Note n(kind);
    n.Set(Field::kStep, static_cast<std::int64_t>(r.step + 1)).Set(Field::kTargets, Targets(step));
    return n;
  };
  Note skipped(EntryKind::kNote);  // collects the skipped people's fields
  const auto people = OnDutyForStep(step, now, &skipped);
  const auto with_skipped = [&](Note n) {
    Timeline::Entry{TimePoint{}, skipped.payload()}.ForEach(
        [&](Field f, std::string_view v) { n.Set(f, v); });
    return n;
  };
  if (!people.empty()) {
    for (const auto& p : people) {
      Notification& n = batch.Get(p, digest ? NotificationKind::kDigest : NotificationKind::kAlert,
                                  route->name, r.step + 1, reason, now);
      n.alerts.push_back(a.id);
      if (digest && r.hold_started) {
        n.held = std::max(n.held, now - *r.hold_started);
      }
      AddUnique(a.notified, p);
    }
    if (!a.first_notified_at) {
      a.first_notified_at = now;
    }
    r.status = Outcome::kNotified;
    r.last_notified = now;
    r.held_until.reset();
    r.hold_started.reset();
    r.held_for.clear();
    Record(a, now,
           with_skipped(step_note(digest ? EntryKind::kDigest : EntryKind::kNotified)
                            .List(Field::kPeople, people)));
    r.gen++;
    const Duration wait = r.exhausted ? route->repeat_interval : step.escalate_after;
    Schedule(now + wait, DeadlineKind::kEscalate, a.id, slot, r.gen);
    return;
  }
  Record(a, now, with_skipped(step_note(EntryKind::kNobodyOnDuty)));
  NobodyOnDuty(a, slot, now, batch, *esc, step);
}

// Nobody of the step is on duty: the policy says move on, drop, or hold
// until the first instant someone of the step is (max_hold caps the wait).
void Engine::NobodyOnDuty(Alert& a, int slot, TimePoint now, Batch& batch,
                          const config::Escalation& esc, const config::EscalationStep& step) {
  Routing& r = a.routings[static_cast<std::size_t>(slot)];
  const auto policy = step.when_nobody_on_duty.value_or(esc.when_nobody_on_duty);
  r.status = Outcome::kHeld;  // until a later decision says otherwise
  r.held_until.reset();
  switch (policy) {
    case config::NobodyOnDuty::kNext:
      Advance(a, slot, now, batch, "nobody on duty (when_nobody_on_duty: next)");
      return;
    case config::NobodyOnDuty::kDrop:
      r.status = Outcome::kDropped;
      r.escalating = false;
      r.gen++;
      counters_.dropped++;
      Record(a, now, Note(EntryKind::kDropped));
      return;
    case config::NobodyOnDuty::kHold:
      break;
  }
  const auto next = NextForStep(step, now);
  if (!next) {
    Record(a, now,
           Note(EntryKind::kNoneWithinYear)
               .Set(Field::kStep, static_cast<std::int64_t>(r.step + 1))
               .Set(Field::kTargets, Targets(step)));
    if (r.exhausted) {
      r.status = Outcome::kHeld;
      r.held_until.reset();
      return;
    }
    Advance(a, slot, now, batch, "nobody on duty within a year");
    return;
  }
  r.status = Outcome::kHeld;
  r.held_until = next->at;
  r.held_for = next->people;
  if (!r.hold_started) {
    r.hold_started = now;
    counters_.holds++;
  }
  r.gen++;
  TimePoint wake = next->at;
  if (step.max_hold && *r.hold_started + *step.max_hold < wake) {
    wake = *r.hold_started + *step.max_hold;
    Record(a, now,
           Note(EntryKind::kHeld)
               .Set(Field::kUntil, next->at)
               .List(Field::kPeople, next->people)
               .Set(Field::kWake, wake));
  } else {
    Record(a, now,
           Note(EntryKind::kHeld).Set(Field::kUntil, next->at).List(Field::kPeople, next->people));
  }
  Schedule(wake, DeadlineKind::kRelease, a.id, slot, r.gen);
}

void Engine::Advance(Alert& a, int slot, TimePoint now, Batch& batch, const std::string& why) {
  Routing& r = a.routings[static_cast<std::size_t>(slot)];
  const config::Escalation* esc = EscalationOf(a, slot);
  if (esc == nullptr) {
    return;
  }
  r.hold_started.reset();
  r.held_until.reset();
  r.held_for.clear();
  r.step++;
  if (r.step >= static_cast<int>(esc->steps.size())) {
    if (r.round < esc->repeat) {
      r.round++;
      r.step = 0;
      Record(a, now,
             Note(EntryKind::kRepeating)
                 .Set(Field::kRound, static_cast<std::int64_t>(r.round + 1))
                 .Set(Field::kOf, static_cast<std::int64_t>(esc->repeat + 1)));
    } else {
      r.step = static_cast<int>(esc->steps.size()) - 1;
      r.exhausted = true;
      const config::Route* route = RouteOf(a, slot);
      const TimePoint at = std::max(
          now, r.last_notified.value_or(now) + (route ? route->repeat_interval : Duration(0)));
      Record(a, now,
             Note(EntryKind::kExhausted)
                 .Set(Field::kReason, why)
                 .Set(Field::kStep, static_cast<std::int64_t>(r.step + 1))
                 .Set(Field::kUntil, at));
      r.gen++;
      Schedule(at, DeadlineKind::kEscalate, a.id, slot, r.gen);
      return;
    }
  }
  counters_.escalations++;
  Record(a, now,
         Note(EntryKind::kEscalated)
             .Set(Field::kStep, static_cast<std::int64_t>(r.step + 1))
             .Set(Field::kReason, why));
  RunStep(a, slot, now, batch, "escalation step " + std::to_string(r.step + 1), false);
}

void Engine::Release(Alert& a, int slot, TimePoint now, Batch& batch) {
  Routing& r = a.routings[static_cast<std::size_t>(slot)];
  const config::Escalation* esc = EscalationOf(a, slot);
  if (esc == nullptr || !r.held_until) {
    return;
  }
  if (a.state == AlertState::kResolved) {
    // Tell whoever now starts their hours that it resolved while they were away.
    const auto& step = esc->steps[static_cast<std::size_t>(r.step)];
    const auto people = OnDutyForStep(step, now, nullptr);
    const config::Route* route = RouteOf(a, slot);
    for (const auto& p : people) {
      Notification& n =
          batch.Get(p, NotificationKind::kDigest, route ? route->name : "", r.step + 1, "", now);
      n.resolved.push_back(a.id);
      if (r.hold_started) {
        n.held = std::max(n.held, now - *r.hold_started);
      }
    }
    if (!people.empty()) {
      Record(a, now, Note(EntryKind::kListedResolved).List(Field::kPeople, people));
    }
    r.held_until.reset();
    r.hold_started.reset();
    reindex_.push_back(a.id);
    return;
  }
  if (a.state != AlertState::kFiring) {
    return;
  }
  if (now < *r.held_until) {
    Advance(a, slot, now, batch, "max_hold reached");
    return;
  }
  RunStep(a, slot, now, batch, "start of hours", true);
}

}  // namespace rota::engine
