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
  switch (e.code()) {
    case Error::Code::kNotFound:
      return http::Response::Error(404, e.message());
    case Error::Code::kTooLarge:
      return http::Response::Error(413, e.message());
    case Error::Code::kUnavailable:
      return http::Response::Error(503, e.message());
    default:
      return http::Response::Error(400, e.message());
  }
}

// One coverage answer may hold this many entries (a window, and each
// person on duty in it, count one): a year of a large team with changing
// hours is over it, and is asked for in shorter spans.
constexpr std::size_t kMaxCoverageEntries = 200000;

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

// Checks the query on the connection's thread; the answer is made on the
// heavy pool (Host::RunHeavy), and stops when the client goes away.
void Coverage(Host& host, const http::Request& req, http::Reply reply) {
  const auto team = req.query_params.find("team");
  if (team == req.query_params.end() || team->second.empty()) {
    reply(http::Response::Error(400, "team: required"));
    return;
  }
  TimePoint from = host.Now();
  if (auto r = InstantParam(req, "from", from); !r) {
    reply(ErrorResponse(r.error()));
    return;
  }
  TimePoint to = from + std::chrono::hours(24 * 7);
  if (auto r = InstantParam(req, "to", to); !r) {
    reply(ErrorResponse(r.error()));
    return;
  }
  if (to <= from || to - from > std::chrono::hours(24 * 366)) {
    reply(http::Response::Error(400, "to must be after from, and at most 366 days later"));
    return;
  }
  const auto f = req.query_params.find("format");
  const bool text = f != req.query_params.end() && f->second == "text";
  auto job = [&host, team = team->second, from, to, text, gone = req.client_gone, reply] {
    const auto snap = host.Current();
    const schedule::QueryBounds bounds{[&] { return (gone && gone->load()) || host.Stopping(); },
                                       kMaxCoverageEntries};
    const auto count = [&](const Error* e) {
      host.CountLongRead(e == nullptr                             ? "answered"
                         : e->code() == Error::Code::kTooLarge    ? "full"
                         : e->code() != Error::Code::kUnavailable ? "answered"
                         : (gone && gone->load())                 ? "abandoned"
                                                                  : "stopped");
    };
    if (text) {
      // What `rotactl coverage --url` prints: the same rows as offline, from
      // this rotad's roster (run-time overrides included).
      auto rows = CoverageText(*snap.config, *snap.roster, team, from, to, bounds);
      count(rows ? nullptr : &rows.error());
      reply(rows ? http::Response::Text(200, std::move(*rows)) : ErrorResponse(rows.error()));
      return;
    }
    auto result = CoverageJson(*snap.roster, team, from, to, bounds);
    count(result ? nullptr : &result.error());
    if (!result) {
      reply(ErrorResponse(result.error()));
      return;
    }
    result->as_object()["channel_targets"] = ChannelTargets(*snap.config, team);
    reply(http::Response::Json(200, boost::json::serialize(*result)));
  };
  if (!host.RunHeavy(std::move(job))) {
    host.CountLongRead("busy");
    http::Response busy =
        http::Response::Error(503, "busy with other long reads; try again shortly");
    busy.headers.emplace_back("Retry-After", "5");
    reply(std::move(busy));
  }
}

}  // namespace

void RegisterScheduleRoutes(http::Router& router, Host& host) {
  router.HandleSync("GET", "/api/v1/oncall", http::Access::kAdmin,
                    [&host](const http::Request& req) { return OnCall(host, req); });
  router.Handle(
      "GET", "/api/v1/coverage", http::Access::kAdmin,
      [&host](http::Request& req, http::Reply reply) { Coverage(host, req, std::move(reply)); });
}

}  // namespace rota::api
