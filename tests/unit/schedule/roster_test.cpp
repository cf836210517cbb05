// The roster with moving time: who is on duty (and why not), next on duty,
// coverage windows and gaps, time off, overrides and rotations. The roster is
// written as YAML and loaded through the real config loader.
#include "schedule/roster.h"

#include <doctest/doctest.h>

#include "../test_util.h"
#include "config/loader.h"
#include "config/roster_spec.h"

using namespace rota::schedule;
using rota::testing::At;
using rota::testing::TempDir;

namespace {

// 2026-11-23 is a Monday. Berlin is UTC+1, New York UTC-5, Kolkata UTC+5:30.
constexpr const char* kTeam = R"(
time_intervals:
  - name: berlin-mornings
    time_intervals: [{weekdays: ['monday:thursday'], times: [{start_time: '09:00', end_time: '13:00'}]}]
  - name: support
    time_intervals: [{weekdays: ['monday:friday'], times: [{start_time: '08:00', end_time: '20:00'}]}]
people:
  - id: alice
    timezone: Europe/Berlin
    hours: [berlin-mornings]
    time_off: [{start: 2026-12-24, end: 2027-01-02, reason: holidays}]
  - id: bob
    timezone: America/New_York
    hours: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '12:00'}]}]
  - id: carol
    timezone: Asia/Kolkata
    hours: [{weekdays: ['sunday:thursday'], times: [{start_time: '20:00', end_time: '02:00'}]}]
  - id: erin
teams:
  - {id: payments, timezone: Europe/Berlin, members: [alice, bob, carol], support_hours: [support]}
  - {id: idle, members: [erin]}
overrides:
  - {person: bob, replaces: alice, start: '2026-11-30T00:00:00Z', end: '2026-12-01T00:00:00Z'}
  - {person: erin, team: payments, start: '2026-12-02T00:00:00Z', end: '2026-12-02T06:00:00Z'}
)";

constexpr const char* kRotation = R"(
people:
  - {id: p1, hours: [{}]}
  - {id: p2, timezone: Europe/Berlin, hours: [{weekdays: ['monday:friday']}]}
  - {id: p3, hours: [{}]}
teams:
  - id: db
    timezone: Europe/Berlin
    members: [p1, p2, p3]
    page: one
    rotation: {shift_length: 1w, start: '2026-03-02T09:00'}
)";

std::unique_ptr<Roster> Build(const std::string& yaml) {
  return std::make_unique<Roster>(rota::config::ToRosterSpec(*rota::testing::LoadConfig(yaml)));
}

std::vector<std::string> Ids(const TeamDuty& d) {
  std::vector<std::string> out;
  for (const auto& p : d.on_duty) {
    out.push_back(p.person);
  }
  return out;
}

const OffDuty& OffFor(const TeamDuty& d, const std::string& id) {
  for (const auto& o : d.off_duty) {
    if (o.person == id) {
      return o;
    }
  }
  FAIL("no off-duty entry for " << id);
  return d.off_duty.front();
}

using People = std::vector<std::string>;

}  // namespace

TEST_CASE("team on duty across three zones, with reasons for the rest") {
  auto roster = Build(kTeam);
  struct Case {
    const char* at;
    People want;
  };
  const Case cases[] = {
      {"2026-11-23T07:59:00Z", {}},
      {"2026-11-23T08:00:00Z", {"alice"}},  // 09:00 Berlin
      {"2026-11-23T11:59:00Z", {"alice"}},
      {"2026-11-23T12:00:00Z", {}},
      {"2026-11-23T14:00:00Z", {"bob"}},           // 09:00 New York
      {"2026-11-23T14:30:00Z", {"bob", "carol"}},  // 20:00 Kolkata
      {"2026-11-23T17:00:00Z", {"carol"}},         // 12:00 New York
      {"2026-11-23T20:29:00Z", {"carol"}},         // 01:59 Kolkata, Tuesday
      {"2026-11-23T20:30:00Z", {}},
      {"2026-11-27T15:00:00Z", {"bob"}},  // Friday: carol's week ends Thursday
  };
  for (const auto& c : cases) {
    CAPTURE(c.at);
    auto d = roster->TeamOnDuty("payments", At(c.at));
    REQUIRE(d.has_value());
    CHECK(Ids(*d) == c.want);
    CHECK(d->on_duty.size() + d->off_duty.size() == 3);
    People lean;
    const auto people = roster->TeamOnDutyPeople("payments", At(c.at));
    REQUIRE(people.has_value());
    for (const auto& p : *people) {
      lean.push_back(p.person);
    }
    CHECK(lean == c.want);  // the routing query agrees with the explained one
  }
  auto early = roster->TeamOnDuty("payments", At("2026-11-23T07:59:00Z")).value();
  CHECK(OffFor(early, "alice").detail == "outside hours until Mon 09:00 Europe/Berlin");
  CHECK(OffFor(early, "alice").until == At("2026-11-23T08:00:00Z"));
  CHECK(OffFor(early, "bob").detail == "outside hours until Mon 09:00 America/New_York");
  CHECK(OffFor(early, "carol").detail == "outside hours until Mon 20:00 Asia/Kolkata");
  CHECK(OffFor(early, "carol").reason == OffReason::kOutsideHours);
  auto morning = roster->TeamOnDuty("payments", At("2026-11-23T09:00:00Z")).value();
  CHECK(morning.on_duty.at(0).until == At("2026-11-23T12:00:00Z"));
  CHECK_FALSE(roster->TeamOnDuty("nope", At("2026-11-23T09:00:00Z")).has_value());
}

