// /ui/teams, /ui/teams/{id} and /ui/people/{id}: hours as week grids (in
// the person's zone and the viewer's), time off, overrides, rotation order;
// the cover-for form (POST /ui/overrides -> POST /api/v1/overrides) and
// the removal of a run-time override (-> DELETE /api/v1/overrides/{id}).
#include <algorithm>
#include <boost/json.hpp>

#include "config/roster_spec.h"
#include "core/time.h"
#include "schedule/hours.h"
#include "ui/calendar.h"
#include "ui/coverage_svg.h"
#include "ui/routes.h"

namespace rota::ui {
namespace {

namespace json = boost::json;

json::array PeopleOptions(const config::Config& c, const std::vector<std::string>* only = nullptr) {
  json::array out;
  for (const auto& p : c.people) {
    if (only != nullptr && std::find(only->begin(), only->end(), p.id) == only->end()) {
      continue;
    }
    out.push_back(
        json::object{{"id", p.id}, {"name", p.name.empty() ? p.id : p.name + " (" + p.id + ")"}});
  }
  return out;
}

// The person's declared hours (before time off and overrides) around this
// week, for the grids.
schedule::SpanList HoursAround(const config::Person& p, TimePoint now) {
  return schedule::IntervalSpans(p.hours.intervals, *p.zone, now - std::chrono::hours(24 * 9),
                                 now + std::chrono::hours(24 * 9));
}

std::string Grids(const config::Person& p, const Visitor& v, TimePoint now) {
  const auto spans = HoursAround(p, now);
  std::string html = "<div class=\"grids\">" + WeekGrid(spans, *p.zone, now, "their hours");
  if (v.zone->name() != p.zone->name()) {
    html += WeekGrid(spans, *v.zone, now, "on your clock");
  }
  return html + "</div>";
}

std::string OverridesHtml(const config::Config& c,
                          const std::vector<schedule::OverrideSpec>& runtime,
                          const std::vector<std::string>& people, const Visitor& v, TimePoint now,
                          const std::string& back, const std::string& team = {}) {
  json::array rows;
  const auto add = [&](const schedule::OverrideSpec& o, bool removable) {
    const bool concerns = std::find(people.begin(), people.end(), o.person) != people.end() ||
                          std::find(people.begin(), people.end(), o.replaces) != people.end() ||
                          (!team.empty() && o.team == team);
    if (!concerns || o.end <= now) {
      return;
    }
    rows.push_back(json::object{
        {"id", o.id},
        {"person", PersonName(c, o.person)},
        {"for", o.replaces.empty() ? "added" + (o.team.empty() ? std::string() : " to " + o.team)
                                   : PersonName(c, o.replaces)},
        {"start", LocalTime(*v.zone, o.start, now)},
        {"start_iso", FormatRfc3339(o.start)},
        {"end", LocalTime(*v.zone, o.end, now)},
        {"end_iso", FormatRfc3339(o.end)},
        {"note", o.note},
        {"removable", removable},
        {"csrf", v.csrf},
        {"back", back}});
  };
  for (const auto& o : config::ToRosterSpec(c).overrides) {
    add(o, false);
  }
  for (const auto& o : runtime) {
    add(o, true);
  }
  return RenderFragment("overrides.html", json::object{{"overrides", std::move(rows)}});
}

// A time interval entry in words: "monday:friday 08:00-20:00 (Europe/Berlin)".
std::string IntervalText(const schedule::TimeInterval& ti, const date::time_zone& zone) {
  static const char* kDays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                "thursday", "friday", "saturday"};
  std::string days;
  for (const auto& r : ti.weekdays) {
    days += (days.empty() ? "" : ", ") + std::string(kDays[r.begin % 7]) +
            (r.end != r.begin ? ":" + std::string(kDays[r.end % 7]) : std::string());
  }
  std::string times;
  for (const auto& t : ti.times) {
    const auto hm = [](int mins) {
      const auto two = [](int n) { return (n < 10 ? "0" : "") + std::to_string(n); };
      return two(mins / 60) + ":" + two(mins % 60);
    };
    times += (times.empty() ? "" : ", ") + hm(t.start_minute) + "-" + hm(t.end_minute);
  }
  std::string out = days.empty() ? "every day" : days;
  out += times.empty() ? ", all day" : " " + times;
  if (!ti.days_of_month.empty() || !ti.months.empty() || !ti.years.empty()) {
    out += " (on some dates only)";
  }
  return out + " (" + (ti.zone != nullptr ? ti.zone->name() : zone.name()) + ")";
}

// How the team is paged: each route that pages it, its escalation's steps.
json::array EscalationsOf(const config::Config& c, const std::string& team) {
  json::array out;
  for (const config::Route& route : c.routes) {
    const config::Escalation* esc = c.FindEscalation(route.escalation);
    if (esc == nullptr) {
      continue;
    }
    const auto teams = config::TeamsPagedBy(c, *esc);
    if (std::find(teams.begin(), teams.end(), team) == teams.end()) {
      continue;
    }
    json::array steps;
    for (std::size_t s = 0; s < esc->steps.size(); ++s) {
      const auto& step = esc->steps[s];
      std::string targets;
      for (const auto& t : step.notify) {
        targets += (targets.empty() ? "" : ", ") + t.ToString();
      }
      const auto nobody = step.when_nobody_on_duty.value_or(esc->when_nobody_on_duty);
      steps.push_back(json::object{
          {"n", s + 1},
          {"targets", targets},
          {"after",
           s + 1 < esc->steps.size() || esc->repeat > 0 ? FormatDuration(step.escalate_after) : ""},
          {"nobody", std::string(config::NobodyOnDutyName(nobody))}});
    }
    json::object e{{"route", route.name}, {"escalation", esc->name}, {"steps", std::move(steps)}};
    if (esc->repeat > 0) {
      e["repeat"] = esc->repeat;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string DayText(std::chrono::year_month_day d) {
  return date::format("%a %d %b %Y",
                      date::year_month_day(date::year(static_cast<int>(d.year())),
                                           date::month(static_cast<unsigned>(d.month())),
                                           date::day(static_cast<unsigned>(d.day()))));
}

json::array TimeOffList(const config::Person& p, const Visitor& v, TimePoint now) {
  json::array off;
  for (const auto& o : p.time_off) {
    std::string what =
        o.kind == config::TimeOff::Kind::kDates
            ? DayText(o.first_day) + (o.first_day == o.last_day ? "" : " to " + DayText(o.last_day))
            : LocalTime(*v.zone, o.start, now) + " to " + LocalTime(*v.zone, o.end, now);
    if (!o.reason.empty()) {
      what += " (" + o.reason + ")";
    }
    off.push_back(json::object{{"what", what}});
  }
  return off;
}

// What a team's or a person's page is made from.
struct PageArgs {
  api::Host::Snapshot snap;
  std::string id;
  Visitor v;
  TimePoint now{};
  std::string note;                             // the "done" note of a form that came back here
  std::vector<schedule::OverrideSpec> runtime;  // read on the strand
};

// GET `pattern` for one team or person: 404 unless `exists`, else the page
// `render` makes, with the run-time overrides read on the strand and the
// page rendered off it.
void EntityPage(http::Router& router, const char* pattern, const Ctx& ctx, std::string what,
                bool (*exists)(const config::Config&, const std::string&),
                std::string (*render)(const PageArgs&)) {
  router.Handle(
      "GET", pattern, http::Access::kUi,
      [ctx, what, exists, render](http::Request& req, http::Reply reply) {
        PageArgs a{ctx->host.Current(), req.params.at("id"), Visit(*ctx, req),
                   ctx->host.Now(),     Flash(req),          {}};
        if (!exists(*a.snap.config, a.id)) {
          reply(MessagePage(404, "No such " + what, "rota has no " + what + " \"" + a.id + "\".",
                            "/ui/teams", a.v));
          return;
        }
        ctx->host.Post([ctx, a = std::move(a), render, reply = std::move(reply)]() mutable {
          a.runtime = ctx->host.RuntimeOverrides();
          http::Response page = Html(200, "", a.v);
          page.render = [a = std::move(a), render] { return render(a); };
          reply(std::move(page));
        });
      });
}

}  // namespace

void RegisterSchedulePages(http::Router& router, const Ctx& ctx) {
  router.HandleSync("GET", "/ui/teams", http::Access::kUi, [ctx](const http::Request& req) {
    const Visitor v = Visit(*ctx, req);
    const auto c = ctx->host.Current().config;
    json::array teams;
    for (const auto& t : c->teams) {
      std::string members;
      for (const auto& m : t.members) {
        members += (members.empty() ? "" : ", ") + PersonName(*c, m);
      }
      teams.push_back(json::object{{"id", t.id},
                                   {"name", t.name.empty() ? t.id : t.name},
                                   {"members", members},
                                   {"zone", t.zone->name()}});
    }
    json::array people;
    for (const auto& p : c->people) {
      people.push_back(
          json::object{{"id", p.id}, {"name", PersonName(*c, p.id)}, {"zone", p.zone->name()}});
    }
    return Html(200,
                RenderPage("teams.html",
                           json::object{{"teams", std::move(teams)}, {"people", std::move(people)}},
                           "Teams and people", "Teams", v),
                v);
  });

  EntityPage(
      router, "/ui/teams/{id}", ctx, "team",
      [](const config::Config& c, const std::string& id) { return c.FindTeam(id) != nullptr; },
      [](const PageArgs& a) {
        const auto& [snap, id, v, now, note, runtime] = a;
        const config::Config& c = *snap.config;
        const config::Team& team = *c.FindTeam(id);
        json::object data{
            {"id", team.id},
            {"team_zone", team.zone->name()},
            {"page",
             team.page == schedule::PageMode::kAll ? "everyone on duty" : "one person (rotation)"}};
        if (team.rotation) {
          std::string order;
          for (const auto& m : team.rotation->order) {
            order += (order.empty() ? "" : " → ") + PersonName(c, m);
          }
          data["rotation"] = json::object{{"order", order},
                                          {"shift", FormatDuration(team.rotation->shift_length)}};
        }
        json::array members;
        for (const auto& m : team.members) {
          const config::Person* p = c.FindPerson(m);
          members.push_back(json::object{{"id", m},
                                         {"name", PersonName(c, m)},
                                         {"zone", p->zone->name()},
                                         {"grid", Grids(*p, v, now)},
                                         {"time_off", TimeOffList(*p, v, now)}});
        }
        data["members"] = std::move(members);
        json::array support;
        for (const auto& ti : team.support_hours.intervals) {
          support.push_back(json::object{{"what", IntervalText(ti, *team.zone)}});
        }
        data["has_support"] = !support.empty();
        data["support"] = std::move(support);
        data["escalations"] = EscalationsOf(c, team.id);
        // The team's combined coverage this week, as the Now page draws it.
        if (auto cov = snap.roster->TeamCoverage(team.id, now, now + std::chrono::hours(24 * 7))) {
          data["svg"] = CoverageSvg(*cov, *v.zone, now, 7, now);
        }
        data["zone_view"] = v.zone->name();
        // Cover: by default the first member, covered by the first person
        // who is not them (never "anna covers for anna"); or an addition.
        const std::string first_member =
            team.members.empty() ? std::string() : team.members.front();
        json::array people = PeopleOptions(c);
        bool chosen = false;
        for (auto& p : people) {
          const bool pick = !chosen && p.as_object()["id"].as_string() != first_member;
          p.as_object()["selected"] = pick;
          chosen = chosen || pick;
        }
        data["people"] = std::move(people);
        data["member_options"] = PeopleOptions(c, &team.members);
        data["overrides_html"] =
            OverridesHtml(c, runtime, team.members, v, now, "/ui/teams/" + id, team.id);
        data["calendar_url"] = CalendarUrl(c, "team", id);
        data["flash"] = note;
        return RenderPage("team.html", std::move(data),
                          "Team " + (team.name.empty() ? team.id : team.name), "Teams", v);
      });

  EntityPage(
      router, "/ui/people/{id}", ctx, "person",
      [](const config::Config& c, const std::string& id) { return c.FindPerson(id) != nullptr; },
      [](const PageArgs& a) {
        const auto& [snap, id, v, now, note, runtime] = a;
        const config::Config& c = *snap.config;
        const config::Person& p = *c.FindPerson(id);
        json::object data{{"person_zone", p.zone->name()}, {"local_now", ClockTime(*p.zone, now)}};
        const auto duty = snap.roster->PersonOnDuty(id, now);
        if (duty) {
          data["on_duty"] = duty->on_duty;
          if (duty->on_duty) {
            data["duty"] = "On duty" +
                           (duty->on->until ? ", until " + LocalTime(*v.zone, *duty->on->until, now)
                                            : std::string()) +
                           (duty->on->covering_for.empty()
                                ? ""
                                : ", covering for " + PersonName(c, duty->on->covering_for));
          } else {
            data["duty"] = "Off duty: " + duty->off->detail;
          }
        }
        json::array teams;
        for (const auto& t : c.teams) {
          if (std::find(t.members.begin(), t.members.end(), id) != t.members.end()) {
            teams.push_back(json::object{{"id", t.id}});
          }
        }
        data["teams"] = std::move(teams);
        data["grid"] = Grids(p, v, now);
        data["time_off"] = TimeOffList(p, v, now);
        data["overrides_html"] = OverridesHtml(c, runtime, {id}, v, now, "/ui/people/" + id);
        data["calendar_url"] = CalendarUrl(c, "person", id);
        data["flash"] = note;
        return RenderPage("person.html", std::move(data), PersonName(c, id), "Teams", v);
      });

  HandleForm(
      router, "/ui/overrides", ctx,
      [ctx](http::Request& /*req*/, const Fields& fields, const Visitor& v, http::Reply reply) {
        const std::string back = SafeBack(Field(fields, "back"), "/ui/teams");
        const date::time_zone* zone = v.zone;
        if (std::string z = Field(fields, "zone"); !z.empty()) {
          auto found = schedule::FindZone(z);
          if (!found) {
            reply(MessagePage(400, "Not done", "zone: " + found.error().message(), back, v));
            return;
          }
          zone = *found;
        }
        auto start = ParseLocalInput(Field(fields, "start"), *zone);
        auto end = ParseLocalInput(Field(fields, "end"), *zone);
        if (!start || !end) {
          reply(MessagePage(400, "Not done", (start ? end : start).error().message(), back, v));
          return;
        }
        // "replaces" names a person, or "team:ID": an addition to that team.
        std::string replaces = Field(fields, "replaces");
        std::string team;
        if (replaces.starts_with("team:")) {
          team = replaces.substr(5);
          replaces.clear();
        }
        if (!replaces.empty() && replaces == Field(fields, "person")) {
          reply(MessagePage(400, "Not done",
                            "a person cannot cover for themself; pick someone else", back, v));
          return;
        }
        json::object o{{"person", Field(fields, "person")},
                       {"replaces", replaces},
                       {"start", FormatRfc3339(*start)},
                       {"end", FormatRfc3339(*end)},
                       {"note", Field(fields, "note")}};
        if (!team.empty()) {
          o["team"] = team;
          o.erase("replaces");
        }
        ApiThenBack(*ctx, v, "POST", "/api/v1/overrides", json::serialize(o), back,
                    "override added", std::move(reply));
      });

  HandleForm(
      router, "/ui/overrides/{id}/remove", ctx,
      [ctx](http::Request& req, const Fields& fields, const Visitor& v, http::Reply reply) {
        const std::string back = SafeBack(Field(fields, "back"), "/ui/teams");
        const std::string& id = req.params.at("id");
        if (id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos) {
          reply(MessagePage(404, "Not done", "no override \"" + id + "\"", back, v));
          return;
        }
        ApiThenBack(*ctx, v, "DELETE", "/api/v1/overrides/" + id, "", back, "override removed",
                    std::move(reply));
      });
}

}  // namespace rota::ui
