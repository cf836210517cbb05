// The console's route groups (ui.h lists the files). Internal to ui/.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "ui/page.h"

namespace rota::ui {

using Ctx = std::shared_ptr<const Context>;  // held by every route
void RegisterNowPages(http::Router& router, const Ctx& ctx);
void RegisterAlertPages(http::Router& router, const Ctx& ctx);
void RegisterSchedulePages(http::Router& router, const Ctx& ctx);
void RegisterSilencePages(http::Router& router, const Ctx& ctx);
void RegisterReportPage(http::Router& router, const Ctx& ctx);

// The badge an alert carries: its state, or for a firing one what holds it
// back (held, silenced, inhibited, muted, dropped). {css class, text}.
std::pair<std::string, std::string> Badge(const engine::Alert& a);

// "seen by Alice at Wed 09:00 Europe/Berlin, in 11 h" for a held routing.
std::string HeldEta(const config::Config& c, const engine::Routing& r, TimePoint now);

// A week grid (7 days x 24 hours) of `spans` on `zone`'s wall clock, the
// week of `now` from Monday.
std::string WeekGrid(const schedule::SpanList& spans, const date::time_zone& zone, TimePoint now,
                     std::string_view caption);

}  // namespace rota::ui