TEST_CASE("next on duty is the first instant someone is, and who") {
  auto roster = Build(kTeam);
  auto next = roster->NextTeamOnDuty("payments", At("2026-11-23T12:00:00Z")).value();
  REQUIRE(next.has_value());
  CHECK(next->at == At("2026-11-23T14:00:00Z"));
  CHECK(next->people == People{"bob"});
  auto now = roster->NextTeamOnDuty("payments", At("2026-11-23T15:00:00Z")).value();
  REQUIRE(now.has_value());
  CHECK(now->at == At("2026-11-23T15:00:00Z"));  // already on duty: now
  CHECK(now->people == People{"bob", "carol"});
  // Friday evening to Sunday 20:00 Kolkata.
  auto weekend = roster->NextTeamOnDuty("payments", At("2026-11-27T17:00:00Z")).value();
  REQUIRE(weekend.has_value());
  CHECK(weekend->at == At("2026-11-29T14:30:00Z"));
  CHECK(weekend->people == People{"carol"});
  // Nobody with hours: no answer within the horizon.
  CHECK_FALSE(roster->NextTeamOnDuty("idle", At("2026-11-23T00:00:00Z")).value().has_value());
  auto erin = roster->PersonOnDuty("erin", At("2026-11-23T00:00:00Z")).value();
  CHECK(erin.off->reason == OffReason::kNoHours);
}

TEST_CASE("coverage: windows with who, gaps inside and outside support hours") {
  auto roster = Build(kTeam);
  auto cov =
      roster->TeamCoverage("payments", At("2026-11-23T00:00:00Z"), At("2026-11-24T00:00:00Z"));
  REQUIRE(cov.has_value());
  REQUIRE(cov->windows.size() == 4);
  CHECK(cov->windows[0].start == At("2026-11-23T08:00:00Z"));
  CHECK(cov->windows[0].end == At("2026-11-23T12:00:00Z"));
  CHECK(cov->windows[0].on_duty == People{"alice"});
  CHECK(cov->windows[2].on_duty == People{"bob", "carol"});
  CHECK(cov->windows[3].end == At("2026-11-23T20:30:00Z"));
  // Support: Mon 08:00-20:00 Berlin = 07:00-19:00Z.
  REQUIRE(cov->gaps.size() == 4);
  CHECK(cov->gaps[0].start == At("2026-11-23T00:00:00Z"));
  CHECK(cov->gaps[0].end == At("2026-11-23T07:00:00Z"));
  CHECK_FALSE(cov->gaps[0].in_support_hours);
  CHECK(cov->gaps[1].start == At("2026-11-23T07:00:00Z"));
  CHECK(cov->gaps[1].end == At("2026-11-23T08:00:00Z"));
  CHECK(cov->gaps[1].in_support_hours);
  CHECK(cov->gaps[2].start == At("2026-11-23T12:00:00Z"));
  CHECK(cov->gaps[2].end == At("2026-11-23T14:00:00Z"));
  CHECK(cov->gaps[2].in_support_hours);
  CHECK(cov->gaps[3].start == At("2026-11-23T20:30:00Z"));
  CHECK_FALSE(cov->gaps[3].in_support_hours);
}

TEST_CASE("coverage over weeks merges across week boundaries and tiles the range") {
  auto roster = Build(R"(
people: [{id: d, hours: [{}]}]
teams: [{id: t, members: [d]}]
)");
  auto cov = roster->TeamCoverage("t", At("2026-11-20T05:00:00Z"), At("2027-02-19T05:00:00Z"));
  REQUIRE(cov.has_value());
  REQUIRE(cov->windows.size() == 1);  // one window for 91 days across 14 week boundaries
  CHECK(cov->windows[0].start == At("2026-11-20T05:00:00Z"));
  CHECK(cov->windows[0].end == At("2027-02-19T05:00:00Z"));
  CHECK(cov->gaps.empty());
}

TEST_CASE("time off: whole days in the person's zone, with the reason") {
  auto roster = Build(kTeam);
  // Mon 2026-12-28, 09:30 Berlin: inside alice's hours, but on holiday.
  auto d = roster->TeamOnDuty("payments", At("2026-12-28T08:30:00Z")).value();
  CHECK(Ids(d).empty());
  const auto& off = OffFor(d, "alice");
  CHECK(off.reason == OffReason::kTimeOff);
  CHECK(off.detail == "time off until 2027-01-02 (holidays)");
  CHECK(off.until == At("2027-01-04T08:00:00Z"));  // first Monday back, 09:00 Berlin
  // The holiday starts at midnight Berlin on the 24th (23:00Z on the 23rd).
  auto p = roster->PersonOnDuty("alice", At("2026-12-23T22:59:00Z")).value();
  CHECK(p.off->reason == OffReason::kOutsideHours);
  auto q = roster->PersonOnDuty("alice", At("2026-12-23T23:00:00Z")).value();
  CHECK(q.off->reason == OffReason::kTimeOff);
}

