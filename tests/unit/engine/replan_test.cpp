// Plans that follow the roster: seeded random sequences of alerts, acks,
// resolves, run-time overrides added and removed, reloads that change hours
// and membership, and clock ticks across DST changes, checked after every
// step against an independent model of who is on duty, written here.
//
// The model reads the tz database through date/tz on its own: a person is on
// duty at t when t's wall-clock time in their zone falls on one of their
// weekdays inside [start, end), unless an override replaces them; whoever
// covers them is on duty in their hours within the override's window; an
// addition is on duty for its whole window. Every boundary of this world is a
// whole UTC hour (zones with whole-hour offsets, hours and overrides on whole
// hours), so "the next instant someone is on duty" is found by stepping hours.
//
// After every step: no notification went to anyone off duty at its instant;
// no alert is held while someone of its team is on duty; every held_until and
// next_on_duty is the model's; every pending handover is at the end of the
// acker's duty, and nobody off duty still holds an acked alert.
#include <date/tz.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "../test_util.h"
#include "config/roster_spec.h"
#include "engine/engine.h"

using namespace rota::engine;
using rota::LabelSet;
using rota::TimePoint;
using rota::testing::At;
using namespace std::chrono_literals;

namespace {

const char* const kZones[] = {"Europe/Berlin", "America/New_York", "Australia/Sydney",
                              "Asia/Tokyo"};
const char* const kDays[] = {"sunday",   "monday", "tuesday", "wednesday",
                             "thursday", "friday", "saturday"};
// Days on which some of the zones above change their clocks, 2026-2027.
const char* const kStarts[] = {
    "2026-03-27T00:00:00Z", "2026-10-23T00:00:00Z", "2026-03-06T00:00:00Z", "2026-10-30T00:00:00Z",
    "2026-04-02T00:00:00Z", "2026-09-30T00:00:00Z", "2027-03-12T00:00:00Z", "2026-12-07T00:00:00Z"};

struct Hours {
  std::string zone;
  std::set<int> weekdays;  // 0 = Sunday
  int start = 9;           // local hour, [start, end)
  int end = 17;
};

struct Override {
  std::string id;
  std::string person;
  std::string replaces;  // empty: an addition
  std::string team;      // additions: the team
  TimePoint start;
  TimePoint end;
};

// The independent model of the roster.
struct World {
  std::map<std::string, Hours> people;  // p0..p3
  std::vector<std::string> members;     // team t
  std::vector<Override> overrides;

  bool InHours(const std::string& p, TimePoint t) const {
    const Hours& h = people.at(p);
    const auto local = date::locate_zone(h.zone)->to_local(date::floor<std::chrono::seconds>(t));
    const auto day = date::floor<date::days>(local);
    const int weekday = static_cast<int>(date::weekday(day).c_encoding());
    const auto hour = std::chrono::duration_cast<std::chrono::hours>(local - day).count();
    return h.weekdays.count(weekday) > 0 && hour >= h.start && hour < h.end;
  }
  static bool Within(const Override& o, TimePoint t) { return o.start <= t && t < o.end; }
  bool Replaced(const std::string& p, TimePoint t) const {
    return std::any_of(overrides.begin(), overrides.end(),
                       [&](const Override& o) { return o.replaces == p && Within(o, t); });
  }
  bool OnDuty(const std::string& p, TimePoint t) const {
    if (InHours(p, t) && !Replaced(p, t)) {
      return true;
    }
    for (const auto& o : overrides) {
      if (o.person == p && Within(o, t) && (o.replaces.empty() || InHours(o.replaces, t))) {
        return true;
      }
    }
    return false;
  }
  // Who is on duty for the team at t.
  std::set<std::string> Team(TimePoint t) const {
    std::set<std::string> on;
    for (const auto& m : members) {
      if (InHours(m, t) && !Replaced(m, t)) {
        on.insert(m);
        continue;
      }
      for (const auto& o : overrides) {
        if (o.replaces.empty() && o.team.empty() && o.person == m && Within(o, t)) {
          on.insert(m);
        }
      }
      if (InHours(m, t)) {
        for (const auto& o : overrides) {
          if (o.replaces == m && Within(o, t)) {
            on.insert(o.person);
            break;
          }
        }
      }
    }
    for (const auto& o : overrides) {
      if (o.replaces.empty() && o.team == "t" && Within(o, t)) {
        on.insert(o.person);
      }
    }
    return on;
  }
  static TimePoint NextHour(TimePoint t) { return date::floor<std::chrono::hours>(t) + 1h; }
  // The first instant >= t when someone of the team is on duty, and who.
  std::optional<std::pair<TimePoint, std::set<std::string>>> NextTeam(TimePoint t) const {
    if (auto on = Team(t); !on.empty()) {
      return std::make_pair(t, on);
    }
    for (TimePoint h = NextHour(t); h < t + 24h * 9; h += 1h) {
      if (auto on = Team(h); !on.empty()) {
        return std::make_pair(h, on);
      }
    }
    return std::nullopt;
  }
  // The end of the person's stretch of duty that holds t.
  TimePoint DutyEnd(const std::string& p, TimePoint t) const {
    TimePoint h = NextHour(t);
    while (OnDuty(p, h) && h < t + 24h * 8) {
      h += 1h;
    }
    return h;
  }

