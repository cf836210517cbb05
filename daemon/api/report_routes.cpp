// GET /api/v1/report?team=T&from=T1&to=T2[&format=csv]: a team's review over
// a period (issue 17, DESIGN.md "Reviews"; docs/reviews.md). Facts are read
// off the timelines on the engine's strand, only for alerts received in the
// period; the report is made from them off the strand.
#include <algorithm>
#include <boost/json.hpp>

#include "api/routes.h"
#include "api/views.h"
#include "core/time.h"
#include "review/report.h"

namespace rota::api {
namespace {

namespace json = boost::json;

constexpr const char* kWeekdays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                     "thursday", "friday", "saturday"};

json::object StatsJson(const review::Stats& s) {
  return json::object{
      {"count", s.count}, {"p50_s", s.p50_s}, {"p90_s", s.p90_s}, {"max_s", s.max_s}};
}

json::object ReportJson(const review::Report& r) {
  json::object o;
  o["team"] = r.team;
  o["from"] = FormatRfc3339(r.from);
  o["to"] = FormatRfc3339(r.to);
  o["alerts"] = r.alerts;
  o["time_to_seen"] = StatsJson(r.time_to_seen);
  o["time_to_ack"] = StatsJson(r.time_to_ack);
  o["in_hours"] = json::object{{"alerts", r.in_hours_alerts},
                               {"time_to_seen", StatsJson(r.in_hours_time_to_seen)}};
  o["held"] = json::object{{"alerts", r.held_alerts},
                           {"total_s", r.held_total_s},
                           {"max_s", r.held_max_s},
                           {"resolved_while_held", r.resolved_while_held},
                           {"dropped", r.dropped},
                           {"capped", r.capped},
                           {"time_to_seen", StatsJson(r.held_time_to_seen)}};
  o["escalated_beyond_first_step"] = r.escalated_beyond_first_step;
  o["failed_notifications"] = r.failed_notifications;
  o["refused_off_duty"] = r.refused_off_duty;
  json::array gaps;
  for (const auto& g : r.gaps) {
    gaps.push_back(json::object{{"start", FormatRfc3339(g.start)}, {"end", FormatRfc3339(g.end)}});
  }
  json::array people;
  for (const auto& [p, s] : r.covered_by_person) {
    people.push_back(json::object{{"person", p}, {"covered_s", s}});
  }
  o["coverage"] = json::object{
      {"support_hours_s", r.support_hours_s},
      {"covered_s", r.covered_s},
      {"ratio", r.support_hours_s > 0 ? json::value(static_cast<double>(r.covered_s) /
                                                    static_cast<double>(r.support_hours_s))
                                      : json::value(nullptr)},
      {"gaps", std::move(gaps)},
      {"by_person", std::move(people)}};
  json::array hours;
  for (const auto& c : r.by_hour_of_week) {
    if (c.seen) {
      hours.push_back(json::object{{"weekday", kWeekdays[c.weekday]},
                                   {"hour", c.hour},
                                   {"alerts", c.alerts},
                                   {"covered_ratio", c.covered_ratio}});
    }
  }
  o["by_hour_of_week"] = std::move(hours);
  json::array fit;
  for (const auto& f : r.fit) {
    fit.push_back(json::object{
        {"weekday", kWeekdays[f.weekday]}, {"hour", f.hour}, {"held_s_saved", f.held_s_saved}});
  }
  o["fit"] = std::move(fit);
  json::array idle;
  for (const auto& c : r.idle_covered_hours) {
    idle.push_back(json::object{{"weekday", kWeekdays[c.weekday]}, {"hour", c.hour}});
  }
  o["idle_covered_hours"] = std::move(idle);
  json::array drills;
  for (const auto& d : r.drills) {
    drills.push_back(
        json::object{{"alert", std::to_string(d.alert)},
                     {"at", FormatRfc3339(d.at)},
                     {"time_to_seen_s",
                      d.time_to_seen_s ? json::value(*d.time_to_seen_s) : json::value(nullptr)}});
  }
  o["drills"] = std::move(drills);
  return o;
}

std::string ReportCsv(const std::vector<review::AlertFacts>& facts, const schedule::Roster& roster,
                      const std::string& team, TimePoint from, TimePoint to, TimePoint now) {
  std::string out =
      "id,team,route,received_at,first_notified_at,acked_at,resolved_at,held_s,in_hours\r\n";
  std::vector<const review::AlertFacts*> rows;
  for (const auto& f : facts) {
    if (f.received >= from && f.received < to &&
        std::binary_search(f.teams.begin(), f.teams.end(), team)) {
      rows.push_back(&f);
    }
  }
  std::sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
  const auto field = [](std::string_view s) {
    // RFC 4180: quoted when it holds a comma, quote or line break.
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
      return std::string(s);
    }
    std::string q = "\"";
    for (char c : s) {
      q += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return q + "\"";
  };
  const auto when = [](const std::optional<TimePoint>& t) {
    return t ? FormatRfc3339(*t) : std::string();
  };
  for (const auto* f : rows) {
    std::int64_t held = 0;
    for (const auto& h : review::HoldsUntil(*f, std::min(to, now))) {
      held += std::chrono::duration_cast<std::chrono::seconds>(h.end - h.start).count();
    }
    const auto on = roster.TeamOnDutyPeople(team, f->received);
    out += std::to_string(f->id) + "," + field(team) + "," + field(f->route) + "," +
           FormatRfc3339(f->received) + "," + when(f->first_notified) + "," + when(f->acked) + "," +
           when(f->resolved) + "," + std::to_string(held) + "," +
           (on && !on->empty() ? "true" : "false") + "\r\n";
  }
  return out;
}

}  // namespace

