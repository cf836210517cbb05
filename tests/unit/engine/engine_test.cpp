// The engine with moving time: days of escalations run in milliseconds.
// 2026-11-23 is a Monday. alice: Mon-Thu 09:00-13:00 Berlin (08:00-12:00Z);
// bob: Mon-Fri 09:00-12:00 New York (14:00-17:00Z); dave: 24/7.
#include "engine/engine.h"

#include <doctest/doctest.h>

#include <random>

#include "../test_util.h"
#include "config/loader.h"
#include "config/roster_spec.h"
#include "engine/timeline_text.h"

using namespace rota::engine;
using rota::LabelSet;
using rota::TimePoint;
using rota::testing::At;
using namespace std::chrono_literals;

namespace {

constexpr const char* kConfig = R"(
time_intervals:
  - {name: weekend, time_intervals: [{weekdays: ['saturday', 'sunday']}]}
  - {name: business, time_intervals: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '17:00'}]}]}
people:
  - id: alice
    timezone: Europe/Berlin
    hours: [{weekdays: ['monday:thursday'], times: [{start_time: '09:00', end_time: '13:00'}]}]
  - id: bob
    timezone: America/New_York
    hours: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '12:00'}]}]
  - {id: dave, hours: [{}]}
teams:
  - {id: payments, members: [alice, bob]}
routes:
  - {name: pages, matchers: ['severity="page"'], group_by: [alertname, instance], group_wait: 0s, escalation: payments}
  - {name: grouped, matchers: ['severity="ticket"'], group_by: [cluster], group_wait: 30s, group_interval: 5m, escalation: team-only}
  - {name: low, matchers: ['severity="low"'], group_wait: 0s, group_by: ['...'], escalation: low}
  - {name: dropper, matchers: ['severity="noise"'], group_wait: 0s, group_by: ['...'], escalation: dropper}
  - {name: capped, matchers: ['severity="capped"'], group_wait: 0s, group_by: ['...'], escalation: capped}
  - {name: keep, matchers: ['severity="keep"'], group_wait: 0s, group_by: ['...'], escalation: keep}
  - {name: weekdays-only, matchers: ['severity="muted"'], group_wait: 0s, group_by: ['...'], escalation: dave-only, mute_time_intervals: [weekend]}
  - {name: business-only, matchers: ['severity="active"'], group_wait: 0s, group_by: ['...'], escalation: dave-only, active_time_intervals: [business]}
escalations:
  - name: payments
    steps:
      - {notify: ['team:payments'], escalate_after: 15m}
      - {notify: ['person:dave'], escalate_after: 30m}
    repeat: 1
  - name: team-only
    steps: [{notify: ['team:payments'], escalate_after: 1h}]
  - name: low
    when_nobody_on_duty: next
    steps:
      - {notify: ['person:bob'], escalate_after: 1h}
      - {notify: ['person:dave'], escalate_after: 1h}
  - name: dropper
    when_nobody_on_duty: drop
    steps: [{notify: ['person:bob']}]
  - name: capped
    steps:
      - {notify: ['person:bob'], max_hold: 1h}
      - {notify: ['person:dave']}
  - name: dave-only
    steps: [{notify: ['person:dave']}]
  - name: keep
    on_shift_end: keep
    steps: [{notify: ['team:payments']}]
inhibit_rules:
  - {source_matchers: ['alertname="ClusterDown"'], target_matchers: ['severity="page"'], equal: [cluster]}
)";

class Sim {
 public:
  explicit Sim(const std::string& yaml = kConfig) {
    config_ = rota::testing::LoadConfig(yaml);
    roster_ = std::make_shared<rota::schedule::Roster>(rota::config::ToRosterSpec(*config_));
    engine_ = std::make_unique<Engine>(Model::Build(config_, roster_));
  }

  IngestResult Fire(std::vector<LabelSet::Pair> labels, TimePoint at,
                    std::optional<TimePoint> ends_at = std::nullopt) {
    TickTo(at);
    Event e;
    e.source = "test";
    e.labels = LabelSet(std::move(labels));
    e.ends_at = ends_at;
    auto r = engine_->Ingest(e, at);
    Collect();
    return r;
  }

  // Runs every deadline up to `at`, each at its own instant.
  void TickTo(TimePoint at) {
    while (auto next = engine_->NextDeadline()) {
      if (*next > at) {
        break;
      }
      engine_->Tick(*next);
      Collect();
    }
  }

  std::vector<Notification> Take() {
    Collect();  // also what direct engine calls (ack, resolve, silences) decided
    auto out = std::move(sent_);
    sent_.clear();
    return out;
  }

