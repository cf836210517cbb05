#include "schedule/roster.h"

#include <algorithm>
#include <set>

namespace rota::schedule {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;

constexpr Duration kWeek = std::chrono::hours(24 * 7);
// Weeks start on Monday 00:00 UTC (1970-01-05).
constexpr TimePoint kWeekEpoch{std::chrono::milliseconds(4LL * 24 * 3600 * 1000)};
constexpr std::size_t kMaxCachedWeeks = 1U << 14U;

std::int64_t WeekOf(TimePoint t) {
  const auto d = (t - kWeekEpoch).count();
  const auto w = kWeek.count();
  return d >= 0 ? d / w : -((-d + w - 1) / w);
}

TimePoint WeekStart(std::int64_t week) { return kWeekEpoch + week * kWeek; }

std::uint64_t Key(std::size_t index, std::int64_t week) {
  return (static_cast<std::uint64_t>(index) << 40U) ^
         (static_cast<std::uint64_t>(week) & ((std::uint64_t{1} << 40U) - 1));
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

SpanList TimeOffSpans(const PersonSpec& p, TimePoint from, TimePoint to) {
  SpanList out;
  for (const auto& off : p.time_off) {
    if (off.whole_days) {
      const LocalMinutes a{date::local_days{off.first_day}.time_since_epoch()};
      const LocalMinutes b{(date::local_days{off.last_day} + days(1)).time_since_epoch()};
      auto s = LocalRangeToSpans(*p.zone, a, b);
      out.insert(out.end(), s.begin(), s.end());
    } else {
      out.push_back({off.start, off.end});
    }
  }
  return Clip(Normalize(std::move(out)), from, to);
}

bool SamePeople(const std::vector<OnDuty>& a, const std::vector<OnDuty>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].person != b[i].person || a[i].covering_for != b[i].covering_for ||
        a[i].added != b[i].added) {
      return false;
    }
  }
  return true;
}

std::string FormatDate(date::year_month_day d) { return date::format("%F", d); }

}  // namespace

std::string_view OffReasonCode(OffReason r) {
  switch (r) {
    case OffReason::kOutsideHours:
      return "outside_hours";
    case OffReason::kTimeOff:
      return "time_off";
    case OffReason::kReplaced:
      return "replaced";
    case OffReason::kNotChosen:
      return "not_chosen";
    case OffReason::kNoHours:
      return "no_hours";
  }
  return "outside_hours";
}

std::string FormatLocalTime(const date::time_zone& zone, TimePoint t, TimePoint now) {
  const auto zt = date::make_zoned(&zone, date::sys_time<milliseconds>(t.time_since_epoch()));
  const auto local = date::floor<std::chrono::minutes>(zt.get_local_time());
  const bool soon = t >= now && t - now < std::chrono::hours(24 * 6);
  return date::format(soon ? "%a %H:%M" : "%a %F %H:%M", local) + " " + std::string(zone.name());
}

// ---- per-week data ---------------------------------------------------------

struct Roster::PersonWeek {
  SpanList hours;
  SpanList off;
  SpanList own;                                               // hours − off − replaced windows
  SpanList duty;                                              // own ∪ covering ∪ additions
  std::vector<std::pair<SpanList, std::string>> replaced_by;  // (spans, coverer)
  std::vector<std::pair<SpanList, std::string>> covering;     // (spans, covered person)
  SpanList added;                                             // every addition (person-level duty)
  SpanList added_global;  // additions without a team: count for every team of the person
};

struct Roster::Segment {
  Span span;
  std::vector<OnDuty> people;
};

struct Roster::TeamWeek {
  std::vector<Segment> segments;  // tiles the week, merged
};

Roster::Roster(RosterSpec spec, Duration horizon) : spec_(std::move(spec)), horizon_(horizon) {
  for (std::size_t i = 0; i < spec_.people.size(); ++i) {
    person_index_.emplace(spec_.people[i].id, i);
  }
  for (std::size_t i = 0; i < spec_.teams.size(); ++i) {
    team_index_.emplace(spec_.teams[i].id, i);
  }
  overrides_by_person_.resize(spec_.people.size());
  overrides_replacing_.resize(spec_.people.size());
  overrides_by_team_.resize(spec_.teams.size());
  for (std::size_t i = 0; i < spec_.overrides.size(); ++i) {
    const auto& o = spec_.overrides[i];
    if (auto it = person_index_.find(o.person); it != person_index_.end()) {
      overrides_by_person_[it->second].push_back(i);
    }
    if (!o.replaces.empty()) {
      if (auto it = person_index_.find(o.replaces); it != person_index_.end()) {
        overrides_replacing_[it->second].push_back(i);
      }
    } else if (!o.team.empty()) {
      if (auto it = team_index_.find(o.team); it != team_index_.end()) {
        overrides_by_team_[it->second].push_back(i);
      }
    }
  }
}

