#include "api/schedule_view.h"

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>

#include "core/time.h"
#include "schedule/hours.h"

namespace rota::api {
namespace {

namespace json = boost::json;

json::value Instant(std::optional<TimePoint> t) {
  if (!t) {
    return nullptr;
  }
  return json::value(FormatRfc3339(*t));
}

json::array Ids(const std::vector<schedule::OnDuty>& on) {
  json::array out;
  for (const auto& d : on) {
    out.emplace_back(d.person);
  }
  return out;
}

// "until" on the person's own wall clock: "Tue 13:00 Europe/Berlin".
json::value LocalUntil(const config::Config& config, const std::string& person,
                       const std::optional<TimePoint>& until, TimePoint at) {
  const config::Person* p = config.FindPerson(person);
  if (!until || p == nullptr || p->zone == nullptr) {
    return nullptr;
  }
  return json::value(schedule::FormatLocalTime(*p->zone, *until, at));
}

json::object TeamJson(const config::Config& config, const schedule::Roster& roster,
                      const std::string& team, TimePoint at) {
  const auto duty = roster.TeamOnDuty(team, at).value();
  json::object o;
  o["team"] = team;
  o["on_duty"] = Ids(duty.on_duty);
  json::array details;
  for (const auto& d : duty.on_duty) {
    json::object e;
    e["person"] = d.person;
    e["until"] = Instant(d.until);
    e["until_local"] = LocalUntil(config, d.person, d.until, at);
    e["covering_for"] = d.covering_for.empty() ? json::value(nullptr) : json::value(d.covering_for);
    e["added"] = d.added;
    details.push_back(std::move(e));
  }
  o["on_duty_details"] = std::move(details);
  json::array off;
  for (const auto& d : duty.off_duty) {
    off.push_back(json::object{{"person", d.person},
                               {"reason", d.detail},
                               {"reason_code", schedule::OffReasonCode(d.reason)},
                               {"until", Instant(d.until)}});
  }
  o["off_duty"] = std::move(off);
  if (duty.on_duty.empty()) {
    const auto next = roster.NextTeamOnDuty(team, at).value();
    if (next) {
      json::array people;
      for (const auto& p : next->people) {
        people.emplace_back(p);
      }
      o["next_on_duty"] = json::object{{"at", FormatRfc3339(next->at)}, {"people", people}};
    } else {
      o["next_on_duty"] = nullptr;
    }
  }
  return o;
}

json::object PersonJson(const config::Config& config, const schedule::Roster& roster,
                        const std::string& person, TimePoint at) {
  const auto duty = roster.PersonOnDuty(person, at).value();
  json::object o;
  o["person"] = person;
  o["on_duty"] = duty.on_duty;
  if (duty.on) {
    o["until"] = Instant(duty.on->until);
    o["until_local"] = LocalUntil(config, person, duty.on->until, at);
    o["covering_for"] =
        duty.on->covering_for.empty() ? json::value(nullptr) : json::value(duty.on->covering_for);
  } else {
    o["until"] = Instant(duty.off->until);
    o["until_local"] = LocalUntil(config, person, duty.off->until, at);
    o["reason"] = duty.off->detail;
    o["reason_code"] = schedule::OffReasonCode(duty.off->reason);
  }
  return o;
}

std::string_view Str(const json::value& v, std::string_view key) {
  return v.as_object().at(key).as_string();
}

// An until as text: UTC, and the person's own wall clock when known.
std::string ShortTime(const json::value& entry) {
  const json::value& v = entry.at("until");
  if (v.is_null()) {
    return "further than a year ahead";
  }
  std::string out(v.as_string());
  if (const auto* local = entry.as_object().if_contains("until_local");
      local != nullptr && local->is_string()) {
    out += " (" + std::string(local->as_string()) + ")";
  }
  return out;
}

}  // namespace

Result<json::value> OnCallJson(const config::Config& config, const schedule::Roster& roster,
                               const OnCallQuery& q) {
  if (q.team && !roster.HasTeam(*q.team)) {
    return Fail(Error::NotFound("unknown team \"" + *q.team + "\""));
  }
  if (q.person && !roster.HasPerson(*q.person)) {
    return Fail(Error::NotFound("unknown person \"" + *q.person + "\""));
  }
  json::object out;
  out["at"] = FormatRfc3339(q.at);
  json::array teams;
  json::array people;
  if (q.team || !q.person) {
    for (const auto& t : config.teams) {
      if (!q.team || *q.team == t.id) {
        teams.push_back(TeamJson(config, roster, t.id, q.at));
      }
    }
  }
  for (const auto& p : config.people) {
    bool wanted = !q.team && !q.person;
    if (q.person) {
      wanted = *q.person == p.id;
    } else if (q.team) {
      const auto* team = config.FindTeam(*q.team);
      wanted = std::find(team->members.begin(), team->members.end(), p.id) != team->members.end();
    }
    if (wanted) {
      people.push_back(PersonJson(config, roster, p.id, q.at));
    }
  }
  out["teams"] = std::move(teams);
  out["people"] = std::move(people);
  return json::value(std::move(out));
}

std::string OnCallText(const json::value& oncall) {
  std::ostringstream out;
  out << "at " << Str(oncall, "at") << "\n";
  for (const auto& tv : oncall.at("teams").as_array()) {
    out << "\nteam " << Str(tv, "team") << "\n";
    const auto& details = tv.at("on_duty_details").as_array();
    if (details.empty()) {
      out << "  nobody on duty";
      if (const auto* next = tv.as_object().if_contains("next_on_duty"); next && !next->is_null()) {
        out << "; next: ";
        bool first = true;
        for (const auto& p : next->at("people").as_array()) {
          out << (first ? "" : ", ") << std::string_view(p.as_string());
          first = false;
        }
        out << " at " << std::string_view(next->at("at").as_string());
      }
      out << "\n";
    }
    for (const auto& d : details) {
      out << "  on   " << Str(d, "person");
      if (!d.at("covering_for").is_null()) {
        out << " (covering for " << std::string_view(d.at("covering_for").as_string()) << ")";
      }
      if (d.at("added").as_bool()) {
        out << " (added by override)";
      }
      out << ", until " << ShortTime(d) << "\n";
    }
    for (const auto& d : tv.at("off_duty").as_array()) {
      out << "  off  " << Str(d, "person") << ": " << Str(d, "reason") << "\n";
    }
  }
  if (!oncall.at("people").as_array().empty()) {
    out << "\npeople\n";
  }
  for (const auto& p : oncall.at("people").as_array()) {
    out << "  " << (p.at("on_duty").as_bool() ? "on   " : "off  ") << Str(p, "person");
    if (p.at("on_duty").as_bool()) {
      if (const auto* c = p.as_object().if_contains("covering_for"); c && !c->is_null()) {
        out << " (covering for " << std::string_view(c->as_string()) << ")";
      }
      out << ", until " << ShortTime(p) << "\n";
    } else {
      out << ": " << Str(p, "reason") << "\n";
    }
  }
  return out.str();
}

Result<json::value> CoverageJson(const schedule::Roster& roster, std::string_view team,
                                 TimePoint from, TimePoint to,
                                 const schedule::QueryBounds& bounds) {
  auto cov = roster.TeamCoverage(team, from, to, bounds);
  if (!cov) {
    return Fail(cov.error());
  }
  json::array windows;
  for (const auto& w : cov->windows) {
    json::array ids;
    for (const auto& p : w.on_duty) {
      ids.emplace_back(p);
    }
    windows.push_back(json::object{
        {"start", FormatRfc3339(w.start)}, {"end", FormatRfc3339(w.end)}, {"on_duty", ids}});
  }
  json::array gaps;
  for (const auto& g : cov->gaps) {
    gaps.push_back(json::object{{"start", FormatRfc3339(g.start)},
                                {"end", FormatRfc3339(g.end)},
                                {"in_support_hours", g.in_support_hours}});
  }
  return json::value(json::object{{"team", std::string(team)},
                                  {"from", FormatRfc3339(from)},
                                  {"to", FormatRfc3339(to)},
                                  {"windows", std::move(windows)},
                                  {"gaps", std::move(gaps)}});
}

json::array ChannelTargets(const config::Config& config, std::string_view team) {
  json::array out;
  for (const auto& route : config.routes) {
    const config::Escalation* esc = config.FindEscalation(route.escalation);
    if (esc == nullptr) {
      continue;
    }
    const auto teams = config::TeamsPagedBy(config, *esc);
    if (!std::binary_search(teams.begin(), teams.end(), std::string(team))) {
      continue;
    }
    for (std::size_t s = 0; s < esc->steps.size(); ++s) {
      for (const auto& target : esc->steps[s].notify) {
        if (target.kind == config::Target::Kind::kChannel) {
          out.push_back(json::object{{"route", route.name},
                                     {"escalation", esc->name},
                                     {"step", static_cast<std::int64_t>(s + 1)},
                                     {"channel", target.id}});
        }
      }
    }
  }
  return out;
}

Result<std::string> CoverageText(const config::Config& config, const schedule::Roster& roster,
                                 std::string_view team, TimePoint from, TimePoint to,
                                 const schedule::QueryBounds& bounds) {
  auto cov = roster.TeamCoverage(team, from, to, bounds);
  if (!cov) {
    return Fail(cov.error());
  }
  const config::Team* t = config.FindTeam(team);
  const date::time_zone& zone = *t->zone;
  schedule::SpanList covered;
  schedule::SpanList gap_in;
  schedule::SpanList gap_out;
  for (const auto& w : cov->windows) {
    covered.push_back({w.start, w.end});
  }
  for (const auto& g : cov->gaps) {
    (g.in_support_hours ? gap_in : gap_out).push_back({g.start, g.end});
  }
  covered = schedule::Normalize(std::move(covered));
  gap_in = schedule::Normalize(std::move(gap_in));
  const auto total = [](const schedule::SpanList& spans) {
    Duration d{0};
    for (const auto& s : spans) {
      d += s.end - s.start;
    }
    return d;
  };

  std::ostringstream out;
  out << "team " << team << " (" << zone.name() << "), " << FormatRfc3339(from) << " to "
      << FormatRfc3339(to) << "\n";
  out << "           00  02  04  06  08  10  12  14  16  18  20  22\n";
  const auto to_local = [&](TimePoint p) {
    return zone.to_local(date::sys_time<std::chrono::milliseconds>(p.time_since_epoch()));
  };
  const auto first_day = date::floor<date::days>(to_local(from));
  const auto last_day = date::floor<date::days>(to_local(to - std::chrono::milliseconds(1)));
  for (auto day = first_day; day <= last_day; day += date::days(1)) {
    out << date::format("%a %m-%d  ", day);
    for (int q = 0; q < 96; q += 2) {
      // Two characters per hour would be too wide: one per half hour, judged
      // on both quarters.
      const schedule::LocalMinutes a{day.time_since_epoch() + std::chrono::minutes(q * 15)};
      const schedule::SpanList cell = schedule::Clip(
          schedule::LocalRangeToSpans(zone, a, a + std::chrono::minutes(30)), from, to);
      const Duration len = total(cell);
      char c = ' ';  // outside the range, or a wall-clock time that does not exist (DST)
      if (len.count() > 0) {
        const Duration cov_len = total(schedule::Intersect(cell, covered));
        if (cov_len == len) {
          c = '#';
        } else if (cov_len.count() > 0) {
          c = '+';
        } else if (!schedule::Intersect(cell, gap_in).empty()) {
          c = '!';
        } else {
          c = '.';
        }
      }
      out << c;
    }
    out << "\n";
  }
  out << "legend: # covered  + partly covered  ! gap in support hours  . gap outside support "
         "hours (one character per 30 minutes, "
      << zone.name() << ")\n";
  out << "\nwindows\n";
  for (const auto& w : cov->windows) {
    out << "  " << FormatRfc3339(w.start) << "  " << FormatRfc3339(w.end) << "  ";
    for (std::size_t i = 0; i < w.on_duty.size(); ++i) {
      out << (i > 0 ? ", " : "") << w.on_duty[i];
    }
    out << "\n";
  }
  out << "\ngaps in support hours\n";
  bool any = false;
  for (const auto& g : cov->gaps) {
    if (g.in_support_hours) {
      any = true;
      out << "  " << FormatRfc3339(g.start) << "  " << FormatRfc3339(g.end) << "  ("
          << schedule::FormatLocalTime(zone, g.start, g.start) << ")\n";
    }
  }
  if (!any) {
    out << "  none\n";
  }
  for (const auto& c : ChannelTargets(config, team)) {
    out << "channel:" << std::string_view(c.at("channel").as_string()) << " (escalation "
        << std::string_view(c.at("escalation").as_string()) << ", step " << c.at("step").as_int64()
        << ", route " << std::string_view(c.at("route").as_string())
        << ") is reached at any hour: a channel has no hours\n";
  }
  return out.str();
}

}  // namespace rota::api
