// Scheduled review digests (docs/reviews.md): when each review in
// `reviews:` is due, and what its message carries.
//
// A review is due at every occurrence of its `at` (a weekday and a wall-clock
// minute in its zone):
//   1w   every week
//   4w   every fourth week: the weeks (Monday to Sunday) whose number since
//        the week of Monday 1970-01-05 is a multiple of 4
//   1mo  the first such weekday of each month
// A wall-clock time that does not exist (a DST gap) is the instant the gap
// ends; one that exists twice is the first. The digest sent at an occurrence
// covers the period from the previous occurrence to it.
//
// Pure; thread-safety: functions of their arguments.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "config/config.h"
#include "core/clock.h"
#include "review/report.h"

namespace rota::review {

// The latest occurrence at or before `t`. REQUIRES: review.zone set.
TimePoint LastOccurrence(const config::Review& review, TimePoint t);
// The first occurrence after `t`.
TimePoint NextOccurrence(const config::Review& review, TimePoint t);
// The occurrence before `occurrence` (the start of the period it covers).
TimePoint PreviousOccurrence(const config::Review& review, TimePoint occurrence);

// "45 s", "12 min", "9 h 20 min", "3 d 4 h": a duration for people.
std::string HumanSeconds(std::int64_t seconds);

// The report as docs/reviews.md names its keys (the API's JSON).
boost::json::object ReportJson(const Report& r);

// What a digest's templates render (docs/channels.md, "Review digests"):
// the team, the period on the team's wall clock, the headline figures as
// text, the fit table, the heat map (rows Monday first, a colour per cell)
// and `url`, the report's page.
boost::json::object DigestData(const config::Config& config, const Report& r,
                               const std::string& url);

}  // namespace rota::review