Roster::~Roster() = default;

bool Roster::HasTeam(std::string_view id) const { return team_index_.count(std::string(id)) > 0; }
bool Roster::HasPerson(std::string_view id) const {
  return person_index_.count(std::string(id)) > 0;
}

namespace {

// Looks `key` up in a week cache, computing (outside the lock) on a miss. Two
// threads missing together both compute; the results are equal.
template <typename T, typename Compute>
std::shared_ptr<const T> Cached(std::mutex& mu,
                                std::unordered_map<std::uint64_t, std::shared_ptr<const T>>& cache,
                                std::uint64_t key, Compute compute) {
  {
    std::lock_guard lock(mu);
    if (auto it = cache.find(key); it != cache.end()) {
      return it->second;
    }
  }
  std::shared_ptr<const T> computed = compute();
  std::lock_guard lock(mu);
  if (cache.size() >= kMaxCachedWeeks) {
    cache.clear();
  }
  cache.emplace(key, computed);
  return computed;
}

}  // namespace

std::shared_ptr<const Roster::PersonWeek> Roster::GetPersonWeek(std::size_t person,
                                                                std::int64_t week) const {
  return Cached(mu_, person_weeks_, Key(person, week),
                [&] { return ComputePersonWeek(person, week); });
}

std::shared_ptr<const Roster::TeamWeek> Roster::GetTeamWeek(std::size_t team,
                                                            std::int64_t week) const {
  return Cached(mu_, team_weeks_, Key(team, week), [&] { return ComputeTeamWeek(team, week); });
}

std::shared_ptr<const Roster::PersonWeek> Roster::ComputePersonWeek(std::size_t person,
                                                                    std::int64_t week) const {
  const PersonSpec& p = spec_.people[person];
  const TimePoint from = WeekStart(week);
  const TimePoint to = from + kWeek;
  auto pw = std::make_shared<PersonWeek>();
  pw->hours = IntervalSpans(p.hours, *p.zone, from, to);
  pw->off = TimeOffSpans(p, from, to);
  SpanList replaced_windows;
  for (std::size_t oi : overrides_replacing_[person]) {
    const auto& o = spec_.overrides[oi];
    replaced_windows = Union(replaced_windows, Clip({{o.start, o.end}}, from, to));
    auto spans = Clip(pw->hours, o.start, o.end);
    if (!spans.empty()) {
      pw->replaced_by.emplace_back(std::move(spans), o.person);
    }
  }
  pw->own = Subtract(Subtract(pw->hours, pw->off), replaced_windows);
  pw->duty = pw->own;
  for (std::size_t oi : overrides_by_person_[person]) {
    const auto& o = spec_.overrides[oi];
    if (o.end <= from || o.start >= to) {
      continue;
    }
    if (!o.replaces.empty()) {
      const auto it = person_index_.find(o.replaces);
      if (it == person_index_.end()) {
        continue;
      }
      const PersonSpec& y = spec_.people[it->second];
      auto spans = IntervalSpans(y.hours, *y.zone, std::max(from, o.start), std::min(to, o.end));
      if (!spans.empty()) {
        pw->duty = Union(pw->duty, spans);
        pw->covering.emplace_back(std::move(spans), o.replaces);
      }
    } else {
      const auto window = Clip({{o.start, o.end}}, from, to);
      pw->added = Union(pw->added, window);
      if (o.team.empty()) {
        pw->added_global = Union(pw->added_global, window);
      }
    }
  }
  pw->duty = Union(pw->duty, pw->added);
  return pw;
}

TimePoint Roster::RotationBoundary(const RotationSpec& r, std::int64_t k) const {
  const auto day_ms = std::chrono::duration_cast<milliseconds>(days(1)).count();
  if (r.shift_length.count() % day_ms == 0) {
    // Whole days: hand off at the same wall-clock time each time.
    const auto n_days = r.shift_length.count() / day_ms;
    return FirstInstantAtOrAfter(*r.zone, r.start + days(k * n_days));
  }
  return FirstInstantAtOrAfter(*r.zone, r.start) + k * r.shift_length;
}

