// Who is on duty, and coverage windows and gaps: read-only answers from the
// config and roster in force, computed on the connection's thread.
#include <boost/json.hpp>

#include "api/routes.h"
#include "api/schedule_view.h"
#include "api/views.h"
#include "core/time.h"

namespace rota::api {
namespace {

// Reads an optional RFC 3339 query parameter into `out`.
Result<void> InstantParam(const http::Request& req, const std::string& name, TimePoint& out) {
  const auto it = req.query_params.find(name);
  if (it == req.query_params.end() || it->second.empty()) {
    return {};
  }
  auto t = ParseRfc3339(it->second);
  if (!t) {
    return Fail(Error::InvalidArgument(name + ": " + t.error().message()));
  }
  out = *t;
  return {};
}

http::Response ErrorResponse(const Error& e) {
  return http::Response::Error(e.code() == Error::Code::kNotFound ? 404 : 400, e.message());
}

http::Response OnCall(const Host& host, const http::Request& req) {
  OnCallQuery q;
  q.at = host.Now();
  if (auto r = InstantParam(req, "at", q.at); !r) {
    return ErrorResponse(r.error());
  }
  if (auto it = req.query_params.find("team"); it != req.query_params.end()) {
    q.team = it->second;
  }
  if (auto it = req.query_params.find("person"); it != req.query_params.end()) {
    q.person = it->second;
  }
  const auto now = host.Current();
  auto result = OnCallJson(*now.config, *now.roster, q);
  if (!result) {
    return ErrorResponse(result.error());
  }
  // A team's reroute in force at `at` (rotactl reroute): its new alerts go
  // to another escalation.
  const auto reroutes = host.Reroutes();
  for (auto& tv : result->at("teams").as_array()) {
    auto& team = tv.as_object();
    const engine::Reroute* best = nullptr;
    for (const auto& r : reroutes) {
      if (r.team == team.at("team").as_string() && r.ActiveAt(q.at) &&
          (best == nullptr || r.created_at >= best->created_at)) {
        best = &r;
      }
    }
    team["reroute"] = best == nullptr ? boost::json::value(nullptr) : RerouteJson(*best);
  }
  return http::Response::Json(200, boost::json::serialize(*result));
}

http::Response Coverage(const Host& host, const http::Request& req) {
  const auto team = req.query_params.find("team");
  if (team == req.query_params.end() || team->second.empty()) {
    return http::Response::Error(400, "team: required");
  }
  TimePoint from = host.Now();
  if (auto r = InstantParam(req, "from", from); !r) {
    return ErrorResponse(r.error());
  }
  TimePoint to = from + std::chrono::hours(24 * 7);
  if (auto r = InstantParam(req, "to", to); !r) {
    return ErrorResponse(r.error());
  }
  if (to <= from || to - from > std::chrono::hours(24 * 366)) {
    return http::Response::Error(400, "to must be after from, and at most 366 days later");
  }
  const auto snap = host.Current();
  if (auto f = req.query_params.find("format");
      f != req.query_params.end() && f->second == "text") {
    // What `rotactl coverage --url` prints: the same rows as offline, from
    // this rotad's roster (run-time overrides included).
    auto text = CoverageText(*snap.config, *snap.roster, team->second, from, to);
    return text ? http::Response::Text(200, std::move(*text)) : ErrorResponse(text.error());
  }
  auto result = CoverageJson(*snap.roster, team->second, from, to);
  if (!result) {
    return ErrorResponse(result.error());
  }
  result->as_object()["channel_targets"] = ChannelTargets(*snap.config, team->second);
  return http::Response::Json(200, boost::json::serialize(*result));
}

}  // namespace

void RegisterScheduleRoutes(http::Router& router, Host& host) {
  router.HandleSync("GET", "/api/v1/oncall", http::Access::kAdmin,
                    [&host](const http::Request& req) { return OnCall(host, req); });
  router.HandleSync("GET", "/api/v1/coverage", http::Access::kAdmin,
                    [&host](const http::Request& req) { return Coverage(host, req); });
}

}  // namespace rota::api
