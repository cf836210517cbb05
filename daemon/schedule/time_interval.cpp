#include "schedule/time_interval.h"

#include <date/tz.h>

#include <array>
#include <cctype>
#include <charconv>
#include <exception>

namespace rota::schedule {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                       "thursday", "friday", "saturday"};
constexpr std::array<std::string_view, 12> kMonths = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<int> ParseInt(std::string_view s) {
  int v = 0;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (!s.empty() && *first == '+') {
    ++first;
  }
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || ptr != last || first == last) {
    return std::nullopt;
  }
  return v;
}

// Splits "a:b" into {a, b}; "a" into {a, a}.
std::pair<std::string_view, std::string_view> SplitRange(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return {text, text};
  }
  return {text.substr(0, colon), text.substr(colon + 1)};
}

template <typename MemberFn>
Result<InclusiveRange> ParseRange(std::string_view text, MemberFn member) {
  if (text.find(':') != text.rfind(':')) {
    return Fail(
        Error::InvalidArgument("couldn't parse range " + std::string(text) + ", invalid format"));
  }
  auto [b, e] = SplitRange(text);
  auto begin = member(b);
  if (!begin) {
    return Fail(begin.error());
  }
  auto end = member(e);
  if (!end) {
    return Fail(end.error());
  }
  return InclusiveRange{*begin, *end};
}

}  // namespace

Result<int> ParseClockTime(std::string_view text) {
  const auto bad = [&] {
    return Fail(Error::InvalidArgument("couldn't parse timestamp " + std::string(text) +
                                       ", invalid format (expected HH:MM from 00:00 to 24:00)"));
  };
  if (text.size() != 5 || text[2] != ':') {
    return bad();
  }
  for (std::size_t i : {0U, 1U, 3U, 4U}) {
    if (text[i] < '0' || text[i] > '9') {
      return bad();
    }
  }
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h == 24 && m == 0) {
    return 1440;
  }
  if (h > 23 || m > 59) {
    return bad();
  }
  return h * 60 + m;
}

Result<TimeRange> ParseTimeRange(std::string_view start, std::string_view end) {
  if (start.empty() || end.empty()) {
    return Fail(Error::InvalidArgument("both start and end times must be provided"));
  }
  auto s = ParseClockTime(start);
  if (!s) {
    return Fail(s.error());
  }
  auto e = ParseClockTime(end);
  if (!e) {
    return Fail(e.error());
  }
  if (*s == *e) {
    return Fail(Error::InvalidArgument("start time cannot be equal to end time"));
  }
  if (*s == 1440) {
    return Fail(Error::InvalidArgument("start time cannot be 24:00"));
  }
  // end < start wraps past midnight (rota extension); 24:00 as an end never wraps.
  return TimeRange{*s, *e};
}

Result<InclusiveRange> ParseWeekdayRange(std::string_view text) {
  auto r = ParseRange(text, [](std::string_view s) -> Result<int> {
    const std::string l = Lower(s);
    for (std::size_t i = 0; i < kWeekdays.size(); ++i) {
      if (kWeekdays[i] == l) {
        return static_cast<int>(i);
      }
    }
    return Fail(Error::InvalidArgument(
        std::string(s) +
        " is not a valid weekday: write the full English name (monday ... sunday, any case), "
        "or a range like monday:friday"));
  });
  if (r && r->begin > r->end) {
    return Fail(Error::InvalidArgument("start day cannot be after end day: " + std::string(text) +
                                       " (weeks run sunday:saturday)"));
  }
  return r;
}

Result<InclusiveRange> ParseDayOfMonthRange(std::string_view text) {
  auto r = ParseRange(text, [](std::string_view s) -> Result<int> {
    auto v = ParseInt(s);
    if (!v) {
      return Fail(Error::InvalidArgument(std::string(s) + " is not a valid day of the month"));
    }
    return *v;
  });
  if (!r) {
    return r;
  }
  for (int v : {r->begin, r->end}) {
    if (v == 0 || v < -31 || v > 31) {
      return Fail(Error::InvalidArgument(std::to_string(v) +
                                         " is not a valid day of the month: out of range"));
    }
  }
  if (r->begin < 0 && r->end > 0) {
    return Fail(Error::InvalidArgument("end day must be negative if start day is negative"));
  }
  // With negative days the month length matters; 28 days rules out what is always empty.
  const int check_begin = r->begin < 0 ? 28 + r->begin : r->begin;
  const int check_end = r->end < 0 ? 28 + r->end : r->end;
  if (check_begin > check_end) {
    return Fail(Error::InvalidArgument("end day " + std::to_string(r->end) +
                                       " is always before start day " + std::to_string(r->begin)));
  }
  return r;
}

Result<InclusiveRange> ParseMonthRange(std::string_view text) {
  auto r = ParseRange(text, [](std::string_view s) -> Result<int> {
    const std::string l = Lower(s);
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
      if (kMonths[i] == l) {
        return static_cast<int>(i) + 1;
      }
    }
    auto v = ParseInt(s);
    if (!v || *v < 1 || *v > 12) {
      return Fail(Error::InvalidArgument(std::string(s) + " is not a valid month"));
    }
    return *v;
  });
  if (r && r->begin > r->end) {
    return Fail(Error::InvalidArgument(
        "end month " + std::string(kMonths[static_cast<std::size_t>(r->end - 1)]) +
        " is before start month " + std::string(kMonths[static_cast<std::size_t>(r->begin - 1)])));
  }
  return r;
}

Result<InclusiveRange> ParseYearRange(std::string_view text) {
  auto r = ParseRange(text, [](std::string_view s) -> Result<int> {
    auto v = ParseInt(s);
    if (!v || *v <= 0) {
      return Fail(Error::InvalidArgument(std::string(s) + " is not a valid year"));
    }
    return *v;
  });
  if (r && r->begin > r->end) {
    return Fail(Error::InvalidArgument("end year " + std::to_string(r->end) +
                                       " is before start year " + std::to_string(r->begin)));
  }
  return r;
}

Result<const date::time_zone*> FindZone(std::string_view name) {
  if (name.empty()) {
    return Fail(Error::InvalidArgument("empty time zone name"));
  }
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return Fail(Error::NotFound("unknown time zone \"" + std::string(name) +
                                "\" (not in the system tz database, /usr/share/zoneinfo)"));
  }
}

}  // namespace rota::schedule