  std::string Yaml() const {
    std::ostringstream y;
    y << "people:\n";
    for (const auto& [id, h] : people) {
      y << "  - id: " << id << "\n    timezone: " << h.zone << "\n    hours: [{weekdays: [";
      bool first = true;
      for (int d : h.weekdays) {
        y << (first ? "" : ", ") << "'" << kDays[d] << "'";
        first = false;
      }
      char times[64];
      std::snprintf(times, sizeof times, "%02d:00', end_time: '%02d:00'", h.start, h.end);
      y << "], times: [{start_time: '" << times << "}]}]\n";
    }
    y << "teams:\n  - id: t\n    members: [";
    for (std::size_t i = 0; i < members.size(); ++i) {
      y << (i ? ", " : "") << members[i];
    }
    y << "]\n";
    y << R"(routes:
  - {name: pages, matchers: ['severity="page"'], group_wait: 0s, group_by: ['...'], escalation: e}
escalations:
  - name: e
    steps: [{notify: ['team:t'], escalate_after: 2000h}]
)";
    return y.str();
  }
};

Hours RandomHours(std::mt19937_64& rng) {
  Hours h;
  h.zone = kZones[rng() % 4];
  const int days = 2 + static_cast<int>(rng() % 4);
  while (static_cast<int>(h.weekdays.size()) < days) {
    h.weekdays.insert(static_cast<int>(rng() % 7));
  }
  h.start = static_cast<int>(rng() % 20);
  h.end =
      h.start + 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(std::min(8, 23 - h.start)));
  return h;
}

// The engine as rotad drives it: a roster change is SetModel + RosterChanged.
class Harness {
 public:
  explicit Harness(World& w) : world_(w) { Load(); }

  void Load() {
    config_ = rota::testing::LoadConfig(world_.Yaml());
    Install();
  }
  void Install() {
    std::vector<rota::schedule::OverrideSpec> specs;
    for (const auto& o : world_.overrides) {
      specs.push_back({o.id, o.person, o.replaces, o.team, o.start, o.end, ""});
    }
    auto roster =
        std::make_shared<const rota::schedule::Roster>(rota::config::ToRosterSpec(*config_, specs));
    auto model = Model::Build(config_, roster);
    if (!engine_) {
      engine_ = std::make_unique<Engine>(model);
    } else {
      engine_->SetModel(model);
    }
  }
  void Changed(const RosterChange& change, TimePoint now) {
    engine_->RosterChanged(change, now);
    Collect();
  }
  void TickTo(TimePoint at) {
    while (auto next = engine_->NextDeadline()) {
      if (*next > at) {
        break;
      }
      engine_->Tick(*next);
      Collect();
    }
  }
  void Collect() {
    for (auto& n : engine_->TakeNotifications()) {
      sent_.push_back(std::move(n));
    }
  }
  std::vector<Notification> Take() { return std::exchange(sent_, {}); }
  Engine& engine() { return *engine_; }

 private:
  World& world_;
  std::shared_ptr<const rota::config::Config> config_;
  std::unique_ptr<Engine> engine_;
  std::vector<Notification> sent_;
};

