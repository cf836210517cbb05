// /ui/report: a team's review over the last 7, 28 or 90 days (or ?from=&to=)
// as a page: the figures of GET /api/v1/report, a heat map of alerts by hour
// of the week against coverage, the fit table, idle covered hours, drills
// (docs/reviews.md).
#include <boost/json.hpp>

#include "api/routes.h"
#include "core/time.h"
#include "review/digest.h"
#include "review/report.h"
#include "ui/routes.h"

namespace rota::ui {
namespace {

namespace json = boost::json;

constexpr const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};

std::string Took(std::int64_t s) { return review::HumanSeconds(s); }

std::string Stat(const review::Stats& s, std::int64_t review::Stats::*field) {
  return s.count == 0 ? std::string("-") : Took(s.*field);
}

json::object ReportData(const config::Config& c, const review::Report& r, const Visitor& v,
                        TimePoint now) {
  const config::Team& team = *c.FindTeam(r.team);
  json::object d{{"team_name", team.name.empty() ? team.id : team.name},
                 {"team_zone", team.zone->name()},
                 {"from", LocalTime(*v.zone, r.from, now)},
                 {"from_iso", FormatRfc3339(r.from)},
                 {"to", LocalTime(*v.zone, r.to, now)},
                 {"to_iso", FormatRfc3339(r.to)},
                 {"alerts", r.alerts},
                 {"in_hours", r.in_hours_alerts},
                 {"seen_p50", Stat(r.time_to_seen, &review::Stats::p50_s)},
                 {"seen_p90", Stat(r.time_to_seen, &review::Stats::p90_s)},
                 {"seen_max", Stat(r.time_to_seen, &review::Stats::max_s)},
                 {"seen_in_p50", Stat(r.in_hours_time_to_seen, &review::Stats::p50_s)},
                 {"seen_in_p90", Stat(r.in_hours_time_to_seen, &review::Stats::p90_s)},
                 {"seen_held_p50", Stat(r.held_time_to_seen, &review::Stats::p50_s)},
                 {"seen_held_p90", Stat(r.held_time_to_seen, &review::Stats::p90_s)},
                 {"ack_p50", Stat(r.time_to_ack, &review::Stats::p50_s)},
                 {"ack_p90", Stat(r.time_to_ack, &review::Stats::p90_s)},
                 {"ack_max", Stat(r.time_to_ack, &review::Stats::max_s)},
                 {"escalated", r.escalated_beyond_first_step},
                 {"failed", r.failed_notifications},
                 {"refused", r.refused_off_duty},
                 {"held", r.held_alerts},
                 {"held_total", Took(r.held_total_s)},
                 {"held_max", Took(r.held_max_s)},
                 {"resolved_while_held", r.resolved_while_held},
                 {"dropped", r.dropped},
                 {"capped", r.capped},
                 {"gap_count", r.gaps.size()}};
  d["covered"] = r.support_hours_s > 0
                     ? std::to_string(r.covered_s * 100 / r.support_hours_s) + " % (" +
                           Took(r.covered_s) + " of " + Took(r.support_hours_s) + ")"
                     : std::string("no support hours declared");
  json::array hours;
  for (int h = 0; h < 24; ++h) {
    hours.emplace_back((h < 10 ? "0" : "") + std::to_string(h));
  }
  d["hours"] = std::move(hours);
  json::array days;
  for (int i = 0; i < 7; ++i) {
    const int wd = (i + 1) % 7;  // Monday first
    json::array cells;
    for (int h = 0; h < 24; ++h) {
      const review::HourCell& cell = r.by_hour_of_week[static_cast<std::size_t>(wd * 24 + h)];
      // The Now page's three states: on duty, a gap in support hours
      // (red), outside support hours (grey, expected).
      const char* cls = !cell.seen                  ? "cov-na"
                        : cell.covered_ratio >= 1.0 ? "cov-full"
                        : cell.covered_ratio > 0    ? "cov-part"
                        : cell.support_ratio > 0    ? "cov-none"
                                                    : "cov-out";
      cells.push_back(
          json::object{{"cls", cls},
                       {"count", cell.alerts > 0 ? std::to_string(cell.alerts) : std::string()},
                       {"title", std::string(kDays[wd]) + " " + std::to_string(h) +
                                     ":00: " + std::to_string(cell.alerts) + " alerts, " +
                                     std::to_string(static_cast<int>(cell.covered_ratio * 100)) +
                                     " % covered"}});
    }
    days.push_back(
        json::object{{"day", std::string(kDays[wd]).substr(0, 3)}, {"cells", std::move(cells)}});
  }
  d["days"] = std::move(days);
  json::array fit;
  for (const auto& f : r.fit) {
    fit.push_back(
        json::object{{"when", std::string(kDays[f.weekday]) + " " + std::to_string(f.hour) +
                                  ":00-" + std::to_string(f.hour + 1) + ":00"},
                     {"saved", Took(f.held_s_saved)}});
  }
  d["fit"] = std::move(fit);
  json::array idle;
  for (const auto& cell : r.idle_covered_hours) {
    idle.emplace_back(std::string(kDays[cell.weekday]).substr(0, 3) + " " +
                      std::to_string(cell.hour) + ":00");
  }
  d["idle"] = std::move(idle);
  json::array drills;
  for (const auto& x : r.drills) {
    drills.push_back(json::object{
        {"alert", x.alert},
        {"at", LocalTime(*v.zone, x.at, now)},
        {"at_iso", FormatRfc3339(x.at)},
        {"seen", x.time_to_seen_s ? Took(*x.time_to_seen_s) : std::string("not seen")}});
  }
  d["drills"] = std::move(drills);
  return d;
}

}  // namespace