  Engine& engine() { return *engine_; }
  const rota::schedule::Roster& roster() const { return *roster_; }

 private:
  void Collect() {
    for (auto& n : engine_->TakeNotifications()) {
      sent_.push_back(std::move(n));
    }
  }
  std::shared_ptr<const rota::config::Config> config_;
  std::shared_ptr<rota::schedule::Roster> roster_;
  std::unique_ptr<Engine> engine_;
  std::vector<Notification> sent_;
};

std::vector<std::string> To(const std::vector<Notification>& ns) {
  std::vector<std::string> out;
  for (const auto& n : ns) {
    out.push_back(n.person + "@" + rota::FormatRfc3339(n.at) + ":" +
                  std::string(NotificationKindName(n.kind)));
  }
  return out;
}

// Only the notifications about alert `id`.
std::vector<std::string> ToFor(const std::vector<Notification>& ns, AlertId id) {
  std::vector<Notification> mine;
  for (const auto& n : ns) {
    if (std::find(n.alerts.begin(), n.alerts.end(), id) != n.alerts.end()) {
      mine.push_back(n);
    }
  }
  return To(mine);
}

// The English of the timeline (Describe), as `rotactl explain` shows it.
bool TimelineHas(const Alert& a, const std::string& fragment) {
  return std::any_of(a.timeline.begin(), a.timeline.end(), [&](const Timeline::Entry& e) {
    return Describe(e).find(fragment) != std::string::npos;
  });
}

// The first entry of `kind`; fails the test if there is none.
Timeline::Entry EntryOf(const Alert& a, EntryKind kind) {
  for (const auto& e : a.timeline) {
    if (e.kind() == kind) {
      return e;
    }
  }
  FAIL("no timeline entry of kind " << std::string(EntryKindName(kind)));
  return {};
}

}  // namespace

TEST_CASE("an on-duty person is notified at once; the off-duty one is skipped with a reason") {
  Sim sim;
  auto r = sim.Fire({{"alertname", "Down"}, {"severity", "page"}}, At("2026-11-23T09:00:00Z"));
  CHECK(r.status == Outcome::kNotified);
  CHECK(r.notified == std::vector<std::string>{"alice"});
  CHECK_FALSE(r.held_until.has_value());
  const auto sent = sim.Take();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].person == "alice");
  CHECK(sent[0].kind == NotificationKind::kAlert);
  CHECK(sent[0].step == 1);
  CHECK(sent[0].route == "pages");
  const Alert* a = sim.engine().Find(r.id);
  REQUIRE(a != nullptr);
  CHECK(TimelineHas(*a, "matched route pages"));
  CHECK(TimelineHas(*a,
                    "notified alice; skipped bob: outside hours until Mon 09:00 America/New_York"));
  // The same as data: kinds and fields.
  const auto matched = EntryOf(*a, EntryKind::kMatched);
  CHECK(matched.Get(Field::kRoute) == "pages");
  CHECK(matched.Get(Field::kEscalation) == "payments");
  const auto notified = EntryOf(*a, EntryKind::kNotified);
  CHECK(notified.at == At("2026-11-23T09:00:00Z"));
  CHECK(notified.Number(Field::kStep) == 1);
  CHECK(notified.All(Field::kPeople) == std::vector<std::string_view>{"alice"});
  CHECK(notified.All(Field::kSkipped) == std::vector<std::string_view>{"bob"});
  CHECK(notified.All(Field::kSkippedCode) == std::vector<std::string_view>{"outside_hours"});
  CHECK(EntryOf(*a, EntryKind::kReceived).Get(Field::kSource) == "test");
}

TEST_CASE("a hold is recorded with its instant and the people it waits for") {
  Sim sim;
  auto r = sim.Fire({{"alertname", "Night"}, {"severity", "page"}}, At("2026-11-23T13:30:00Z"));
  CHECK(r.status == Outcome::kHeld);
  const Alert* a = sim.engine().Find(r.id);
  REQUIRE(a != nullptr);
  const auto nobody = EntryOf(*a, EntryKind::kNobodyOnDuty);
  CHECK(nobody.Number(Field::kStep) == 1);
  CHECK(nobody.All(Field::kSkipped).size() == 2);
  const auto held = EntryOf(*a, EntryKind::kHeld);
  REQUIRE(held.Time(Field::kUntil).has_value());
  REQUIRE(r.held_until.has_value());
  CHECK(*held.Time(Field::kUntil) == *r.held_until);
  CHECK(held.All(Field::kPeople) == std::vector<std::string_view>{"bob"});
  CHECK_FALSE(held.Has(Field::kWake));
}

