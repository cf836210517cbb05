// The outbox as a state machine with injected time: backoff and jitter from
// the stored next attempt (also after a restart), the send-time guard, final
// outcomes and what is marked for the store.
#include "notify/outbox.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "../test_util.h"

using namespace rota;
using namespace rota::notify;
using rota::testing::At;

namespace {

struct Harness {
  std::set<std::string> on_duty{"alice"};
  std::set<std::string> channels{"hooks"};
  Outbox box{[this](const std::string& p, TimePoint) { return on_duty.count(p) > 0; },
             [this](const std::string& c) { return channels.count(c) > 0; }, 42};
  Harness() { box.SetMaxAges({{"hooks", std::chrono::minutes(10)}}); }
};

Outgoing Item(const std::string& id, TimePoint decided, const std::string& to = "alice") {
  Message m;
  m.id = id;
  m.recipient = to;
  m.kind = "alert";
  m.alert_ids = {7};
  m.created_ms = decided.time_since_epoch().count();
  m.body = MakeBody(boost::json::object{{"notification_id", id}});
  return {std::move(m), "hooks"};
}

SendResult Failed() { return {SendOutcome::kFailed, 1, "HTTP 503"}; }

}  // namespace

TEST_CASE(
    "outbox: a failed attempt is retried with growing, jittered backoff until retry_max_age") {
  Harness h;
  const TimePoint t0 = At("2026-11-23T09:00:00Z");
  h.box.Add({Item("n1", t0)}, t0);
  auto sends = h.box.TakeSends();
  REQUIRE(sends.size() == 1);
  CHECK(h.box.Sending() == 1);
  TimePoint now = t0;
  std::vector<std::int64_t> delays;
  Message m = std::move(sends[0].message);
  while (true) {
    h.box.OnResult(std::move(m), "hooks", Failed(), now);
    auto events = h.box.TakeEvents();
    REQUIRE(events.size() == 1);
    auto marks = h.box.TakeMarks();
    REQUIRE(marks.size() == 1);
    CHECK(marks[0].key == "n1");
    CHECK(marks[0].attempts == events[0].attempts);
    if (events[0].kind != OutboxEvent::Kind::kRetrying) {
      CHECK(events[0].kind == OutboxEvent::Kind::kGaveUp);
      CHECK(marks[0].state == OutboxState::kFailed);
      CHECK(now - t0 >= std::chrono::minutes(10));
      break;
    }
    CHECK(marks[0].state == OutboxState::kPending);
    CHECK(marks[0].next_attempt == events[0].retry_at);
    REQUIRE(h.box.NextDue().has_value());
    CHECK(*h.box.NextDue() == events[0].retry_at);
    delays.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(events[0].retry_at - now).count());
    h.box.Tick(events[0].retry_at - std::chrono::milliseconds(1));
    CHECK(h.box.TakeSends().empty());  // not before its instant
    now = events[0].retry_at;
    h.box.Tick(now);
    sends = h.box.TakeSends();
    REQUIRE(sends.size() == 1);
    m = std::move(sends[0].message);
  }
  REQUIRE(delays.size() >= 5);
  for (std::size_t i = 0; i < delays.size(); ++i) {
    const std::int64_t base = std::min<std::int64_t>(300000, 1000LL << i);
    CAPTURE(i);
    CHECK(delays[i] >= base / 2);
    CHECK(delays[i] <= base);
  }
  CHECK_FALSE(h.box.NextDue().has_value());
}

TEST_CASE("outbox: delivered and rejected are final; a gone channel fails") {
  Harness h;
  const TimePoint t0 = At("2026-11-23T09:00:00Z");
  auto no = Item("no", t0);
  no.message.alert_ids = {8};  // another alert: not held back behind "ok"
  h.box.Add({Item("ok", t0), no}, t0);
  auto sends = h.box.TakeSends();
  REQUIRE(sends.size() == 2);
  h.box.OnResult(std::move(sends[0].message), "hooks", {SendOutcome::kDelivered, 1, "HTTP 200"},
                 t0);
  h.box.OnResult(std::move(sends[1].message), "hooks", {SendOutcome::kRejected, 1, "HTTP 400"}, t0);
  auto marks = h.box.TakeMarks();
  REQUIRE(marks.size() == 2);
  CHECK(marks[0].state == OutboxState::kDelivered);
  CHECK(marks[0].attempts == 1);
  CHECK(marks[1].state == OutboxState::kFailed);
  CHECK(marks[1].error == "HTTP 400");
  auto events = h.box.TakeEvents();
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == OutboxEvent::Kind::kDelivered);
  CHECK(events[1].kind == OutboxEvent::Kind::kRejected);
  CHECK(events[1].alert_ids == std::vector<std::uint64_t>{8});
  CHECK(h.box.Sending() == 0);

  h.channels.clear();
  h.box.Add({Item("lost", t0)}, t0);
  CHECK(h.box.TakeSends().empty());
  marks = h.box.TakeMarks();
  REQUIRE(marks.size() == 1);
  CHECK(marks[0].state == OutboxState::kFailed);
  CHECK(h.box.TakeEvents().at(0).kind == OutboxEvent::Kind::kNoChannel);
}