void RegisterReportPage(http::Router& router, const Ctx& ctx) {
  router.Handle(
      "GET", "/ui/report", http::Access::kUi, [ctx](http::Request& req, http::Reply reply) {
        Visitor v = Visit(*ctx, req);
        const auto snap = ctx->host.Current();
        const config::Config& c = *snap.config;
        std::string team = req.query_params.count("team") ? req.query_params.at("team") : "";
        if (team.empty() && !c.teams.empty()) {
          team = c.teams.front().id;
        }
        int days = 28;
        if (auto it = req.query_params.find("days"); it != req.query_params.end()) {
          days = it->second == "7" ? 7 : it->second == "90" ? 90 : 28;
        }
        json::array teams;
        for (const auto& t : c.teams) {
          teams.push_back(json::object{
              {"id", t.id}, {"name", t.name.empty() ? t.id : t.name}, {"selected", t.id == team}});
        }
        json::array periods;
        for (int p : {7, 28, 90}) {
          periods.push_back(json::object{{"days", p}, {"selected", p == days}});
        }
        json::object data{{"teams", std::move(teams)}, {"periods", std::move(periods)}};
        if (c.FindTeam(team) == nullptr) {
          reply(
              team.empty()
                  ? Html(200, RenderPage("report.html", std::move(data), "Report", "Report", v), v)
                  : MessagePage(404, "No such team", "rota has no team \"" + team + "\".",
                                "/ui/report", v));
          return;
        }
        const TimePoint now = ctx->host.Now();
        auto params = req.query_params;
        if (!params.count("from") && !params.count("to")) {
          params["from"] = FormatRfc3339(now - std::chrono::hours(24 * days));
          params["to"] = FormatRfc3339(now);
        }
        const auto period = api::ReportPeriod(params, now);
        if (!period) {
          reply(MessagePage(400, "Bad period", period.error().message(), "/ui/report", v));
          return;
        }
        const auto [from, to] = *period;
        // ?standalone=1: the report as a file of its own (rotactl report -o html).
        const auto sa = req.query_params.find("standalone");
        const bool standalone = sa != req.query_params.end() && sa->second == "1";
        ctx->host.ReadHistory(
            from.time_since_epoch().count(), to.time_since_epoch().count(),
            [ctx, snap, v = std::move(v), data = std::move(data), team, from, to, now, standalone,
             reply = std::move(reply)](Result<std::vector<std::string>> history) mutable {
              if (!history) {
                reply(MessagePage(503, "Try again", "rota cannot read its store right now.",
                                  "/ui/report", v));
                return;
              }
              ctx->host.Post([ctx, snap, v = std::move(v), data = std::move(data), team, from, to,
                              now, standalone, history = std::move(*history),
                              reply = std::move(reply)]() mutable {
                auto facts = std::make_shared<std::vector<review::AlertFacts>>(review::WithHistory(
                    review::FactsReceivedIn(ctx->host.Engine(), from, to), history));
                http::Response r = Html(200, "", v);
                if (standalone) {
                  DocumentHeaders(r);
                }
                r.render = [snap, facts, data = std::move(data), v, team, from, to, now,
                            standalone]() mutable {
                  const review::Report report =
                      review::MakeReport(*snap.config, *snap.roster, *facts, team, from, to, now);
                  data["report"] = ReportData(*snap.config, report, v, now);
                  if (standalone) {
                    data["standalone"] = true;
                    const config::Team& t = *snap.config->FindTeam(team);
                    return RenderDocument("report.html", std::move(data),
                                          "Review of " + (t.name.empty() ? t.id : t.name), v, now);
                  }
                  return RenderPage("report.html", std::move(data), "Report", "Report", v);
                };
                reply(std::move(r));
              });
            });
      });
}

}  // namespace rota::ui