TEST_CASE("escalation walks the steps, repeats, then re-notifies the last step") {
  Sim sim;
  auto r = sim.Fire({{"alertname", "Down"}, {"severity", "page"}}, At("2026-11-23T09:00:00Z"));
  sim.TickTo(At("2026-11-23T11:30:00Z"));
  CHECK(To(sim.Take()) == std::vector<std::string>{
                              "alice@2026-11-23T09:00:00Z:alert",
                              "dave@2026-11-23T09:15:00Z:alert",   // step 2 after 15m
                              "alice@2026-11-23T09:45:00Z:alert",  // repeat: step 1 again
                              "dave@2026-11-23T10:00:00Z:alert",
                          });
  // Exhausted at 10:30: a reminder repeat_interval (4h) after the last notification.
  sim.TickTo(At("2026-11-23T18:01:00Z"));
  CHECK(To(sim.Take()) == std::vector<std::string>{"dave@2026-11-23T14:00:00Z:alert",
                                                   "dave@2026-11-23T18:00:00Z:alert"});
  CHECK(sim.engine().counters().escalations == 3);
  CHECK(TimelineHas(*sim.engine().Find(r.id), "escalation exhausted"));
}

TEST_CASE("an ack stops escalation; resolve tells those notified who are on duty") {
  Sim sim;
  auto r = sim.Fire({{"alertname", "Down"}, {"severity", "page"}}, At("2026-11-23T09:00:00Z"));
  sim.Take();
  sim.TickTo(At("2026-11-23T09:05:00Z"));
  REQUIRE(
      sim.engine().Acknowledge(r.id, "alice", "looking", At("2026-11-23T09:05:00Z")).has_value());
  sim.TickTo(At("2026-11-23T11:00:00Z"));
  CHECK(sim.Take().empty());
  CHECK(sim.engine().Find(r.id)->state == AlertState::kAcknowledged);
  REQUIRE(sim.engine().Resolve(r.id, "alice", "fixed", At("2026-11-23T11:00:00Z")).has_value());
  CHECK(To(sim.Take()) == std::vector<std::string>{"alice@2026-11-23T11:00:00Z:resolved"});
  // A new trigger with the same labels after resolve is a new alert.
  auto again = sim.Fire({{"alertname", "Down"}, {"severity", "page"}}, At("2026-11-23T11:30:00Z"));
  CHECK(again.id != r.id);
  CHECK(again.key == r.key);
}

TEST_CASE("duplicates update and never re-page") {
  Sim sim;
  auto a = sim.Fire({{"alertname", "Down"}, {"severity", "page"}}, At("2026-11-23T09:00:00Z"));
  auto b = sim.Fire({{"severity", "page"}, {"alertname", "Down"}}, At("2026-11-23T09:01:00Z"));
  CHECK(b.status == Outcome::kDuplicate);
  CHECK(b.id == a.id);
  CHECK(sim.Take().size() == 1);
}

TEST_CASE("nobody on duty: held until the first hours begin, then one digest per person") {
  Sim sim;
  // 12:30Z Monday: alice is done (12:00Z), bob starts at 14:00Z.
  auto r1 = sim.Fire({{"alertname", "A"}, {"severity", "page"}}, At("2026-11-23T12:30:00Z"));
  auto r2 = sim.Fire({{"alertname", "B"}, {"severity", "page"}}, At("2026-11-23T12:40:00Z"));
  auto r3 = sim.Fire({{"alertname", "C"}, {"severity", "page"}}, At("2026-11-23T12:50:00Z"));
  CHECK(r1.status == Outcome::kHeld);
  REQUIRE(r1.held_until.has_value());
  CHECK(*r1.held_until == At("2026-11-23T14:00:00Z"));
  CHECK(r1.next_on_duty == std::vector<std::string>{"bob"});
  CHECK(r1.notified.empty());
  REQUIRE(sim.engine().Resolve(r3.id, "prometheus", "", At("2026-11-23T13:00:00Z")).has_value());
  CHECK(sim.Take().empty());  // hours are law: nobody hears anything before 14:00Z
  sim.TickTo(At("2026-11-23T14:00:00Z"));
  const auto sent = sim.Take();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].person == "bob");
  CHECK(sent[0].kind == NotificationKind::kDigest);
  CHECK(sent[0].alerts == std::vector<AlertId>{r1.id, r2.id});
  CHECK(sent[0].resolved == std::vector<AlertId>{r3.id});
  CHECK(sent[0].held == 90min);
  // Then normal escalation: 15 minutes later, step 2.
  sim.TickTo(At("2026-11-23T14:15:00Z"));
  CHECK(To(sim.Take()) == std::vector<std::string>{"dave@2026-11-23T14:15:00Z:alert"});
  CHECK(TimelineHas(*sim.engine().Find(r1.id), "held until 2026-11-23T14:00:00Z for bob"));
}

