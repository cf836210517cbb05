// Roster: who is on duty, exactly, for any instant, and where the gaps are.
//
// Input is a RosterSpec (people with hours and time off, teams, overrides),
// built from the config by config::ToRosterSpec plus any run-time overrides.
// The model:
//
//   own(p)       = hours(p) − time_off(p) − override windows replacing p
//   covering(X)  = hours(Y) ∩ [A, B) for each override "X replaces Y from A to B"
//   person duty  = own(p) ∪ covering(p) ∪ additions of p
//   team duty    = page: all → every member's holder (the member while in own
//                  hours, their replacement while covered) plus team additions;
//                  page: one → the rotation's member for the current shift if
//                  it has a holder, else the next member in rotation order who
//                  does, plus team additions.
//
// Queries answer from per-person and per-team timelines computed one UTC week
// at a time and cached, so a lookup is a binary search and a coverage query
// costs in proportion to the windows it returns, not to the span's length.
// Nothing here reads a clock: every query takes its instant.
//
// Thread-safety: all const methods may be called concurrently (the week caches
// are guarded by a mutex). A Roster is immutable otherwise; build a new one to
// change people, teams or overrides.
#pragma once

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/duration.h"
#include "core/error.h"
#include "schedule/hours.h"
#include "schedule/spans.h"
#include "schedule/time_interval.h"

namespace rota::schedule {

struct TimeOffSpec {
  bool whole_days = true;
  date::year_month_day first_day{};  // whole_days: inclusive, person's zone
  date::year_month_day last_day{};
  TimePoint start{};  // !whole_days: [start, end)
  TimePoint end{};
  std::string reason;
};

struct PersonSpec {
  std::string id;
  const date::time_zone* zone = nullptr;  // REQUIRES: non-null
  std::vector<TimeInterval> hours;
  std::vector<TimeOffSpec> time_off;
};

enum class PageMode { kAll, kOne };

struct RotationSpec {
  std::vector<std::string> order;  // person ids, each a team member
  Duration shift_length = std::chrono::hours(24 * 7);
  LocalMinutes start{};  // the first handoff, wall-clock time in `zone`
  const date::time_zone* zone = nullptr;
};

struct TeamSpec {
  std::string id;
  std::vector<std::string> members;
  PageMode page = PageMode::kAll;
  std::optional<RotationSpec> rotation;     // REQUIRES: set when page == kOne
  std::vector<TimeInterval> support_hours;  // empty: no declared support hours
  const date::time_zone* zone = nullptr;    // for support_hours without a location
};

struct OverrideSpec {
  std::string id;
  std::string person;    // who is on duty
  std::string replaces;  // set: "person covers for replaces"; empty: an addition
  std::string team;      // additions only: the team (empty: every team of the person)
  TimePoint start{};
  TimePoint end{};
  std::string note;
};

struct RosterSpec {
  std::vector<PersonSpec> people;
  std::vector<TeamSpec> teams;
  std::vector<OverrideSpec> overrides;
};

enum class OffReason { kOutsideHours, kTimeOff, kReplaced, kNotChosen, kNoHours };
std::string_view OffReasonCode(OffReason r);

struct OffDuty {
  std::string person;
  OffReason reason = OffReason::kOutsideHours;
  std::optional<TimePoint> until;  // when this person is next on duty, within the horizon
  std::string detail;              // "outside hours until Tue 09:00 Europe/Berlin"
};

struct OnDuty {
  std::string person;
  std::string covering_for;        // set when on duty through an override replacing someone
  bool added = false;              // on duty through an "add" override
  std::optional<TimePoint> until;  // end of the current on-duty stretch, within the horizon
};

struct TeamDuty {
  std::string team;
  TimePoint at{};
  std::vector<OnDuty> on_duty;
  std::vector<OffDuty> off_duty;  // one per member not on duty
};

struct PersonDuty {
  std::string person;
  TimePoint at{};
  bool on_duty = false;
  std::optional<OnDuty> on;
  std::optional<OffDuty> off;
};

struct NextDuty {
  TimePoint at{};
  std::vector<std::string> people;
};

struct CoverageWindow {
  TimePoint start{};
  TimePoint end{};
  std::vector<std::string> on_duty;
};

struct CoverageGap {
  TimePoint start{};
  TimePoint end{};
  bool in_support_hours = false;
};

struct Coverage {
  std::string team;
  std::vector<CoverageWindow> windows;
  std::vector<CoverageGap> gaps;
};

// Limits on one long query (a calendar feed, a coverage answer): `stop` is
// asked before each week is looked at (the client went away, rotad stops),
// and the answer may hold at most `max_entries` (coverage: a window and each
// person in it count one; spans: one each). Over the first: Unavailable
// ("stopped"); over the second: TooLarge. Unset: no limit.
struct QueryBounds {
  std::function<bool()> stop;
  std::size_t max_entries = std::numeric_limits<std::size_t>::max();
};

class Roster {
 public:
  // How far ahead "until" and "next on duty" look.
  static constexpr Duration kDefaultHorizon = std::chrono::hours(24 * 366);

