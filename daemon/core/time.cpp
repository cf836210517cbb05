// date::parse trips GCC 12's -Wmaybe-uninitialized at -O2 inside date.h (a
// false positive in its seconds parser). Every date::parse call of rota lives
// in this file so the suppression stays this narrow. It must come before the
// includes: the warning is attributed to lines of <chrono>.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "core/time.h"

#include <date/date.h>

#include <sstream>

namespace rota {

namespace {

// YYYY-MM-DDTHH:MM:SS[.digits](Z|+HH:MM|-HH:MM), checked before date::parse
// sees it: given a sign without digits ("...00-.123+01:00"), date::parse
// negated its "no offset" sentinel (signed overflow, found by
// tests/fuzz/ingest_*_fuzz).
bool HasRfc3339Shape(std::string_view s) {
  const auto digits = [&s](std::size_t at, std::size_t n) {
    if (at + n > s.size()) {
      return false;
    }
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') {
        return false;
      }
    }
    return true;
  };
  if (s.size() < 20 || !digits(0, 4) || s[4] != '-' || !digits(5, 2) || s[7] != '-' ||
      !digits(8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(11, 2) || s[13] != ':' ||
      !digits(14, 2) || s[16] != ':' || !digits(17, 2)) {
    return false;
  }
  std::size_t i = 19;
  if (s[i] == '.') {
    const std::size_t first = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
    }
    if (i == first) {
      return false;
    }
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    return i + 1 == s.size();
  }
  return i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && digits(i + 1, 2) && s[i + 3] == ':' &&
         digits(i + 4, 2);
}

}  // namespace

Result<TimePoint> ParseRfc3339(std::string_view text) {
  const auto bad = [&] {
    return Fail(Error::InvalidArgument("not an RFC 3339 instant: \"" + std::string(text) +
                                       "\" (expected e.g. 2026-11-23T09:00:00Z)"));
  };
  if (!HasRfc3339Shape(text)) {
    return bad();
  }
  std::string s(text);
  // Keep at most millisecond digits of a fraction (senders use up to nanoseconds).
  if (s.size() > 20 && s[19] == '.') {
    std::size_t end = 20;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') {
      ++end;
    }
    if (end == 20) {
      return bad();
    }
    if (end > 23) {
      s.erase(23, end - 23);
    }
  }
  std::istringstream in;
  date::sys_time<std::chrono::milliseconds> tp{};
  if (s.back() == 'Z' || s.back() == 'z') {
    s.pop_back();
    in.str(s);
    in >> date::parse("%FT%T", tp);
  } else {
    in.str(s);
    in >> date::parse("%FT%T%Ez", tp);
  }
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) {
    return bad();
  }
  return TimePoint{tp.time_since_epoch()};
}

std::string FormatRfc3339(TimePoint t) {
  if (t.time_since_epoch().count() % 1000 == 0) {
    return date::format("%FT%TZ", std::chrono::time_point_cast<std::chrono::seconds>(t));
  }
  return date::format("%FT%TZ", t);
}

Result<std::chrono::year_month_day> ParseDate(std::string_view text) {
  const auto bad = [&] {
    return Fail(
        Error::InvalidArgument("not a date: \"" + std::string(text) + "\" (expected YYYY-MM-DD)"));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return bad();
  }
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  for (std::size_t i = 0; i < 10; ++i) {
    if (i == 4 || i == 7) {
      continue;
    }
    if (text[i] < '0' || text[i] > '9') {
      return bad();
    }
  }
  y = std::stoi(std::string(text.substr(0, 4)));
  m = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
  d = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) {
    return Fail(Error::InvalidArgument("not a valid calendar date: \"" + std::string(text) + "\""));
  }
  return ymd;
}

Result<std::chrono::minutes> ParseLocalDateTime(std::string_view text) {
  std::string s(text);
  if (s.size() == 16 && s[10] == ' ') {
    s[10] = 'T';
  }
  std::istringstream in(s);
  date::local_time<std::chrono::minutes> t{};
  in >> date::parse("%Y-%m-%dT%H:%M", t);
  if (s.size() != 16 || in.fail() || in.peek() != std::char_traits<char>::eof()) {
    return Fail(Error::InvalidArgument("not a wall-clock date and time: \"" + std::string(text) +
                                       "\" (expected e.g. 2026-01-05T09:00)"));
  }
  return t.time_since_epoch();
}

}  // namespace rota