TEST_CASE("when_nobody_on_duty: next moves on, drop drops, max_hold caps a hold") {
  Sim sim;
  // Saturday: bob is off until Monday 14:00Z.
  auto next = sim.Fire({{"alertname", "N"}, {"severity", "low"}}, At("2026-11-28T10:00:00Z"));
  CHECK(next.status == Outcome::kNotified);
  CHECK(next.notified == std::vector<std::string>{"dave"});
  auto drop = sim.Fire({{"alertname", "D"}, {"severity", "noise"}}, At("2026-11-28T10:00:00Z"));
  CHECK(drop.status == Outcome::kDropped);
  auto capped = sim.Fire({{"alertname", "C"}, {"severity", "capped"}}, At("2026-11-28T10:00:00Z"));
  CHECK(capped.status == Outcome::kHeld);
  sim.Take();
  sim.TickTo(At("2026-11-28T11:00:00Z"));
  CHECK(ToFor(sim.Take(), capped.id) ==
        std::vector<std::string>{"dave@2026-11-28T11:00:00Z:alert"});
  CHECK(TimelineHas(*sim.engine().Find(capped.id), "max_hold reached"));
}

TEST_CASE("handover: an acked alert goes back to escalation when the acker's hours end") {
  Sim sim;
  auto r = sim.Fire({{"alertname", "Down"}, {"severity", "page"}}, At("2026-11-23T09:00:00Z"));
  sim.TickTo(At("2026-11-23T09:10:00Z"));
  sim.Take();
  REQUIRE(sim.engine().Acknowledge(r.id, "alice", "", At("2026-11-23T09:10:00Z")).has_value());
  sim.TickTo(At("2026-11-23T11:59:00Z"));
  CHECK(sim.Take().empty());
  // 12:00Z alice's hours end; nobody in the team until bob at 14:00Z: held, digest.
  sim.TickTo(At("2026-11-23T14:00:00Z"));
  CHECK(To(sim.Take()) == std::vector<std::string>{"bob@2026-11-23T14:00:00Z:digest"});
  const Alert* a = sim.engine().Find(r.id);
  CHECK(a->state == AlertState::kFiring);
  CHECK(TimelineHas(*a, "handed over: alice's hours ended"));
  CHECK(sim.engine().counters().handovers == 1);
}

TEST_CASE("on_shift_end: keep leaves an acked alert with the acker") {
  Sim sim;
  auto r = sim.Fire({{"alertname", "K"}, {"severity", "keep"}}, At("2026-11-23T09:00:00Z"));
  REQUIRE(sim.engine().Acknowledge(r.id, "alice", "", At("2026-11-23T09:10:00Z")).has_value());
  sim.Take();
  sim.TickTo(At("2026-11-24T09:00:00Z"));
  CHECK(sim.Take().empty());
  CHECK(sim.engine().Find(r.id)->state == AlertState::kAcknowledged);
}

TEST_CASE("silences mute until they end or expire") {
  Sim sim;
  rota::rules::Silence s{"",
                         rota::rules::ParseMatchers(R"(alertname="Noisy")").value(),
                         At("2026-11-23T08:00:00Z"),
                         At("2026-11-23T10:00:00Z"),
                         "alice",
                         "deploy"};
  const std::string id = sim.engine().AddSilence(s, At("2026-11-23T08:00:00Z"));
  auto r = sim.Fire({{"alertname", "Noisy"}, {"severity", "page"}}, At("2026-11-23T09:00:00Z"));
  CHECK(r.status == Outcome::kSilenced);
  CHECK(sim.Take().empty());
  sim.TickTo(At("2026-11-23T10:00:00Z"));  // the silence ends: alice is on duty
  CHECK(To(sim.Take()) == std::vector<std::string>{"alice@2026-11-23T10:00:00Z:alert"});
  // Expiring a silence early lets its alerts through at once.
  const std::string id2 =
      sim.engine().AddSilence({"", rota::rules::ParseMatchers(R"(alertname="Other")").value(),
                               At("2026-11-23T10:00:00Z"), At("2026-11-23T12:00:00Z"), "alice", ""},
                              At("2026-11-23T10:00:00Z"));
  auto o = sim.Fire({{"alertname", "Other"}, {"severity", "page"}}, At("2026-11-23T10:30:00Z"));
  CHECK(o.status == Outcome::kSilenced);
  REQUIRE(sim.engine().ExpireSilence(id2, At("2026-11-23T10:40:00Z")).has_value());
  CHECK(ToFor(sim.Take(), o.id) == std::vector<std::string>{"alice@2026-11-23T10:40:00Z:alert"});
  CHECK_FALSE(sim.engine().ExpireSilence("s-999", At("2026-11-23T10:40:00Z")).has_value());
  (void)id;
}

