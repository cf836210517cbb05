// The JSON and text forms of on-call and coverage answers, shared by
// `rotactl oncall|coverage` and GET /api/v1/oncall|coverage so both speak
// exactly the same shapes (documented in docs/schedules.md and docs/api.md).
//
// Pure; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "config/config.h"
#include "core/error.h"
#include "schedule/roster.h"

namespace rota::api {

struct OnCallQuery {
  std::optional<std::string> team;
  std::optional<std::string> person;
  TimePoint at{};
};

// {"at", "teams": [{"team", "on_duty": [ids], "on_duty_details": [...],
//  "off_duty": [{"person", "reason", "reason_code", "until"}], "next_on_duty"}],
//  "people": [{"person", "on_duty", "until", "reason", "reason_code", "covering_for"}]}
Result<boost::json::value> OnCallJson(const config::Config& config, const schedule::Roster& roster,
                                      const OnCallQuery& q);
std::string OnCallText(const boost::json::value& oncall);

// {"team", "from", "to", "windows": [{"start", "end", "on_duty"}],
//  "gaps": [{"start", "end", "in_support_hours"}]}
Result<boost::json::value> CoverageJson(const schedule::Roster& roster, std::string_view team,
                                        TimePoint from, TimePoint to,
                                        const schedule::QueryBounds& bounds = {});
// One row a day on the team's wall clock, 30 minutes a cell, then the lists.
// The channel targets (which have no hours) of the escalations of routes
// that page `team`: [{"route", "escalation", "step", "channel"}]. Coverage
// shows them as what reaches someone outside the team's hours.
boost::json::array ChannelTargets(const config::Config& config, std::string_view team);

Result<std::string> CoverageText(const config::Config& config, const schedule::Roster& roster,
                                 std::string_view team, TimePoint from, TimePoint to,
                                 const schedule::QueryBounds& bounds = {});

}  // namespace rota::api
