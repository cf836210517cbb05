#include "config/roster_spec.h"

namespace rota::config {
namespace {

date::year_month_day ToDate(std::chrono::year_month_day d) {
  return date::year_month_day{
      date::sys_days{date::days{std::chrono::sys_days(d).time_since_epoch().count()}}};
}

}  // namespace

schedule::RosterSpec ToRosterSpec(const Config& config,
                                  std::vector<schedule::OverrideSpec> runtime_overrides) {
  schedule::RosterSpec spec;
  spec.people.reserve(config.people.size());
  for (const auto& p : config.people) {
    schedule::PersonSpec ps;
    ps.id = p.id;
    ps.zone = p.zone;
    ps.hours = p.hours.intervals;
    for (const auto& off : p.time_off) {
      schedule::TimeOffSpec t;
      t.whole_days = off.kind == TimeOff::Kind::kDates;
      t.first_day = ToDate(off.first_day);
      t.last_day = ToDate(off.last_day);
      t.start = off.start;
      t.end = off.end;
      t.reason = off.reason;
      ps.time_off.push_back(std::move(t));
    }
    spec.people.push_back(std::move(ps));
  }
  for (const auto& t : config.teams) {
    schedule::TeamSpec ts;
    ts.id = t.id;
    ts.members = t.members;
    ts.page = t.page;
    if (t.rotation) {
      ts.rotation = schedule::RotationSpec{t.rotation->order, t.rotation->shift_length,
                                           t.rotation->start, t.rotation->zone};
    }
    ts.support_hours = t.support_hours.intervals;
    ts.zone = t.zone;
    spec.teams.push_back(std::move(ts));
  }
  for (const auto& o : config.overrides) {
    spec.overrides.push_back({o.id, o.person, o.replaces, o.team, o.start, o.end, o.note});
  }
  for (auto& o : runtime_overrides) {
    spec.overrides.push_back(std::move(o));
  }
  return spec;
}

}  // namespace rota::config
