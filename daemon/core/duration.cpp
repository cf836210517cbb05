#include "core/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace rota {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t ms;
};

// Longest names first where one is a prefix of another ("ms" before "m").
constexpr std::array<Unit, 7> kUnits = {{
    {"y", 365LL * 24 * 3600 * 1000},
    {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"ms", 1},
    {"m", 60LL * 1000},
    {"s", 1000},
}};

// Rank in the required descending order (ms is the smallest).
int Rank(std::string_view unit) {
  constexpr std::array<std::string_view, 7> kOrder = {"y", "w", "d", "h", "m", "s", "ms"};
  for (std::size_t i = 0; i < kOrder.size(); ++i) {
    if (kOrder[i] == unit) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text == "0") {
    return Duration{0};
  }
  if (text.empty()) {
    return Fail(Error::InvalidArgument("empty duration"));
  }
  std::int64_t total = 0;
  int last_rank = -1;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (number > (std::numeric_limits<std::int64_t>::max() - 9) / 10) {
        return Fail(Error::InvalidArgument("duration " + quoted + " is too large"));
      }
      number = number * 10 + (text[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0) {
      return Fail(Error::InvalidArgument("not a valid duration: " + quoted +
                                         " (expected e.g. 30s, 5m, 1h30m)"));
    }
    const Unit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return Fail(Error::InvalidArgument("not a valid duration: " + quoted +
                                         " (missing or unknown unit; use ms, s, m, h, d, w, y)"));
    }
    i += unit->name.size();
    const int rank = Rank(unit->name);
    if (rank <= last_rank) {
      return Fail(Error::InvalidArgument("not a valid duration: " + quoted +
                                         " (units must appear once, largest first)"));
    }
    last_rank = rank;
    if (number > (std::numeric_limits<std::int64_t>::max() - total) / unit->ms) {
      return Fail(Error::InvalidArgument("duration " + quoted + " is too large"));
    }
    total += number * unit->ms;
  }
  // Anything longer ends past year 9999, which no instant of rota's can say
  // (a silence of 100000000y would end in year 29160, printed as garbage).
  constexpr std::int64_t kMaxMs = 1000LL * 365 * 24 * 3600 * 1000;
  if (total > kMaxMs) {
    return Fail(Error::InvalidArgument("duration " + quoted + " is too large (at most 1000y)"));
  }
  return Duration{total};
}

std::string FormatDuration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) {
    return "0s";
  }
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  constexpr std::array<std::string_view, 7> kOrder = {"y", "w", "d", "h", "m", "s", "ms"};
  for (std::string_view name : kOrder) {
    for (const auto& u : kUnits) {
      if (u.name == name && ms >= u.ms) {
        out += std::to_string(ms / u.ms);
        out += name;
        ms %= u.ms;
      }
    }
  }
  return out;
}

}  // namespace rota