TEST_CASE(
    "outbox: the guard refuses off-duty recipients; a refused retry is expected, not a violation") {
  Harness h;
  const TimePoint t0 = At("2026-11-23T09:00:00Z");
  h.box.Add({Item("bob1", t0, "bob")}, t0);
  CHECK(h.box.TakeSends().empty());
  auto events = h.box.TakeEvents();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == OutboxEvent::Kind::kRefused);
  CHECK(h.box.TakeMarks().at(0).state == OutboxState::kFailed);

  h.box.Add({Item("a1", t0)}, t0);
  auto sends = h.box.TakeSends();
  REQUIRE(sends.size() == 1);
  h.box.OnResult(std::move(sends[0].message), "hooks", Failed(), t0);
  const TimePoint retry = h.box.TakeEvents().at(0).retry_at;
  (void)h.box.TakeMarks();
  h.on_duty.clear();  // alice's hours end before the retry
  h.box.Tick(retry);
  CHECK(h.box.TakeSends().empty());
  events = h.box.TakeEvents();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == OutboxEvent::Kind::kHoursEnded);
  auto marks = h.box.TakeMarks();
  REQUIRE(marks.size() == 1);
  CHECK(marks[0].state == OutboxState::kFailed);
  CHECK(marks[0].attempts == 1);
}

TEST_CASE("outbox: after a restart each pending notification waits for its stored next attempt") {
  Harness h;
  const TimePoint now = At("2026-11-23T09:00:00Z");
  auto overdue = Item("overdue", now - std::chrono::minutes(2));
  overdue.message.attempts = 3;
  auto later = Item("later", now - std::chrono::minutes(1));
  later.message.attempts = 4;
  later.message.alert_ids = {8};
  h.box.Restore({overdue, later}, {now - std::chrono::seconds(5), now + std::chrono::seconds(30)},
                now);
  auto sends = h.box.TakeSends();
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].message.id == "overdue");
  CHECK(sends[0].message.attempts == 3);
  REQUIRE(h.box.NextDue().has_value());
  CHECK(*h.box.NextDue() == now + std::chrono::seconds(30));
  const auto waiting = h.box.WaitingByChannel(now);
  CHECK(waiting.at("hooks").count == 2);  // "later", and "overdue" whose attempt is unanswered
  CHECK(waiting.at("hooks").oldest_seconds == doctest::Approx(120));
  h.box.Tick(now + std::chrono::seconds(30));
  sends = h.box.TakeSends();
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].message.id == "later");
  h.box.OnResult(std::move(sends[0].message), "hooks", Failed(), now + std::chrono::seconds(30));
  CHECK(h.box.TakeMarks().at(0).attempts == 5);
}

TEST_CASE(
    "outbox: a delayed contact waits for its turn, then goes only if still wanted and on duty") {
  Harness h;
  std::set<std::uint64_t> firing{7};
  h.box.SetWanted([&](const Message& m) {
    return std::any_of(m.alert_ids.begin(), m.alert_ids.end(),
                       [&](auto id) { return firing.count(id) > 0; });
  });
  const TimePoint t0 = At("2026-11-23T09:00:00Z");
  auto later = Item("n-later", t0);
  later.message.not_before_ms = (t0 + std::chrono::minutes(5)).time_since_epoch().count();
  auto skipped = Item("n-skipped", t0);
  skipped.message.not_before_ms = later.message.not_before_ms;
  skipped.message.alert_ids = {8};  // acknowledged by the time it is due
  auto off = Item("n-off", t0, "bob");
  off.message.not_before_ms = later.message.not_before_ms;
  h.box.Add({later, skipped, off}, t0);
  CHECK(h.box.TakeSends().empty());  // nothing at once
  CHECK(h.box.NextDue() == t0 + std::chrono::minutes(5));
  h.box.Tick(t0 + std::chrono::minutes(4));
  CHECK(h.box.TakeSends().empty());
  h.box.Tick(t0 + std::chrono::minutes(5));
  const auto sends = h.box.TakeSends();
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].message.id == "n-later");
  std::map<std::string, OutboxEvent::Kind> events;
  for (const auto& e : h.box.TakeEvents()) {
    events[e.id] = e.kind;
  }
  CHECK(events.at("n-skipped") == OutboxEvent::Kind::kNotNeeded);
  CHECK(events.at("n-off") == OutboxEvent::Kind::kHoursEnded);  // expected, not a violation
  CHECK(events.count("n-later") == 0);
  for (const auto& m : h.box.TakeMarks()) {
    CHECK(m.state == OutboxState::kFailed);  // both final, neither sent
  }
}