TEST_CASE("route mute_time_intervals and active_time_intervals hold notifications back") {
  Sim sim;
  // Saturday 10:00Z: the weekdays-only route is muted until Monday 00:00 UTC.
  auto muted = sim.Fire({{"alertname", "M"}, {"severity", "muted"}}, At("2026-11-28T10:00:00Z"));
  CHECK(muted.status == Outcome::kMuted);
  // Saturday: the business-only route waits for Monday 09:00 UTC.
  auto inactive =
      sim.Fire({{"alertname", "A"}, {"severity", "active"}}, At("2026-11-28T10:00:00Z"));
  CHECK(inactive.status == Outcome::kMuted);
  CHECK(sim.Take().empty());
  sim.TickTo(At("2026-11-30T09:00:00Z"));
  CHECK(To(sim.Take()) == std::vector<std::string>{"dave@2026-11-30T00:00:00Z:alert",
                                                   "dave@2026-11-30T04:00:00Z:alert",  // reminder
                                                   "dave@2026-11-30T08:00:00Z:alert",  // reminder
                                                   "dave@2026-11-30T09:00:00Z:alert"});
  CHECK(TimelineHas(*sim.engine().Find(muted.id),
                    "muted (mute_time_intervals) until 2026-11-30T00:00:00Z"));
  CHECK(TimelineHas(*sim.engine().Find(inactive.id),
                    "not active (active_time_intervals) until 2026-11-30T09:00:00Z"));
}

TEST_CASE("inhibition: a firing source mutes matching targets until it resolves") {
  Sim sim;
  auto src = sim.Fire({{"alertname", "ClusterDown"}, {"cluster", "eu"}, {"severity", "info"}},
                      At("2026-11-23T09:00:00Z"));
  CHECK(src.status == Outcome::kUnrouted);  // no route for severity=info
  auto t = sim.Fire({{"alertname", "Down"}, {"cluster", "eu"}, {"severity", "page"}},
                    At("2026-11-23T09:01:00Z"));
  CHECK(t.status == Outcome::kInhibited);
  auto other = sim.Fire({{"alertname", "Down"}, {"cluster", "us"}, {"severity", "page"}},
                        At("2026-11-23T09:02:00Z"));
  CHECK(other.status == Outcome::kNotified);
  sim.Take();
  REQUIRE(sim.engine().Resolve(src.id, "prometheus", "", At("2026-11-23T09:30:00Z")).has_value());
  CHECK(To(sim.Take()) == std::vector<std::string>{"alice@2026-11-23T09:30:00Z:alert"});
  CHECK(sim.engine().counters().unrouted == 1);
}

TEST_CASE("grouping: group_wait collects, group_interval batches later alerts") {
  Sim sim;
  auto a = sim.Fire({{"alertname", "X"}, {"cluster", "eu"}, {"severity", "ticket"}},
                    At("2026-11-23T09:00:00Z"));
  auto b = sim.Fire({{"alertname", "Y"}, {"cluster", "eu"}, {"severity", "ticket"}},
                    At("2026-11-23T09:00:10Z"));
  CHECK(a.status == Outcome::kGrouped);
  CHECK(b.status == Outcome::kGrouped);
  CHECK(sim.Take().empty());
  sim.TickTo(At("2026-11-23T09:00:30Z"));
  auto sent = sim.Take();
  REQUIRE(sent.size() == 1);  // one notification for the group
  CHECK(sent[0].alerts == std::vector<AlertId>{a.id, b.id});
  auto c = sim.Fire({{"alertname", "Z"}, {"cluster", "eu"}, {"severity", "ticket"}},
                    At("2026-11-23T09:01:00Z"));
  CHECK(c.status == Outcome::kGrouped);
  sim.TickTo(At("2026-11-23T09:05:29Z"));
  CHECK(sim.Take().empty());
  sim.TickTo(At("2026-11-23T09:05:30Z"));  // last flush + group_interval
  sent = sim.Take();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].alerts == std::vector<AlertId>{c.id});
}