Result<std::pair<TimePoint, TimePoint>> ReportPeriod(const std::map<std::string, std::string>& params,
                                                     TimePoint now) {
  const auto instant = [&](const char* name) -> Result<std::optional<TimePoint>> {
    const auto it = params.find(name);
    if (it == params.end() || it->second.empty()) {
      return std::optional<TimePoint>();
    }
    auto t = ParseRfc3339(it->second);
    if (!t) {
      return Fail(Error::InvalidArgument(std::string(name) + ": " + t.error().message()));
    }
    return std::optional<TimePoint>(*t);
  };
  auto from = instant("from");
  auto to = instant("to");
  if (!from || !to) {
    return Fail((from ? to : from).error());
  }
  const TimePoint end = to->value_or(now);
  const TimePoint start = from->value_or(end - std::chrono::hours(24 * 28));
  if (end <= start || end - start > std::chrono::hours(24 * 366)) {
    return Fail(Error::InvalidArgument("to must be after from, and at most 366 days later"));
  }
  return std::pair{start, end};
}

void RegisterReportRoutes(http::Router& router, Host& host) {
  router.Handle(
      "GET", "/api/v1/report", http::Access::kAdmin,
      [&host](http::Request& req, http::Reply reply) {
        const auto param = [&](const char* name) {
          const auto it = req.query_params.find(name);
          return it == req.query_params.end() ? std::string() : it->second;
        };
        const std::string team = param("team");
        const std::string format = param("format").empty() ? "json" : param("format");
        const auto snap = host.Current();
        if (team.empty() || snap.config->FindTeam(team) == nullptr) {
          reply(http::Response::Error(
              team.empty() ? 400 : 404,
              team.empty() ? "team: required" : "unknown team \"" + team + "\""));
          return;
        }
        if (format != "json" && format != "csv") {
          reply(http::Response::Error(400, "format: expected json or csv"));
          return;
        }
        const TimePoint now = host.Now();
        const auto period = ReportPeriod(req.query_params, now);
        if (!period) {
          reply(http::Response::Error(400, period.error().message()));
          return;
        }
        const auto [from, to] = *period;
        // Forgotten alerts' facts from the store (on this thread: a read of
        // its own), then the live ones on the strand; live wins.
        auto history = host.HistoryDocs(from.time_since_epoch().count(), to.time_since_epoch().count());
        if (!history) {
          reply(Unavailable());
          return;
        }
        host.Post([&host, snap, team, format, from, to, now, history = std::move(*history),
                   reply = std::move(reply)] {
          auto facts = std::make_shared<std::vector<review::AlertFacts>>(
              review::WithHistory(review::FactsReceivedIn(host.Engine(), from, to), history));
          http::Response r;
          if (format == "csv") {
            r.content_type = "text/csv; charset=utf-8";
            r.render = [snap, facts, team, from, to, now] {
              return ReportCsv(*facts, *snap.roster, team, from, to, now);
            };
          } else {
            r.render = [snap, facts, team, from, to, now] {
              return json::serialize(ReportJson(
                  review::MakeReport(*snap.config, *snap.roster, *facts, team, from, to, now)));
            };
          }
          reply(std::move(r));
        });
      });
}

}  // namespace rota::api