// ---- order per contact and alert ---------------------------------------------------

namespace {

Outgoing Resolved(const std::string& id, TimePoint decided,
                  std::vector<std::uint64_t> alerts = {7}) {
  Outgoing o = Item(id, decided);
  o.message.kind = "resolved";
  o.message.alert_ids = std::move(alerts);
  return o;
}

std::vector<std::string> Ids(const std::vector<Outgoing>& v) {
  std::vector<std::string> out;
  for (const auto& o : v) {
    out.push_back(o.message.id);
  }
  return out;
}

}  // namespace

TEST_CASE(
    "outbox order: a resolved notice waits while its alert notice is retried, then follows it") {
  Harness h;
  const TimePoint t0 = At("2026-11-23T09:00:00Z");
  h.box.Add({Item("alert", t0)}, t0);
  auto sends = h.box.TakeSends();
  REQUIRE(Ids(sends) == std::vector<std::string>{"alert"});
  h.box.OnResult(std::move(sends[0].message), "hooks", Failed(), t0);
  const TimePoint retry_at = h.box.TakeEvents().at(0).retry_at;
  // Resolved while the receiver is down: not sent ahead of the alert.
  h.box.Add({Resolved("resolved", t0 + std::chrono::milliseconds(100))},
            t0 + std::chrono::milliseconds(100));
  CHECK(h.box.TakeSends().empty());
  CHECK(h.box.Unfinished() == 2);
  h.box.Tick(retry_at);
  sends = h.box.TakeSends();
  REQUIRE(Ids(sends) == std::vector<std::string>{"alert"});  // still only the alert
  h.box.OnResult(std::move(sends[0].message), "hooks", {SendOutcome::kDelivered, 1, "HTTP 200"},
                 retry_at);
  // Delivered: now the resolved notice goes.
  CHECK(Ids(h.box.TakeSends()) == std::vector<std::string>{"resolved"});
}

TEST_CASE("outbox order: a resolved notice whose alert notice failed for good is not sent") {
  Harness h;
  const TimePoint t0 = At("2026-11-23T09:00:00Z");
  h.box.Add({Item("alert", t0), Resolved("resolved", t0)}, t0);
  auto sends = h.box.TakeSends();
  REQUIRE(Ids(sends) == std::vector<std::string>{"alert"});
  (void)h.box.TakeEvents();
  (void)h.box.TakeMarks();
  h.box.OnResult(std::move(sends[0].message), "hooks", {SendOutcome::kRejected, 1, "HTTP 400"}, t0);
  CHECK(h.box.TakeSends().empty());
  std::map<std::string, OutboxEvent::Kind> events;
  for (const auto& e : h.box.TakeEvents()) {
    events[e.id] = e.kind;
  }
  CHECK(events.at("alert") == OutboxEvent::Kind::kRejected);
  CHECK(events.at("resolved") == OutboxEvent::Kind::kSuperseded);
  const auto marks = h.box.TakeMarks();
  REQUIRE(marks.size() == 2);
  CHECK(marks[1].key == "resolved");
  CHECK(marks[1].state == OutboxState::kFailed);
  CHECK(h.box.Unfinished() == 0);
  // Decided after the alert notice had already failed: superseded at once.
  h.box.Add({Resolved("resolved-later", t0 + std::chrono::minutes(1))},
            t0 + std::chrono::minutes(1));
  CHECK(h.box.TakeSends().empty());
  CHECK(h.box.TakeEvents().at(0).kind == OutboxEvent::Kind::kSuperseded);
}

TEST_CASE("outbox order: other alerts, other contacts and other channels are not held back") {
  Harness h;
  h.on_duty.insert("bob");
  const TimePoint t0 = At("2026-11-23T09:00:00Z");
  auto other_alert = Item("other-alert", t0);
  other_alert.message.alert_ids = {8};
  auto other_person = Item("other-person", t0, "bob");
  auto other_address = Item("other-address", t0);
  other_address.message.to = "alice@example.com";
  h.box.Add({Item("first", t0), other_alert, other_person, other_address, Item("second", t0)}, t0);
  CHECK(Ids(h.box.TakeSends()) ==
        std::vector<std::string>{"first", "other-alert", "other-person", "other-address"});
  CHECK(h.box.Unfinished() == 5);
}