struct Stats {
  std::size_t steps = 0, holds_checked = 0, handovers_checked = 0, released_by_replan = 0,
              notifications = 0;
};

void Check(World& w, Harness& h, TimePoint now, Stats& stats) {
  for (const auto& n : h.Take()) {
    ++stats.notifications;
    CHECK_MESSAGE(w.OnDuty(n.person, n.at), n.person << " told (" << NotificationKindName(n.kind)
                                                     << ") at " << rota::FormatRfc3339(n.at)
                                                     << " while off duty");
    if (n.reason.starts_with("roster changed")) {
      ++stats.released_by_replan;
    }
  }
  const auto team_now = w.Team(now);
  const auto next = w.NextTeam(now);
  h.engine().ForEachAlert([&](const Alert& a) {
    if (a.state == AlertState::kFiring && !a.routings.empty() &&
        a.routings.front().status == Outcome::kHeld) {
      ++stats.holds_checked;
      const Routing& r = a.routings.front();
      CHECK_MESSAGE(team_now.empty(), "alert " << a.id << " held at " << rota::FormatRfc3339(now)
                                               << " while someone of the team is on duty");
      REQUIRE(next.has_value());
      REQUIRE_MESSAGE(r.held_until.has_value(), "alert " << a.id << " held with no ETA");
      CHECK_MESSAGE(*r.held_until == next->first,
                    "alert " << a.id << " held until " << rota::FormatRfc3339(*r.held_until)
                             << ", model says " << rota::FormatRfc3339(next->first));
      const std::set<std::string> held_for(r.held_for.begin(), r.held_for.end());
      CHECK(held_for == next->second);
    }
    if (a.state == AlertState::kAcknowledged && a.handover_at) {
      ++stats.handovers_checked;
      CHECK_MESSAGE(w.OnDuty(a.acked_by, now),
                    "alert " << a.id << " still with " << a.acked_by << " who is off duty");
      if (w.OnDuty(a.acked_by, now)) {
        CHECK_MESSAGE(*a.handover_at == w.DutyEnd(a.acked_by, now),
                      "alert " << a.id << " hands over at " << rota::FormatRfc3339(*a.handover_at)
                               << ", model says "
                               << rota::FormatRfc3339(w.DutyEnd(a.acked_by, now)));
      }
    }
  });
}

