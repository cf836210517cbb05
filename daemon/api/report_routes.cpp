// GET /api/v1/report?team=T&from=T1&to=T2[&format=csv]: a team's review over
// a period (docs/reviews.md). Facts are read
// off the timelines on the engine's strand, only for alerts received in the
// period; the report is made from them off the strand.
#include <algorithm>
#include <boost/json.hpp>

#include "api/routes.h"
#include "api/views.h"
#include "core/time.h"
#include "review/digest.h"
#include "review/report.h"

namespace rota::api {
namespace {

namespace json = boost::json;

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

Result<std::pair<TimePoint, TimePoint>> ReportPeriod(
    const std::map<std::string, std::string>& params, TimePoint now) {
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
  router.Handle("GET", "/api/v1/report", http::Access::kAdmin,
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
                  // Forgotten alerts' facts from the store (on the worker thread),
                  // then the live ones on the strand; live wins.
                  host.ReadHistory(
                      from.time_since_epoch().count(), to.time_since_epoch().count(),
                      [&host, snap, team, format, from, to, now,
                       reply = std::move(reply)](Result<std::vector<std::string>> history) mutable {
                        if (!history) {
                          reply(Unavailable());
                          return;
                        }
                        host.Post([&host, snap, team, format, from, to, now,
                                   history = std::move(*history), reply = std::move(reply)] {
                          auto facts =
                              std::make_shared<std::vector<review::AlertFacts>>(review::WithHistory(
                                  review::FactsReceivedIn(host.Engine(), from, to), history));
                          http::Response r;
                          if (format == "csv") {
                            r.content_type = "text/csv; charset=utf-8";
                            r.render = [snap, facts, team, from, to, now] {
                              return ReportCsv(*facts, *snap.roster, team, from, to, now);
                            };
                          } else {
                            r.render = [snap, facts, team, from, to, now] {
                              return json::serialize(review::ReportJson(review::MakeReport(
                                  *snap.config, *snap.roster, *facts, team, from, to, now)));
                            };
                          }
                          reply(std::move(r));
                        });
                      });
                });
  // The review digests' schedules: what was sent last and what is next.
  router.Handle(
      "GET", "/api/v1/reviews", http::Access::kAdmin, [&host](http::Request&, http::Reply reply) {
        host.Post([&host, reply = std::move(reply)] {
          const TimePoint now = host.Now();
          const auto& sent = host.ReviewsSent();
          json::array out;
          for (const auto& r : host.Config().reviews) {
            json::array to;
            for (const auto& t : r.to) {
              to.emplace_back(t);
            }
            const auto it = sent.find(r.key);
            const TimePoint next = review::NextOccurrence(r, now);
            out.push_back(json::object{
                {"team", r.team},
                {"every", config::EveryName(r.every)},
                {"at", r.at},
                {"timezone", r.timezone},
                {"to", std::move(to)},
                {"last_period_end", it == sent.end()
                                        ? json::value(nullptr)
                                        : json::value(FormatRfc3339(
                                              TimePoint(std::chrono::milliseconds(it->second))))},
                {"next_at", FormatRfc3339(next)},
                {"next_period",
                 json::object{{"from", FormatRfc3339(review::PreviousOccurrence(r, next))},
                              {"to", FormatRfc3339(next)}}}});
          }
          reply(http::Response::Json(200,
                                     json::serialize(json::object{{"reviews", std::move(out)}})));
        });
      });
}

}  // namespace rota::api