TEST_CASE(
    "outbox order: random outcomes never deliver a later notice ahead of an earlier one (seeded)") {
  // An independent model: per contact and alert, the order in which notices
  // were added; a send is legal only when every earlier one is finished.
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    CAPTURE(seed);
    Harness h;
    h.on_duty.insert("bob");
    std::mt19937_64 rng(seed);
    TimePoint now = At("2026-11-23T09:00:00Z");
    std::map<std::string, std::pair<std::string, std::uint64_t>> what;  // id → (recipient, alert)
    std::map<std::pair<std::string, std::uint64_t>, std::vector<std::string>> order;
    std::set<std::string> finished;
    std::vector<Outgoing> in_flight;
    int next = 0;
    for (int step = 0; step < 200; ++step) {
      const auto op = rng() % 4;
      if (op == 0 || in_flight.empty()) {
        const std::string who = rng() % 2 ? "alice" : "bob";
        const std::uint64_t alert = 1 + rng() % 3;
        const std::string id = "m" + std::to_string(next++);
        Outgoing o = rng() % 3 == 0 ? Resolved(id, now, {alert}) : Item(id, now, who);
        o.message.recipient = who;
        o.message.alert_ids = {alert};
        what[id] = {who, alert};
        order[{who, alert}].push_back(id);
        h.box.Add({o}, now);
      } else if (op == 3) {
        now += std::chrono::seconds(1 + rng() % 400);
        h.box.Tick(now);
      } else {
        const auto i = rng() % in_flight.size();
        Outgoing o = std::move(in_flight[i]);
        in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(i));
        const auto pick = rng() % 3;
        const SendResult r = pick == 0   ? SendResult{SendOutcome::kDelivered, 1, "200"}
                             : pick == 1 ? Failed()
                                         : SendResult{SendOutcome::kRejected, 1, "400"};
        h.box.OnResult(std::move(o.message), "hooks", r, now);
      }
      for (const auto& m : h.box.TakeMarks()) {
        if (m.state != OutboxState::kPending) {
          finished.insert(m.key);
        }
      }
      for (auto& s : h.box.TakeSends()) {
        const auto& list = order.at(what.at(s.message.id));
        for (const auto& earlier : list) {
          if (earlier == s.message.id) {
            break;
          }
          CHECK_MESSAGE(finished.count(earlier) > 0,
                        s.message.id << " sent while " << earlier << " unfinished");
        }
        in_flight.push_back(std::move(s));
      }
      (void)h.box.TakeEvents();
    }
  }
}

TEST_CASE(
    "outbox: the waiting count holds what a hung receiver has not answered and what waits behind "
    "it") {
  Harness h;
  const TimePoint t0 = At("2026-11-23T09:00:00Z");
  h.box.Add({Item("first", t0)}, t0);
  auto sends = h.box.TakeSends();
  REQUIRE(sends.size() == 1);  // handed to the receiver, which never answers
  auto second = Item("second", t0 + std::chrono::seconds(10));
  h.box.Add({second}, t0 + std::chrono::seconds(10));
  CHECK(h.box.TakeSends().empty());  // waits behind the first (same contact and alert)
  auto waiting = h.box.WaitingByChannel(t0 + std::chrono::minutes(3));
  CHECK(waiting.at("hooks").count == 2);
  CHECK(waiting.at("hooks").oldest_seconds == doctest::Approx(180));
  // The receiver answers at last: the first is done, the second goes.
  h.box.OnResult(std::move(sends[0].message), "hooks", {SendOutcome::kDelivered, 200, ""},
                 t0 + std::chrono::minutes(3));
  sends = h.box.TakeSends();
  REQUIRE(sends.size() == 1);
  waiting = h.box.WaitingByChannel(t0 + std::chrono::minutes(4));
  CHECK(waiting.at("hooks").count == 1);
  CHECK(waiting.at("hooks").oldest_seconds == doctest::Approx(230));
  h.box.OnResult(std::move(sends[0].message), "hooks", {SendOutcome::kDelivered, 200, ""},
                 t0 + std::chrono::minutes(4));
  CHECK(h.box.WaitingByChannel(t0 + std::chrono::minutes(4)).at("hooks").count == 0);
}