  explicit Roster(RosterSpec spec, Duration horizon = kDefaultHorizon);
  ~Roster();
  Roster(const Roster&) = delete;
  Roster& operator=(const Roster&) = delete;

  [[nodiscard]] const RosterSpec& spec() const { return spec_; }
  [[nodiscard]] bool HasTeam(std::string_view id) const;
  [[nodiscard]] bool HasPerson(std::string_view id) const;

  // Who is on duty, with an explanation for every member who is not (API, CLI).
  Result<TeamDuty> TeamOnDuty(std::string_view team, TimePoint t) const;
  // Who is on duty, nothing else: the routing hot path (no until, no reasons).
  Result<std::vector<OnDuty>> TeamOnDutyPeople(std::string_view team, TimePoint t) const;
  Result<PersonDuty> PersonOnDuty(std::string_view person, TimePoint t) const;
  // Whether the person is on duty (own hours, covering, added); false if unknown.
  [[nodiscard]] bool IsOnDuty(std::string_view person, TimePoint t) const;
  // The first instant >= t when someone in the team is on duty, and who.
  Result<std::optional<NextDuty>> NextTeamOnDuty(std::string_view team, TimePoint t) const;
  Result<std::optional<NextDuty>> NextPersonOnDuty(std::string_view person, TimePoint t) const;
  // REQUIRES: from < to.
  Result<Coverage> TeamCoverage(std::string_view team, TimePoint from, TimePoint to,
                                const QueryBounds& bounds = {}) const;
  // The team's support hours within [from, to) (empty when none declared).
  Result<SpanList> SupportHours(std::string_view team, TimePoint from, TimePoint to) const;
  // A person's on-duty spans within [from, to).
  Result<SpanList> PersonDutySpans(std::string_view person, TimePoint from, TimePoint to,
                                   const QueryBounds& bounds = {}) const;

 private:
  struct PersonWeek;
  struct TeamWeek;
  struct Segment;

  std::shared_ptr<const PersonWeek> GetPersonWeek(std::size_t person, std::int64_t week) const;
  std::shared_ptr<const TeamWeek> GetTeamWeek(std::size_t team, std::int64_t week) const;
  std::shared_ptr<const PersonWeek> ComputePersonWeek(std::size_t person, std::int64_t week) const;
  std::shared_ptr<const TeamWeek> ComputeTeamWeek(std::size_t team, std::int64_t week) const;
  std::vector<Segment> TeamSegments(std::size_t team, TimePoint from, TimePoint to) const;
  const std::vector<OnDuty>& PeopleAt(const TeamWeek& week, TimePoint t) const;
  TimePoint RotationBoundary(const RotationSpec& r, std::int64_t k) const;
  std::int64_t RotationShiftAt(const RotationSpec& r, TimePoint t) const;
  std::optional<Span> PersonDutySpanFrom(std::size_t person, TimePoint t) const;
  std::optional<TimePoint> TeamPersonUntil(std::size_t team, const std::string& person,
                                           TimePoint t) const;
  std::optional<TimePoint> NextOwnStart(std::size_t person, TimePoint t) const;
  OffDuty ExplainOff(std::size_t person, TimePoint t) const;

  RosterSpec spec_;
  Duration horizon_;
  std::unordered_map<std::string, std::size_t> person_index_;
  std::unordered_map<std::string, std::size_t> team_index_;
  std::vector<std::vector<std::size_t>> overrides_by_person_;  // person is on duty
  std::vector<std::vector<std::size_t>> overrides_replacing_;  // person is replaced
  std::vector<std::vector<std::size_t>> overrides_by_team_;    // team additions

  mutable std::mutex mu_;
  mutable std::unordered_map<std::uint64_t, std::shared_ptr<const PersonWeek>> person_weeks_;
  mutable std::unordered_map<std::uint64_t, std::shared_ptr<const TeamWeek>> team_weeks_;
};

// Formats an instant on a zone's wall clock: "Tue 09:00 Europe/Berlin", with
// the date added when it is not within the six days after `now`.
std::string FormatLocalTime(const date::time_zone& zone, TimePoint t, TimePoint now);

}  // namespace rota::schedule