std::int64_t Roster::RotationShiftAt(const RotationSpec& r, TimePoint t) const {
  const TimePoint b0 = RotationBoundary(r, 0);
  std::int64_t k = FloorDiv((t - b0).count(), r.shift_length.count());
  // Wall-clock shifts drift from the estimate by DST offsets: settle exactly.
  while (t < RotationBoundary(r, k)) {
    --k;
  }
  while (t >= RotationBoundary(r, k + 1)) {
    ++k;
  }
  return k;
}

std::vector<Roster::Segment> Roster::TeamSegments(std::size_t team, TimePoint from,
                                                  TimePoint to) const {
  const TeamSpec& ts = spec_.teams[team];
  const std::int64_t week = WeekOf(from);
  std::vector<std::shared_ptr<const PersonWeek>> weeks;
  std::vector<std::size_t> member_idx;
  std::vector<TimePoint> cuts{from, to};
  for (const auto& id : ts.members) {
    const auto it = person_index_.find(id);
    if (it == person_index_.end()) {
      continue;
    }
    member_idx.push_back(it->second);
    auto pw = GetPersonWeek(it->second, week);
    for (const auto& s : pw->own) {
      cuts.push_back(s.start);
      cuts.push_back(s.end);
    }
    for (const auto& [spans, _] : pw->replaced_by) {
      for (const auto& s : spans) {
        cuts.push_back(s.start);
        cuts.push_back(s.end);
      }
    }
    for (const auto& s : pw->added_global) {
      cuts.push_back(s.start);
      cuts.push_back(s.end);
    }
    weeks.push_back(std::move(pw));
  }
  SpanList team_adds;
  std::vector<std::pair<Span, std::string>> adds;
  for (std::size_t oi : overrides_by_team_[team]) {
    const auto& o = spec_.overrides[oi];
    for (const auto& s : Clip({{o.start, o.end}}, from, to)) {
      adds.emplace_back(s, o.person);
      cuts.push_back(s.start);
      cuts.push_back(s.end);
    }
  }
  if (ts.page == PageMode::kOne && ts.rotation) {
    for (std::int64_t k = RotationShiftAt(*ts.rotation, from) + 1;; ++k) {
      const TimePoint b = RotationBoundary(*ts.rotation, k);
      if (b >= to) {
        break;
      }
      cuts.push_back(b);
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

  std::vector<Segment> out;
  for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
    const TimePoint a = cuts[c];
    const TimePoint b = cuts[c + 1];
    if (a < from || b > to) {
      continue;
    }
    // The holder of each member's slot at `a`: the member, or who covers them.
    std::vector<std::optional<OnDuty>> holders(member_idx.size());
    for (std::size_t m = 0; m < member_idx.size(); ++m) {
      const auto& pw = *weeks[m];
      const std::string& id = spec_.people[member_idx[m]].id;
      if (Contains(pw.own, a) || Contains(pw.added_global, a)) {
        holders[m] = OnDuty{id, "", !Contains(pw.own, a), std::nullopt};
        continue;
      }
      for (const auto& [spans, coverer] : pw.replaced_by) {
        if (Contains(spans, a)) {
          holders[m] = OnDuty{coverer, id, false, std::nullopt};
          break;
        }
      }
    }
    std::vector<OnDuty> people;
    const auto add_unique = [&](OnDuty d) {
      for (const auto& existing : people) {
        if (existing.person == d.person) {
          return;
        }
      }
      people.push_back(std::move(d));
    };
    if (ts.page == PageMode::kOne && ts.rotation && !ts.rotation->order.empty()) {
      const auto& order = ts.rotation->order;
      const auto n = static_cast<std::int64_t>(order.size());
      const std::int64_t k = ((RotationShiftAt(*ts.rotation, a) % n) + n) % n;
      for (std::int64_t j = 0; j < n; ++j) {
        const std::string& want = order[static_cast<std::size_t>((k + j) % n)];
        const auto it = std::find_if(member_idx.begin(), member_idx.end(),
                                     [&](std::size_t idx) { return spec_.people[idx].id == want; });
        if (it == member_idx.end()) {
          continue;
        }
        const auto& h = holders[static_cast<std::size_t>(it - member_idx.begin())];
        if (h) {
          add_unique(*h);
          break;
        }
      }
    } else {
      for (auto& h : holders) {
        if (h) {
          add_unique(*h);
        }
      }
    }
    for (const auto& [span, person] : adds) {
      if (span.start <= a && a < span.end) {
        add_unique(OnDuty{person, "", true, std::nullopt});
      }
    }
    if (!out.empty() && out.back().span.end == a && SamePeople(out.back().people, people)) {
      out.back().span.end = b;
    } else {
      out.push_back(Segment{{a, b}, std::move(people)});
    }
  }
  return out;
}

std::shared_ptr<const Roster::TeamWeek> Roster::ComputeTeamWeek(std::size_t team,
                                                                std::int64_t week) const {
  auto tw = std::make_shared<TeamWeek>();
  const TimePoint from = WeekStart(week);
  tw->segments = TeamSegments(team, from, from + kWeek);
  return tw;
}

std::optional<Span> Roster::PersonDutySpanFrom(std::size_t person, TimePoint t) const {
  std::optional<Span> found;
  const std::int64_t last = WeekOf(t + horizon_);
  for (std::int64_t w = WeekOf(t); w <= last; ++w) {
    const auto pw = GetPersonWeek(person, w);
    for (const auto& s : pw->duty) {
      if (s.end <= t) {
        continue;
      }
      if (!found) {
        found = s;
      } else if (s.start == found->end) {
        found->end = s.end;  // the same stretch, continued into this week
      } else {
        return found;
      }
    }
    if (found && found->end < WeekStart(w) + kWeek) {
      return found;
    }
  }
  return found;
}

std::optional<TimePoint> Roster::NextOwnStart(std::size_t person, TimePoint t) const {
  const std::int64_t last = WeekOf(t + horizon_);
  for (std::int64_t w = WeekOf(t); w <= last; ++w) {
    const auto pw = GetPersonWeek(person, w);
    for (const auto& s : pw->own) {
      if (s.end > t) {
        return std::max(s.start, t);
      }
    }
  }
  return std::nullopt;
}

std::optional<TimePoint> Roster::TeamPersonUntil(std::size_t team, const std::string& person,
                                                 TimePoint t) const {
  const std::int64_t last = WeekOf(t + horizon_);
  for (std::int64_t w = WeekOf(t); w <= last; ++w) {
    const auto tw = GetTeamWeek(team, w);
    for (const auto& seg : tw->segments) {
      if (seg.span.end <= t) {
        continue;
      }
      const bool present = std::any_of(seg.people.begin(), seg.people.end(),
                                       [&](const OnDuty& d) { return d.person == person; });
      if (!present) {
        return std::max(seg.span.start, t);
      }
    }
  }
  return std::nullopt;
}

OffDuty Roster::ExplainOff(std::size_t person, TimePoint t) const {
  const PersonSpec& p = spec_.people[person];
  const auto pw = GetPersonWeek(person, WeekOf(t));
  OffDuty off;
  off.person = p.id;
  off.until = NextOwnStart(person, t);
  for (const auto& [spans, coverer] : pw->replaced_by) {
    if (Contains(spans, t)) {
      off.reason = OffReason::kReplaced;
      for (std::size_t oi : overrides_replacing_[person]) {
        const auto& o = spec_.overrides[oi];
        if (o.person == coverer && o.start <= t && t < o.end) {
          off.detail = "replaced by override: " + coverer + " covers until " +
                       FormatLocalTime(*p.zone, o.end, t);
          return off;
        }
      }
    }
  }
  if (Contains(pw->off, t)) {
    off.reason = OffReason::kTimeOff;
    for (const auto& to : p.time_off) {
      const bool inside =
          to.whole_days
              ? Contains(
                    LocalRangeToSpans(
                        *p.zone, LocalMinutes{date::local_days{to.first_day}.time_since_epoch()},
                        LocalMinutes{(date::local_days{to.last_day} + days(1)).time_since_epoch()}),
                    t)
              : (to.start <= t && t < to.end);
      if (inside) {
        off.detail = "time off until " + (to.whole_days ? FormatDate(to.last_day)
                                                        : FormatLocalTime(*p.zone, to.end, t));
        if (!to.reason.empty()) {
          off.detail += " (" + to.reason + ")";
        }
        return off;
      }
    }
    off.detail = "time off";
    return off;
  }
  if (off.until) {
    off.reason = OffReason::kOutsideHours;
    off.detail = "outside hours until " + FormatLocalTime(*p.zone, *off.until, t);
  } else {
    off.reason = OffReason::kNoHours;
    off.detail = "no hours in the next " +
                 std::to_string(std::chrono::duration_cast<days>(horizon_).count()) + " days";
  }
  return off;
}

const std::vector<OnDuty>& Roster::PeopleAt(const TeamWeek& week, TimePoint t) const {
  static const std::vector<OnDuty> kNobody;
  const auto it = std::upper_bound(week.segments.begin(), week.segments.end(), t,
                                   [](TimePoint v, const Segment& s) { return v < s.span.end; });
  if (it == week.segments.end() || it->span.start > t) {
    return kNobody;
  }
  return it->people;
}

Result<std::vector<OnDuty>> Roster::TeamOnDutyPeople(std::string_view team, TimePoint t) const {
  const auto it = team_index_.find(std::string(team));
  if (it == team_index_.end()) {
    return Fail(Error::NotFound("unknown team \"" + std::string(team) + "\""));
  }
  const auto tw = GetTeamWeek(it->second, WeekOf(t));
  return PeopleAt(*tw, t);
}

Result<TeamDuty> Roster::TeamOnDuty(std::string_view team, TimePoint t) const {
  const auto it = team_index_.find(std::string(team));
  if (it == team_index_.end()) {
    return Fail(Error::NotFound("unknown team \"" + std::string(team) + "\""));
  }
  const TeamSpec& ts = spec_.teams[it->second];
  TeamDuty out;
  out.team = ts.id;
  out.at = t;
  out.on_duty = PeopleAt(*GetTeamWeek(it->second, WeekOf(t)), t);
  for (auto& d : out.on_duty) {
    d.until = TeamPersonUntil(it->second, d.person, t);
  }
  for (const auto& id : ts.members) {
    const bool on = std::any_of(out.on_duty.begin(), out.on_duty.end(),
                                [&](const OnDuty& d) { return d.person == id; });
    if (on) {
      continue;
    }
    const std::size_t pi = person_index_.at(id);
    const auto pw = GetPersonWeek(pi, WeekOf(t));
    if (Contains(pw->own, t)) {
      OffDuty off{id, OffReason::kNotChosen, std::nullopt, "on duty, but not this shift's pick"};
      if (!out.on_duty.empty()) {
        off.detail =
            "in hours, but the rotation pages " + out.on_duty.front().person + " this shift";
      }
      out.off_duty.push_back(std::move(off));
    } else {
      out.off_duty.push_back(ExplainOff(pi, t));
    }
  }
  return out;
}

bool Roster::IsOnDuty(std::string_view person, TimePoint t) const {
  const auto it = person_index_.find(std::string(person));
  if (it == person_index_.end()) {
    return false;
  }
  return Contains(GetPersonWeek(it->second, WeekOf(t))->duty, t);
}

Result<PersonDuty> Roster::PersonOnDuty(std::string_view person, TimePoint t) const {
  const auto it = person_index_.find(std::string(person));
  if (it == person_index_.end()) {
    return Fail(Error::NotFound("unknown person \"" + std::string(person) + "\""));
  }
  PersonDuty out;
  out.person = std::string(person);
  out.at = t;
  const auto pw = GetPersonWeek(it->second, WeekOf(t));
  if (Contains(pw->duty, t)) {
    OnDuty on{out.person, "", false, std::nullopt};
    if (!Contains(pw->own, t)) {
      for (const auto& [spans, covered] : pw->covering) {
        if (Contains(spans, t)) {
          on.covering_for = covered;
          break;
        }
      }
      on.added = on.covering_for.empty() && Contains(pw->added, t);
    }
    if (auto span = PersonDutySpanFrom(it->second, t); span && span->end < t + horizon_) {
      on.until = span->end;  // beyond the horizon: no end in sight
    }
    out.on_duty = true;
    out.on = std::move(on);
  } else {
    out.off = ExplainOff(it->second, t);
    if (auto span = PersonDutySpanFrom(it->second, t)) {
      out.off->until = span->start;  // covering someone counts as on duty too
    }
  }
  return out;
}

Result<std::optional<NextDuty>> Roster::NextTeamOnDuty(std::string_view team, TimePoint t) const {
  const auto it = team_index_.find(std::string(team));
  if (it == team_index_.end()) {
    return Fail(Error::NotFound("unknown team \"" + std::string(team) + "\""));
  }
  const std::int64_t last = WeekOf(t + horizon_);
  for (std::int64_t w = WeekOf(t); w <= last; ++w) {
    const auto tw = GetTeamWeek(it->second, w);
    for (const auto& seg : tw->segments) {
      if (seg.span.end <= t || seg.people.empty()) {
        continue;
      }
      NextDuty next{std::max(seg.span.start, t), {}};
      for (const auto& d : seg.people) {
        next.people.push_back(d.person);
      }
      return std::optional<NextDuty>(std::move(next));
    }
  }
  return std::optional<NextDuty>();
}

Result<std::optional<NextDuty>> Roster::NextPersonOnDuty(std::string_view person,
                                                         TimePoint t) const {
  const auto it = person_index_.find(std::string(person));
  if (it == person_index_.end()) {
    return Fail(Error::NotFound("unknown person \"" + std::string(person) + "\""));
  }
  if (auto span = PersonDutySpanFrom(it->second, t)) {
    return std::optional<NextDuty>(NextDuty{std::max(span->start, t), {std::string(person)}});
  }
  return std::optional<NextDuty>();
}

Result<SpanList> Roster::SupportHours(std::string_view team, TimePoint from, TimePoint to) const {
  const auto it = team_index_.find(std::string(team));
  if (it == team_index_.end()) {
    return Fail(Error::NotFound("unknown team \"" + std::string(team) + "\""));
  }
  const TeamSpec& ts = spec_.teams[it->second];
  if (ts.support_hours.empty()) {
    return SpanList{};
  }
  return IntervalSpans(ts.support_hours, *ts.zone, from, to);
}

namespace {

Error Stopped() { return Error::Unavailable("stopped before the answer was complete"); }

Error TooMany(std::size_t max) {
  return Error::TooLarge("the answer would hold more than " + std::to_string(max) +
                         " entries; ask for a shorter span");
}

}  // namespace

Result<SpanList> Roster::PersonDutySpans(std::string_view person, TimePoint from, TimePoint to,
                                         const QueryBounds& bounds) const {
  const auto it = person_index_.find(std::string(person));
  if (it == person_index_.end()) {
    return Fail(Error::NotFound("unknown person \"" + std::string(person) + "\""));
  }
  SpanList out;
  for (std::int64_t w = WeekOf(from); WeekStart(w) < to; ++w) {
    if (bounds.stop && bounds.stop()) {
      return Fail(Stopped());
    }
    out = Union(out, Clip(GetPersonWeek(it->second, w)->duty, from, to));
    if (out.size() > bounds.max_entries) {
      return Fail(TooMany(bounds.max_entries));
    }
  }
  return out;
}

Result<Coverage> Roster::TeamCoverage(std::string_view team, TimePoint from, TimePoint to,
                                      const QueryBounds& bounds) const {
  const auto it = team_index_.find(std::string(team));
  if (it == team_index_.end()) {
    return Fail(Error::NotFound("unknown team \"" + std::string(team) + "\""));
  }
  if (to <= from) {
    return Fail(Error::InvalidArgument("coverage: --to must be after --from"));
  }
  Coverage out;
  out.team = std::string(team);
  std::vector<Segment> segs;
  std::size_t entries = 0;
  for (std::int64_t w = WeekOf(from); WeekStart(w) < to; ++w) {
    if (bounds.stop && bounds.stop()) {
      return Fail(Stopped());
    }
    const auto tw = GetTeamWeek(it->second, w);
    for (const auto& seg : tw->segments) {
      const TimePoint a = std::max(seg.span.start, from);
      const TimePoint b = std::min(seg.span.end, to);
      if (a >= b) {
        continue;
      }
      if (!segs.empty() && segs.back().span.end == a &&
          SamePeople(segs.back().people, seg.people)) {
        segs.back().span.end = b;
      } else {
        segs.push_back(Segment{{a, b}, seg.people});
        entries += 1 + seg.people.size();
        if (entries > bounds.max_entries) {
          return Fail(TooMany(bounds.max_entries));
        }
      }
    }
  }
  SpanList gaps;
  for (const auto& seg : segs) {
    if (seg.people.empty()) {
      gaps.push_back(seg.span);
      continue;
    }
    CoverageWindow win{seg.span.start, seg.span.end, {}};
    for (const auto& d : seg.people) {
      win.on_duty.push_back(d.person);
    }
    out.windows.push_back(std::move(win));
  }
  gaps = Normalize(std::move(gaps));
  const SpanList support = SupportHours(team, from, to).value();
  for (const auto& s : Intersect(gaps, support)) {
    out.gaps.push_back({s.start, s.end, true});
  }
  for (const auto& s : Subtract(gaps, support)) {
    out.gaps.push_back({s.start, s.end, false});
  }
  std::sort(out.gaps.begin(), out.gaps.end(),
            [](const CoverageGap& a, const CoverageGap& b) { return a.start < b.start; });
  return out;
}

}  // namespace rota::schedule