void RunSequence(std::uint64_t seed, int steps, Stats& stats) {
  std::mt19937_64 rng(seed);
  World w;
  for (int i = 0; i < 4; ++i) {
    w.people["p" + std::to_string(i)] = RandomHours(rng);
  }
  w.members = {"p0", "p1"};
  if (rng() % 2) {
    w.members.push_back("p2");
  }
  Harness h(w);
  TimePoint now = At(kStarts[rng() % std::size(kStarts)]) + std::chrono::minutes(rng() % (24 * 60));
  int next_override = 1;
  int next_alert = 1;
  const auto people = [&] { return std::vector<std::string>{"p0", "p1", "p2", "p3"}; };
  for (int step = 0; step < steps; ++step) {
    ++stats.steps;
    const auto op = rng() % 10;
    if (op <= 2) {  // an alert
      Event e;
      e.source = "test";
      e.labels =
          LabelSet({{"alertname", "A" + std::to_string(next_alert++)}, {"severity", "page"}});
      h.engine().Ingest(e, now);
      h.Collect();
    } else if (op == 3) {  // an ack by someone told, or anyone
      std::vector<AlertId> open;
      h.engine().ForEachAlert([&](const Alert& a) {
        if (a.state == AlertState::kFiring && a.Status() == Outcome::kNotified) {
          open.push_back(a.id);
        }
      });
      if (!open.empty()) {
        std::sort(open.begin(), open.end());
        const Alert* a = h.engine().Find(open[rng() % open.size()]);
        const std::string who = a->notified.empty() || rng() % 4 == 0
                                    ? people()[rng() % 4]
                                    : a->notified[rng() % a->notified.size()];
        (void)h.engine().Acknowledge(a->id, who, "", now);
        h.Collect();
      }
    } else if (op == 4) {  // a resolve
      std::vector<AlertId> open;
      h.engine().ForEachAlert([&](const Alert& a) {
        if (a.state != AlertState::kResolved) {
          open.push_back(a.id);
        }
      });
      if (!open.empty()) {
        std::sort(open.begin(), open.end());
        (void)h.engine().Resolve(open[rng() % open.size()], "test", "", now);
        h.Collect();
      }
    } else if (op == 5) {  // a run-time override
      Override o;
      o.id = "o-" + std::to_string(next_override++);
      o.person = people()[rng() % 4];
      const auto base = date::floor<std::chrono::hours>(now);
      o.start = base - std::chrono::hours(rng() % 6) + std::chrono::hours(rng() % 10);
      o.end = o.start + std::chrono::hours(1 + rng() % 36);
      RosterChange change{"override " + o.id + " added", {o.person}, {}, false};
      if (rng() % 3 == 0) {
        o.team = "t";  // an addition to the team
        change.teams = {"t"};
      } else {
        // A cover for a member nobody else replaces (overlaps are not modelled).
        std::vector<std::string> free;
        for (const auto& m : w.members) {
          if (m != o.person &&
              std::none_of(w.overrides.begin(), w.overrides.end(),
                           [&](const Override& x) { return x.replaces == m || x.person == m; }) &&
              std::none_of(w.overrides.begin(), w.overrides.end(),
                           [&](const Override& x) { return x.replaces == o.person; })) {
            free.push_back(m);
          }
        }
        if (free.empty()) {
          continue;
        }
        o.replaces = free[rng() % free.size()];
        change.people.push_back(o.replaces);
      }
      w.overrides.push_back(o);
      h.Install();
      h.Changed(change, now);
    } else if (op == 6 && !w.overrides.empty()) {  // an override removed
      const auto i = rng() % w.overrides.size();
      const Override o = w.overrides[i];
      w.overrides.erase(w.overrides.begin() + static_cast<std::ptrdiff_t>(i));
      RosterChange change{"override " + o.id + " removed", {o.person}, {}, false};
      if (!o.replaces.empty()) {
        change.people.push_back(o.replaces);
      }
      if (!o.team.empty()) {
        change.teams.push_back(o.team);
      }
      h.Install();
      h.Changed(change, now);
    } else if (op == 7) {  // a reload: new hours for someone, or membership
      if (rng() % 2) {
        w.people["p" + std::to_string(rng() % 4)] = RandomHours(rng);
      } else if (w.members.size() > 1 && rng() % 2) {
        const auto m = w.members[rng() % w.members.size()];
        if (std::none_of(w.overrides.begin(), w.overrides.end(),
                         [&](const Override& x) { return x.replaces == m; })) {
          std::erase(w.members, m);
        }
      } else {
        for (const auto& p : people()) {
          if (std::find(w.members.begin(), w.members.end(), p) == w.members.end()) {
            w.members.push_back(p);
            break;
          }
        }
      }
      h.Load();
      h.Changed({"config reloaded", {}, {}, true}, now);
    } else {  // time passes: minutes, hours, or more than a day
      const auto pick = rng() % 3;
      now += pick == 0   ? std::chrono::minutes(1 + rng() % 59)
             : pick == 1 ? std::chrono::minutes(60 + rng() % (6 * 60))
                         : std::chrono::minutes(60 * 24 + rng() % (60 * 12));
      h.TickTo(now);
    }
    Check(w, h, now, stats);
  }
}

}  // namespace

TEST_CASE(
    "replan model: random roster changes keep every hold, ETA and handover equal to the model "
    "(seeded)") {
  Stats stats;
  constexpr std::uint64_t kSeeds = 2000;
  constexpr int kSteps = 24;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    CAPTURE(seed);
    RunSequence(seed, kSteps, stats);
  }
  MESSAGE("replan model: " << kSeeds << " sequences (seeds 1-" << kSeeds << "), " << stats.steps
                           << " steps, " << stats.holds_checked << " holds and "
                           << stats.handovers_checked << " handovers checked, "
                           << stats.notifications << " notifications (" << stats.released_by_replan
                           << " released by a re-plan)");
  // The sequences must exercise what they claim to.
  CHECK(stats.holds_checked > 1000);
  CHECK(stats.handovers_checked > 100);
  CHECK(stats.released_by_replan > 100);
}
