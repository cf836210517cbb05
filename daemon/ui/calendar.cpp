#include "ui/calendar.h"

#include <date/date.h>

#include <algorithm>
#include <iterator>
#include <optional>

#include "api/hmac.h"

namespace rota::ui {
namespace {

std::string Utc(TimePoint t) {
  return date::format("%Y%m%dT%H%M%SZ", date::floor<std::chrono::seconds>(t));
}

// RFC 5545 3.3.11: backslash, semicolon, comma and newline escaped.
std::string EscapeText(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\':
      case ';':
      case ',':
        out += '\\';
        out += c;
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return out;
}

// RFC 5545 3.1: lines longer than 75 octets are folded (CRLF, then a space),
// never inside a UTF-8 sequence.
void AddLine(std::string& out, std::string_view line) {
  std::size_t limit = 75;
  while (line.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0U) == 0x80U) {
      --cut;
    }
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    limit = 74;  // the leading space counts
  }
  out.append(line);
  out += "\r\n";
}

constexpr auto kFeedPiece = std::chrono::hours(24 * 7);

}  // namespace

std::string PersonName(const config::Config& c, std::string_view id) {
  const config::Person* p = c.FindPerson(id);
  return p != nullptr && !p->name.empty() ? p->name : std::string(id);
}

FeedEvents ComputeFeed(const config::Config& c, const schedule::Roster& roster,
                       std::string_view kind, const std::string& id, const FeedSpan& span,
                       const std::function<bool()>& stop, const FeedLimits& limits) {
  const auto [query_from, query_to, from, to, now] = span;
  FeedEvents out;
  const config::Team* team = kind == "team" ? c.FindTeam(id) : nullptr;
  std::size_t events = 0;
  std::size_t names = 0;
  // Windows over [a, b) that overlap the feed, joined across pieces, within
  // the room left.
  const auto collect = [&](TimePoint a, TimePoint b) {
    std::vector<schedule::CoverageWindow> got;
    for (TimePoint t = a; t < b && !out.full && !out.stopped; t += kFeedPiece) {
      const TimePoint u = std::min(b, t + kFeedPiece);
      // The room left bounds this piece too: a week of a huge team is never
      // built whole only to be thrown away.
      const schedule::QueryBounds bounds{
          stop, (limits.max_names - std::min(names, limits.max_names)) +
                    (limits.max_events - std::min(events, limits.max_events)) + 1};
      std::vector<schedule::CoverageWindow> piece;
      if (team != nullptr) {
        auto cov = roster.TeamCoverage(id, t, u, bounds);
        if (!cov) {
          (cov.error().code() == Error::Code::kTooLarge ? out.full : out.stopped) = true;
          break;
        }
        piece = std::move(cov->windows);
      } else {
        auto spans = roster.PersonDutySpans(id, t, u, bounds);
        if (!spans) {
          (spans.error().code() == Error::Code::kTooLarge ? out.full : out.stopped) = true;
          break;
        }
        for (const auto& duty : *spans) {
          piece.push_back({duty.start, duty.end, {id}});
        }
      }
      for (auto& w : piece) {
        if (!got.empty() && got.back().end == w.start && got.back().on_duty == w.on_duty) {
          got.back().end = w.end;  // cut at our own piece's edge
          continue;
        }
        if (events + 1 > limits.max_events || names + w.on_duty.size() > limits.max_names) {
          out.full = true;
          break;
        }
        events += 1;
        names += w.on_duty.size();
        got.push_back(std::move(w));
      }
    }
    return got;
  };
  auto ahead = collect(now, query_to);
  auto past = collect(query_from, now);
  if (out.stopped) {
    return out;
  }
  if (!past.empty() && !ahead.empty() && past.back().end == ahead.front().start &&
      past.back().on_duty == ahead.front().on_duty) {
    past.back().end = ahead.front().end;  // one window across `now`
    ahead.erase(ahead.begin());
  }
  std::move(ahead.begin(), ahead.end(), std::back_inserter(past));
  const std::string team_name = team == nullptr ? "" : (team->name.empty() ? team->id : team->name);
  for (const auto& w : past) {
    if (!(w.start < to && w.end > from)) {
      continue;  // looked at only to find the real start and end of those that do
    }
    const bool open_start = w.start <= query_from;
    if (team != nullptr) {
      std::string who;
      for (const auto& p : w.on_duty) {
        who += (who.empty() ? "" : ", ") + PersonName(c, p);
      }
      out.events.push_back({w.start, w.end, team_name + ": " + who,
                            "On duty for " + team_name + ": " + who, open_start});
    } else {
      out.events.push_back(
          {w.start, w.end, "On duty (rota)", "On duty for " + PersonName(c, id), open_start});
    }
  }
  return out;
}

std::string CalendarPath(std::string_view kind, std::string_view id) {
  return "/calendar/" + std::string(kind) + "/" + std::string(id) + ".ics";
}

std::string CalendarToken(std::string_view secret, std::string_view path) {
  return api::HmacSha256Hex(secret, path);
}

bool CalendarTokenValid(std::string_view secret, std::string_view path, std::string_view token) {
  return !secret.empty() && api::SameDigest(token, CalendarToken(secret, path));
}

std::string CalendarUrl(const config::Config& c, std::string_view kind, std::string_view id) {
  if (c.calendar.secret.empty()) {
    return {};
  }
  std::string base = c.global.external_url;
  while (base.ends_with('/')) {
    base.pop_back();
  }
  const std::string path = CalendarPath(kind, id);
  return base + path + "?token=" + CalendarToken(c.calendar.secret.Reveal(), path);
}

std::string RenderCalendar(std::string_view name, std::string_view uid_scope,
                           const std::vector<CalendarEvent>& events, TimePoint stamp) {
  std::string out;
  AddLine(out, "BEGIN:VCALENDAR");
  AddLine(out, "VERSION:2.0");
  AddLine(out, "PRODID:-//rota//on-duty windows//EN");
  AddLine(out, "CALSCALE:GREGORIAN");
  AddLine(out, "METHOD:PUBLISH");
  AddLine(out, "X-WR-CALNAME:" + EscapeText(name));
  AddLine(out, "X-PUBLISHED-TTL:PT1H");
  const std::string dtstamp = Utc(stamp);
  for (const auto& e : events) {
    AddLine(out, "BEGIN:VEVENT");
    AddLine(out, "UID:" + (e.open_start ? std::string("ongoing") : Utc(e.start)) + "-" +
                     std::string(uid_scope) + "@rota");
    AddLine(out, "DTSTAMP:" + dtstamp);
    AddLine(out, "DTSTART:" + Utc(e.start));
    AddLine(out, "DTEND:" + Utc(e.end));
    AddLine(out, "SUMMARY:" + EscapeText(e.summary));
    if (!e.description.empty()) {
      AddLine(out, "DESCRIPTION:" + EscapeText(e.description));
    }
    AddLine(out, "TRANSP:OPAQUE");
    AddLine(out, "END:VEVENT");
  }
  AddLine(out, "END:VCALENDAR");
  return out;
}

}  // namespace rota::ui
