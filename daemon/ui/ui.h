// The web console and calendar feeds (docs/ui.md; the routes in docs/api.md
// "Web console and calendars"). Every page is server-rendered HTML readable
// without JavaScript; forms change state only through the API's own
// handlers (page.h). Files:
//
//   ui.cpp              registration, /, login and logout, static assets, calendar feeds
//   pages_now.cpp       /ui/ (teams now) and /ui/support (for the people supported)
//   pages_alerts.cpp    /ui/alerts, /ui/alerts/{id} and its ack / resolve form
//   pages_schedule.cpp  /ui/teams, /ui/teams/{id}, /ui/people/{id}, the cover-for form
//   pages_silences.cpp  /ui/silences: list, create, expire
//   pages_report.cpp    /ui/report: a team's review
//
// Thread-safety: register before serving; `router`, `host` and `auth`
// must outlive the routes.
#pragma once

#include "api/access.h"
#include "api/host.h"
#include "http/router.h"

namespace rota::ui {

void RegisterUiRoutes(http::Router& router, api::Host& host, const api::Authorizer& auth);

}  // namespace rota::ui
