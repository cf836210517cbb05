#include "ui/form.h"

#include "core/time.h"
#include "http/router.h"

namespace rota::ui {
std::string Decode(std::string_view s) { return http::FormDecode(s); }

std::map<std::string, std::string> FormFields(std::string_view body) {
  return http::FormFields(body);
}

std::string Field(const std::map<std::string, std::string>& f, const std::string& name) {
  const auto it = f.find(name);
  return it == f.end() ? std::string() : it->second;
}

std::string SafeBack(std::string_view back, std::string_view fallback) {
  if (!back.starts_with("/ui/") || back.find("//") != std::string_view::npos ||
      back.find('\\') != std::string_view::npos) {
    return std::string(fallback);
  }
  // It goes into a Location header: control bytes, spaces and non-ASCII are
  // percent-encoded, never passed through.
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char c : back) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

std::string LocalTime(const date::time_zone& zone, TimePoint t, TimePoint now) {
  const auto local = date::floor<std::chrono::minutes>(
      zone.to_local(date::sys_time<std::chrono::milliseconds>(t.time_since_epoch())));
  const bool soon = t >= now - std::chrono::hours(24 * 6) && t - now < std::chrono::hours(24 * 6);
  return date::format(soon ? "%a %H:%M" : "%a %d %b %Y %H:%M", local);
}

std::string ClockTime(const date::time_zone& zone, TimePoint t) {
  const auto local = date::floor<std::chrono::minutes>(
      zone.to_local(date::sys_time<std::chrono::milliseconds>(t.time_since_epoch())));
  return date::format("%H:%M", local);
}

std::string Relative(TimePoint t, TimePoint now) {
  const bool future = t >= now;
  const auto d =
      std::chrono::duration_cast<std::chrono::minutes>(future ? t - now : now - t).count();
  std::string n;
  if (d < 1) {
    return "now";
  }
  if (d < 90) {
    n = std::to_string(d) + " min";
  } else if (d < 48 * 60) {
    n = std::to_string((d + 30) / 60) + " h";
  } else {
    n = std::to_string((d + 12 * 60) / (24 * 60)) + " days";
  }
  return future ? "in " + n : n + " ago";
}

Result<TimePoint> ParseLocalInput(std::string_view value, const date::time_zone& zone) {
  if (value.size() > 16 || value.find('Z') != std::string_view::npos) {
    return ParseRfc3339(value);
  }
  // YYYY-MM-DDTHH:MM, what <input type=datetime-local> sends.
  const auto digits = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (i >= value.size() || value[i] < '0' || value[i] > '9') {
        return -1;
      }
      v = v * 10 + (value[i] - '0');
    }
    return v;
  };
  const int y = digits(0, 4);
  const int mo = digits(5, 2);
  const int d = digits(8, 2);
  const int h = digits(11, 2);
  const int mi = digits(14, 2);
  const date::year_month_day day{date::year(y), date::month(static_cast<unsigned>(mo)),
                                 date::day(static_cast<unsigned>(d))};
  if (value.size() != 16 || value[4] != '-' || value[7] != '-' || value[10] != 'T' ||
      value[13] != ':' || y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      !day.ok()) {
    return Fail(Error::InvalidArgument("\"" + std::string(value) +
                                       "\": expected a date and time like 2026-12-24T09:00"));
  }
  const date::local_time<std::chrono::minutes> local =
      date::local_days(day) + std::chrono::hours(h) + std::chrono::minutes(mi);
  try {
    // A time skipped by DST is taken as the instant just after the gap;
    // an ambiguous one as its first occurrence.
    const auto sys = zone.to_sys(local, date::choose::earliest);
    return TimePoint(std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()));
  } catch (const date::nonexistent_local_time&) {
    const auto info = zone.get_info(local);
    return TimePoint(std::chrono::duration_cast<std::chrono::milliseconds>(
        info.second.begin.time_since_epoch()));
  }
}

}  // namespace rota::ui
