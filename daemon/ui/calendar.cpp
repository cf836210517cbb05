#include "ui/calendar.h"

#include <date/date.h>

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

}  // namespace

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