TEST_CASE("endsAt: past resolves, future resolves unless refreshed") {
  Sim sim;
  auto r = sim.Fire({{"alertname", "E"}, {"severity", "page"}}, At("2026-11-23T09:00:00Z"),
                    At("2026-11-23T09:05:00Z"));
  CHECK(r.status == Outcome::kNotified);
  // Refreshed at 09:04 with a later end: still firing at 09:06.
  sim.Fire({{"alertname", "E"}, {"severity", "page"}}, At("2026-11-23T09:04:00Z"),
           At("2026-11-23T09:09:00Z"));
  sim.TickTo(At("2026-11-23T09:06:00Z"));
  CHECK(sim.engine().Find(r.id)->state == AlertState::kFiring);
  sim.TickTo(At("2026-11-23T09:10:00Z"));
  CHECK(sim.engine().Find(r.id)->state == AlertState::kResolved);
  // An event whose endsAt is past resolves the open alert.
  auto s = sim.Fire({{"alertname", "F"}, {"severity", "page"}}, At("2026-11-23T09:20:00Z"));
  auto done = sim.Fire({{"alertname", "F"}, {"severity", "page"}}, At("2026-11-23T09:21:00Z"),
                       At("2026-11-23T09:20:30Z"));
  CHECK(done.status == Outcome::kResolved);
  CHECK(sim.engine().Find(s.id)->state == AlertState::kResolved);
}

TEST_CASE("the shell annotates timelines; resolved alerts are pruned after a while") {
  Sim sim;
  auto r = sim.Fire({{"alertname", "P"}, {"severity", "page"}}, At("2026-11-23T09:00:00Z"));
  sim.engine().Annotate(r.id, At("2026-11-23T09:00:01Z"),
                        Note(EntryKind::kDelivered)
                            .Set(Field::kPerson, "alice")
                            .Set(Field::kChannel, "hooks")
                            .Set(Field::kDetail, "HTTP 200")
                            .Set(Field::kAttempts, std::int64_t{1}));
  sim.engine().Annotate(999, At("2026-11-23T09:00:01Z"),
                        Note(EntryKind::kNote).Set(Field::kText, "ignored"));
  CHECK(
      TimelineHas(*sim.engine().Find(r.id), "delivered to alice via hooks (HTTP 200, 1 attempt)"));
  const auto delivered = sim.engine().Find(r.id)->timeline.back();
  CHECK(delivered.kind() == EntryKind::kDelivered);
  CHECK(delivered.Get(Field::kChannel) == "hooks");
  CHECK(delivered.Number(Field::kAttempts) == 1);
  REQUIRE(sim.engine().Resolve(r.id, "x", "", At("2026-11-23T10:00:00Z")).has_value());
  auto open = sim.Fire({{"alertname", "Q"}, {"severity", "page"}}, At("2026-11-23T10:00:00Z"));
  CHECK(sim.engine().PruneResolved(At("2026-11-23T10:00:00Z")) ==
        0);  // resolved exactly then: kept
  CHECK(sim.engine().PruneResolved(At("2026-11-24T10:00:00Z")) == 1);
  CHECK(sim.engine().Find(r.id) == nullptr);
  CHECK(sim.engine().Find(open.id) != nullptr);  // open alerts are never pruned
}

TEST_CASE("acknowledge and resolve events by dedup key") {
  Sim sim;
  Event trigger;
  trigger.source = "pagerduty";
  trigger.dedup_key = "db-disk-full";
  trigger.labels = LabelSet({{"alertname", "Disk"}, {"severity", "page"}});
  auto r = sim.engine().Ingest(trigger, At("2026-11-23T09:00:00Z"));
  CHECK(r.key == "db-disk-full");
  Event ack = trigger;
  ack.action = Action::kAcknowledge;
  ack.actor = "alice";
  CHECK(sim.engine().Ingest(ack, At("2026-11-23T09:01:00Z")).status == Outcome::kAcknowledged);
  CHECK(sim.engine().Find(r.id)->acked_by == "alice");
  Event resolve = trigger;
  resolve.action = Action::kResolve;
  CHECK(sim.engine().Ingest(resolve, At("2026-11-23T09:02:00Z")).status == Outcome::kResolved);
  CHECK(sim.engine().Ingest(resolve, At("2026-11-23T09:03:00Z")).status == Outcome::kUnknown);
}

