// Calendar feeds (RFC 5545) of on-duty windows, and the tokens that let a
// calendar application fetch them without an API token (docs/ui.md).
//
// A feed URL is /calendar/person/{id}.ics?token=T or /calendar/team/{id}.ics?token=T
// where T = hex HMAC-SHA256(calendar.secret, path). Events are in UTC
// (DTSTART/DTEND with "Z"), so no VTIMEZONE is needed; every calendar shows
// them on its own wall clock. UIDs are stable: the feed and the window's
// start, so a re-fetch updates an event rather than adding one.
//
// Pure; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "schedule/roster.h"

namespace rota::ui {

struct CalendarEvent {
  TimePoint start{};
  TimePoint end{};
  std::string summary;
  std::string description;
  // Began before the span the feed looked at, so `start` is only where the
  // look stopped and moves with every fetch: the UID must not depend on it.
  bool open_start = false;
};

// "/calendar/person/alice.ics"; kind is "person" or "team".
std::string CalendarPath(std::string_view kind, std::string_view id);
std::string CalendarToken(std::string_view secret, std::string_view path);
bool CalendarTokenValid(std::string_view secret, std::string_view path, std::string_view token);

// The full URL a calendar application subscribes to (global.external_url,
// the path, the token); empty when calendar.secret_file is not set.
std::string CalendarUrl(const config::Config& c, std::string_view kind, std::string_view id);

// A person's display name (their `name`, else the id), as feeds and the
// console's pages show it.
std::string PersonName(const config::Config& c, std::string_view id);

// What one feed may hold: more events than max_events, or events naming
// more than max_names people in all, and the feed ends early.
struct FeedLimits {
  std::size_t max_events = 5000;
  std::size_t max_names = 200000;
};

// The spans of one feed: it shows [from, to) and looks at [query_from,
// query_to) (a week further each way) to find the real start and end of
// what crosses its edges.
struct FeedSpan {
  TimePoint query_from{};
  TimePoint query_to{};
  TimePoint from{};
  TimePoint to{};
  TimePoint now{};
};

struct FeedEvents {
  std::vector<CalendarEvent> events;  // in order of start
  bool stopped = false;               // `stop` said so: no feed
  bool full = false;                  // cut at its limits
};

// A person's (kind "person") or team's ("team") on-duty windows as events,
// computed a week at a time so that it stops early when `stop` says so or
// the feed is full; adjacent pieces of one window are joined again. What
// lies ahead of `now` is computed first, so a feed that fills up keeps the
// days to come and loses the past. REQUIRES: the id exists in the roster.
FeedEvents ComputeFeed(const config::Config& c, const schedule::Roster& roster,
                       std::string_view kind, const std::string& id, const FeedSpan& span,
                       const std::function<bool()>& stop, const FeedLimits& limits = {});

// A VCALENDAR with one VEVENT per event; lines end in CRLF and are folded at
// 75 octets; text is escaped. `uid_scope` makes UIDs unique per feed
// ("team-payments"); `stamp` is DTSTAMP. A UID is the event's start and the
// scope, or "ongoing" and the scope for the one event with an open start, so
// every fetch names the same event the same way.
std::string RenderCalendar(std::string_view name, std::string_view uid_scope,
                           const std::vector<CalendarEvent>& events, TimePoint stamp);

}  // namespace rota::ui
