// The time-interval parsers, and evaluation checked against itself: for any
// interval that parses, asking "is this instant inside?" directly must agree
// with the exact spans computed for a window around it (two implementations,
// one answer), across DST changes of the zones involved.
//
// Input: lines "start", "end", weekdays, days_of_month, months, years,
// location, window offset in hours (empty line: field left out).
#include <date/tz.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "schedule/hours.h"
#include "schedule/spans.h"
#include "schedule/time_interval.h"

namespace {

using namespace rota;
using namespace rota::schedule;

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty() && out.size() < 8) {
    const auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  out.resize(8);
  return out;
}

template <typename Parse>
bool AddRange(std::string_view text, Parse parse, std::vector<InclusiveRange>& out) {
  if (text.empty()) {
    return true;
  }
  auto r = parse(text);
  if (!r) {
    ROTA_FUZZ_CHECK(!r.error().message().empty(), "an error says what is wrong");
    return false;
  }
  ROTA_FUZZ_CHECK(r->begin <= r->end || r->begin < 0 || r->end < 0, "a range runs forward");
  out.push_back(*r);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto f = Lines(std::string_view(reinterpret_cast<const char*>(data), size));
  TimeInterval ti;
  if (!f[0].empty() || !f[1].empty()) {
    auto r = ParseTimeRange(f[0], f[1]);
    if (!r) {
      return 0;
    }
    ROTA_FUZZ_CHECK(r->start_minute >= 0 && r->start_minute <= 1440 && r->end_minute >= 0 &&
                        r->end_minute <= 1440 && r->start_minute != r->end_minute,
                    "a time range is within a day and not empty");
    ti.times.push_back(*r);
  }
  if (!AddRange(f[2], ParseWeekdayRange, ti.weekdays) ||
      !AddRange(f[3], ParseDayOfMonthRange, ti.days_of_month) ||
      !AddRange(f[4], ParseMonthRange, ti.months) || !AddRange(f[5], ParseYearRange, ti.years)) {
    return 0;
  }
  if (!f[6].empty()) {
    auto zone = FindZone(f[6]);
    if (!zone) {
      return 0;
    }
    ti.location = std::string(f[6]);
    ti.zone = *zone;
  }
  long hours = 0;
  for (char c : f[7].substr(0, 6)) {
    if (c >= '0' && c <= '9') {
      hours = hours * 10 + (c - '0');
    }
  }
  static const date::time_zone* berlin = date::locate_zone("Europe/Berlin");
  // 2026-03-20T00:00Z plus up to ~11 years: every DST change of the decade.
  const TimePoint from = TimePoint{std::chrono::seconds(1773964800)} + std::chrono::hours(hours);
  const TimePoint to = from + std::chrono::hours(24 * 9);
  const auto spans = IntervalSpans({ti}, *berlin, from, to);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    ROTA_FUZZ_CHECK(spans[i].start < spans[i].end, "spans are not empty");
    ROTA_FUZZ_CHECK(i == 0 || spans[i - 1].end < spans[i].start, "spans are sorted and apart");
  }
  std::vector<TimePoint> probes;
  for (TimePoint t = from; t < to; t += std::chrono::minutes(97)) {
    probes.push_back(t);
  }
  for (const auto& s : spans) {
    for (TimePoint t :
         {s.start - std::chrono::seconds(1), s.start, s.end - std::chrono::seconds(1), s.end}) {
      if (t >= from && t < to) {
        probes.push_back(t);
      }
    }
  }
  for (TimePoint t : probes) {
    ROTA_FUZZ_CHECK(Contains(ti, *berlin, t) == Contains(spans, t),
                    "direct evaluation agrees with the spans");
  }
  return 0;
}