TEST_CASE("hours are law: a month of random alerts never notifies anyone off duty") {
  Sim sim;
  std::mt19937 rng(99);
  const char* severities[] = {"page", "ticket", "low", "capped", "keep", "noise"};
  TimePoint t = At("2026-11-01T00:00:00Z");
  const TimePoint end = At("2026-12-01T00:00:00Z");
  std::vector<AlertId> open;
  std::size_t alerts = 0;
  while (t < end) {
    t += std::chrono::minutes(1 + rng() % 180);
    const auto sev = severities[rng() % 6];
    auto r = sim.Fire({{"alertname", "A" + std::to_string(rng() % 40)},
                       {"cluster", rng() % 2 ? "eu" : "us"},
                       {"severity", sev}},
                      t);
    ++alerts;
    if (r.id != 0) {
      open.push_back(r.id);
    }
    if (rng() % 3 == 0 && !open.empty()) {
      const AlertId id = open[rng() % open.size()];
      if (rng() % 2) {
        (void)sim.engine().Acknowledge(id, rng() % 2 ? "alice" : "bob", "", t);
      } else {
        (void)sim.engine().Resolve(id, "test", "", t);
      }
    }
  }
  sim.TickTo(end + std::chrono::hours(24 * 7));
  const auto sent = sim.Take();
  CHECK(sent.size() > 100);
  std::size_t digests = 0;
  for (const auto& n : sent) {
    CAPTURE(n.person);
    CAPTURE(rota::FormatRfc3339(n.at));
    CHECK(sim.roster().IsOnDuty(n.person, n.at));
    digests += n.kind == NotificationKind::kDigest ? 1 : 0;
  }
  CHECK(digests > 0);
  CHECK(alerts > 200);
}

TEST_CASE(
    "a channel target has no hours: it is notified when nobody is on, and told when it resolves") {
  const std::string yaml = R"(
channels:
  - {name: pd, type: pagerduty, routing_key_file: pd_key}
people:
  - id: bob
    timezone: America/New_York
    hours: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '12:00'}]}]
routes:
  - {name: r, group_wait: 0s, group_by: ['...'], escalation: vendor}
escalations:
  - name: vendor
    when_nobody_on_duty: next
    steps:
      - {notify: ['person:bob'], escalate_after: 30m}
      - {notify: ['channel:pd'], escalate_after: 1h}
)";
  rota::testing::TempDir dir;
  dir.Write("pd_key", "k\n");
  auto loaded = rota::config::Load(dir.Write("rota.yaml", yaml));
  REQUIRE(loaded.ok());
  auto roster =
      std::make_shared<rota::schedule::Roster>(rota::config::ToRosterSpec(*loaded.config));
  Engine engine(Model::Build(loaded.config, roster));
  // Monday 03:00Z: bob is off (09:00 New York = 14:00Z); the provider is next.
  Event e;
  e.source = "test";
  e.labels = LabelSet({{"alertname", "Night"}});
  const auto r = engine.Ingest(e, At("2026-11-23T03:00:00Z"));
  CHECK(r.status == Outcome::kNotified);
  CHECK(r.notified == std::vector<std::string>{"channel:pd"});
  auto sent = engine.TakeNotifications();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].person == "channel:pd");
  CHECK(sent[0].step == 2);
  const Alert* a = engine.Find(r.id);
  REQUIRE(a != nullptr);
  CHECK(TimelineHas(*a, "step 2 (channel:pd): notified channel:pd (a channel: no hours)"));
  // Resolved at night: the channel hears it (it has no hours to be outside of).
  REQUIRE(engine.Resolve(r.id, "bob", "", At("2026-11-23T04:00:00Z")).has_value());
  sent = engine.TakeNotifications();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].person == "channel:pd");
  CHECK(sent[0].kind == NotificationKind::kResolved);

  // Acknowledged: the channel hears who took it; a person notified would not.
  Event e2 = e;
  e2.labels = LabelSet({{"alertname", "Night2"}});
  const auto acked = engine.Ingest(e2, At("2026-11-23T05:00:00Z"));
  (void)engine.TakeNotifications();
  REQUIRE(engine.Acknowledge(acked.id, "bob", "", At("2026-11-23T05:01:00Z")).has_value());
  sent = engine.TakeNotifications();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].person == "channel:pd");
  CHECK(sent[0].kind == NotificationKind::kAcknowledged);
  CHECK(sent[0].reason == "acknowledged by bob");

  // In bob's hours, bob is paged and the channel is not.
  const auto day = engine.Ingest(e, At("2026-11-23T15:00:00Z"));
  CHECK(day.notified == std::vector<std::string>{"bob"});
}

namespace {

Reroute MakeReroute(std::string team, std::string escalation, std::optional<TimePoint> until,
                    std::string reason) {
  Reroute r;
  r.team = std::move(team);
  r.escalation = std::move(escalation);
  r.until = until;
  r.reason = std::move(reason);
  return r;
}

}  // namespace