TEST_CASE("override: bob covers alice's hours inside the override window") {
  auto roster = Build(kTeam);
  auto d = roster->TeamOnDuty("payments", At("2026-11-30T08:30:00Z")).value();
  REQUIRE(d.on_duty.size() == 1);
  CHECK(d.on_duty[0].person == "bob");
  CHECK(d.on_duty[0].covering_for == "alice");
  const auto& off = OffFor(d, "alice");
  CHECK(off.reason == OffReason::kReplaced);
  CHECK(off.detail == "replaced by override: bob covers until Tue 01:00 Europe/Berlin");
  auto bob = roster->PersonOnDuty("bob", At("2026-11-30T08:30:00Z")).value();
  CHECK(bob.on_duty);
  CHECK(bob.on->covering_for == "alice");
  CHECK(bob.on->until == At("2026-11-30T12:00:00Z"));
  // Outside alice's hours the override gives bob nothing extra.
  CHECK_FALSE(roster->PersonOnDuty("bob", At("2026-11-30T13:00:00Z")).value().on_duty);
  // And the day after, alice is back.
  CHECK(Ids(roster->TeamOnDuty("payments", At("2026-12-01T08:30:00Z")).value()) == People{"alice"});
}

TEST_CASE("override: an added person is on duty for the whole window") {
  auto roster = Build(kTeam);
  auto d = roster->TeamOnDuty("payments", At("2026-12-02T03:00:00Z")).value();
  REQUIRE(d.on_duty.size() == 1);
  CHECK(d.on_duty[0].person == "erin");
  CHECK(d.on_duty[0].added);
  CHECK(d.on_duty[0].until == At("2026-12-02T06:00:00Z"));
  CHECK(roster->PersonOnDuty("erin", At("2026-12-02T03:00:00Z")).value().on_duty);
  CHECK_FALSE(roster->PersonOnDuty("erin", At("2026-12-02T06:00:00Z")).value().on_duty);
}

TEST_CASE("run-time overrides join the config's") {
  TempDir dir;
  auto loaded = rota::config::Load(dir.Write("rota.yaml", kTeam));
  REQUIRE(loaded.ok());
  Roster roster(rota::config::ToRosterSpec(
      *loaded.config, {{"rt-1", "carol", "", "payments", At("2026-11-23T12:00:00Z"),
                        At("2026-11-23T13:00:00Z"), "incident"}}));
  CHECK(Ids(roster.TeamOnDuty("payments", At("2026-11-23T12:30:00Z")).value()) == People{"carol"});
}

TEST_CASE("page: one picks the shift's member, or the next who is on duty") {
  auto roster = Build(kRotation);
  // Weekly handoff Mondays 09:00 Berlin from 2026-03-02 (shift 0 = p1).
  auto at = [&](const char* t) { return Ids(roster->TeamOnDuty("db", At(t)).value()); };
  CHECK(at("2026-03-02T07:59:00Z") == People{"p3"});
  CHECK(at("2026-03-02T08:00:00Z") == People{"p1"});
  CHECK(at("2026-03-09T08:00:00Z") == People{"p2"});
  CHECK(at("2026-03-14T12:00:00Z") == People{"p3"});
  CHECK(at("2026-03-16T08:00:00Z") == People{"p3"});
  CHECK(at("2026-03-23T08:00:00Z") == People{"p1"});  // shift 3
  CHECK(at("2026-03-30T06:59:00Z") == People{"p1"});  // 08:59 CEST: still shift 3
  CHECK(at("2026-03-30T07:00:00Z") == People{"p2"});  // 09:00 CEST: shift 4
  auto d = roster->TeamOnDuty("db", At("2026-03-09T08:00:00Z")).value();
  CHECK(OffFor(d, "p1").reason == OffReason::kNotChosen);
  CHECK(OffFor(d, "p1").detail == "in hours, but the rotation pages p2 this shift");
  // Coverage cuts at handoffs.
  auto cov =
      roster->TeamCoverage("db", At("2026-03-09T00:00:00Z"), At("2026-03-10T00:00:00Z")).value();
  REQUIRE(cov.windows.size() == 2);
  CHECK(cov.windows[0].on_duty == People{"p1"});
  CHECK(cov.windows[1].start == At("2026-03-09T08:00:00Z"));
  CHECK(cov.windows[1].on_duty == People{"p2"});
}

TEST_CASE("FormatLocalTime adds the date beyond six days") {
  const auto& z = *FindZone("Europe/Berlin").value();
  CHECK(FormatLocalTime(z, At("2026-11-24T08:00:00Z"), At("2026-11-23T08:00:00Z")) ==
        "Tue 09:00 Europe/Berlin");
  CHECK(FormatLocalTime(z, At("2027-01-04T08:00:00Z"), At("2026-11-23T08:00:00Z")) ==
        "Mon 2027-01-04 09:00 Europe/Berlin");
}
