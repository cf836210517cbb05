// The HTTP API's routes, each registered with its access level on the
// router (which asks the one Authorizer before any handler runs). Every
// route of rotad is in Router::Routes(); docs/api.md lists them.
//
//   ingest_routes.cpp    POST /api/v1/alertmanager, /api/v2/alerts, /v2/enqueue, /api/v1/events
//   alert_routes.cpp     GET /api/v1/alerts[/{id}], POST .../{id}/ack|resolve, /ack/... links
//   runtime_routes.cpp   GET/POST/DELETE /api/v1/silences, /api/v1/overrides
//   schedule_routes.cpp  GET /api/v1/oncall, /api/v1/coverage
//   report_routes.cpp    GET /api/v1/report (a team's review)
//
// Thread-safety: register before serving; the host must outlive the router.
#pragma once

#include "api/host.h"
#include "http/router.h"

namespace rota::api {

void RegisterIngestRoutes(http::Router& router, Host& host);
void RegisterAlertRoutes(http::Router& router, Host& host);
void RegisterRuntimeRoutes(http::Router& router, Host& host);
void RegisterScheduleRoutes(http::Router& router, Host& host);
void RegisterReportRoutes(http::Router& router, Host& host);
// POST /slack/interactions and /mattermost/actions: buttons in chat.
void RegisterChatRoutes(http::Router& router, Host& host);

// All of the above.
inline void RegisterRoutes(http::Router& router, Host& host) {
  RegisterIngestRoutes(router, host);
  RegisterAlertRoutes(router, host);
  RegisterRuntimeRoutes(router, host);
  RegisterScheduleRoutes(router, host);
  RegisterReportRoutes(router, host);
  RegisterChatRoutes(router, host);
}

// A report's period from `from` and `to` query parameters (RFC 3339): by
// default the 28 days before `to`, which defaults to `now`; at most 366 days.
Result<std::pair<TimePoint, TimePoint>> ReportPeriod(
    const std::map<std::string, std::string>& params, TimePoint now);

// Parses a request's JSON object body; the error says what was expected.
Result<boost::json::object> JsonObjectBody(const http::Request& req);
// A string member, or "" when absent or not a string.
std::string StringField(const boost::json::object& o, std::string_view key);

}  // namespace rota::api