TEST_CASE("a reroute sends a team's new alerts to another escalation until it ends or is cleared") {
  Sim sim;
  const TimePoint t0 = At("2026-11-23T09:00:00Z");  // alice on duty
  // Refused: unknown team or escalation, an end in the past.
  CHECK_FALSE(sim.engine()
                  .AddReroute(MakeReroute("nobody", "dave-only", std::nullopt, ""), t0)
                  .has_value());
  CHECK_FALSE(
      sim.engine().AddReroute(MakeReroute("payments", "nope", std::nullopt, ""), t0).has_value());
  CHECK_FALSE(
      sim.engine().AddReroute(MakeReroute("payments", "dave-only", t0, ""), t0).has_value());

  auto id =
      sim.engine().AddReroute(MakeReroute("payments", "dave-only", t0 + 2h, "team offsite"), t0);
  REQUIRE(id.has_value());
  CHECK(*id == "r-1");
  auto a = sim.Fire({{"alertname", "Down"}, {"severity", "page"}}, t0 + 1min);
  CHECK(a.notified == std::vector<std::string>{"dave"});
  const Alert* alert = sim.engine().Find(a.id);
  REQUIRE(alert != nullptr);
  CHECK(TimelineHas(*alert,
                    "rerouted by r-1: route pages uses escalation dave-only (team offsite) until "
                    "2026-11-23T11:00:00Z"));
  CHECK(sim.engine().counters().rerouted == 1);
  // A route that pages another team is not taken.
  auto other = sim.Fire({{"alertname", "Odd"}, {"severity", "muted"}}, t0 + 2min);
  CHECK(other.notified == std::vector<std::string>{"dave"});
  CHECK_FALSE(TimelineHas(*sim.engine().Find(other.id), "rerouted"));

  // Cleared: the next alert goes to the team again.
  REQUIRE(sim.engine().ClearReroute("r-1").has_value());
  CHECK_FALSE(sim.engine().ClearReroute("r-1").has_value());
  auto back = sim.Fire({{"alertname", "Down2"}, {"severity", "page"}}, t0 + 3min);
  CHECK(back.notified == std::vector<std::string>{"alice"});

  // One that ends by itself: in force before `until`, not after, then dropped.
  REQUIRE(sim.engine()
              .AddReroute(MakeReroute("payments", "dave-only", t0 + 1h, "x"), t0 + 4min)
              .has_value());
  CHECK(sim.Fire({{"alertname", "D3"}, {"severity", "page"}}, t0 + 59min).notified ==
        std::vector<std::string>{"dave"});
  CHECK(sim.Fire({{"alertname", "D4"}, {"severity", "page"}}, t0 + 1h).notified ==
        std::vector<std::string>{"alice"});
  const auto ended = sim.engine().EndReroutes(t0 + 1h);
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].id == "r-2");
  CHECK(sim.engine().reroutes().empty());
  // The rerouted alert keeps its escalation: acks and escalation follow it.
  sim.TickTo(t0 + 1h);
  CHECK(alert->routings.front().escalation == "dave-only");
}

TEST_CASE(
    "a silence in the config mutes matching alerts like a run-time one, and ends when it says") {
  Sim sim(std::string(kConfig) + R"(
silences:
  - {matchers: ['alertname="Watchdog"'], comment: 'the dead man''s switch'}
  - {matchers: ['alertname="Batch"'], comment: window, starts_at: '2026-11-23T08:00:00Z', ends_at: '2026-11-23T10:00:00Z'}
)");
  auto w = sim.Fire({{"alertname", "Watchdog"}, {"severity", "page"}}, At("2026-11-23T09:00:00Z"));
  CHECK(w.status == Outcome::kSilenced);
  CHECK(EntryOf(*sim.engine().Find(w.id), EntryKind::kSilenced).Get(Field::kSilence) ==
        "config-s-1");
  auto b = sim.Fire({{"alertname", "Batch"}, {"severity", "page"}}, At("2026-11-23T09:00:00Z"));
  CHECK(b.status == Outcome::kSilenced);
  CHECK(sim.engine()
            .silences()
            .empty());  // run-time silences are the engine's; these are the config's
  CHECK(sim.Take().empty());
  // Its window ends at 10:00: alice (on duty until 12:00Z) is told then.
  sim.TickTo(At("2026-11-23T10:00:00Z"));
  CHECK(ToFor(sim.Take(), b.id) == std::vector<std::string>{"alice@2026-11-23T10:00:00Z:alert"});
  CHECK(sim.engine().Find(w.id)->Status() == Outcome::kSilenced);
}
