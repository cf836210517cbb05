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

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/clock.h"

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

// A VCALENDAR with one VEVENT per event; lines end in CRLF and are folded at
// 75 octets; text is escaped. `uid_scope` makes UIDs unique per feed
// ("team-payments"); `stamp` is DTSTAMP. A UID is the event's start and the
// scope, or "ongoing" and the scope for the one event with an open start, so
// every fetch names the same event the same way.
std::string RenderCalendar(std::string_view name, std::string_view uid_scope,
                           const std::vector<CalendarEvent>& events, TimePoint stamp);

}  // namespace rota::ui
