#include "ui/coverage_svg.h"

#include <algorithm>
#include <cstdio>

#include "core/html.h"
#include "core/time.h"

namespace rota::ui {
namespace {

constexpr int kLabel = 64;   // the day names' column
constexpr int kWidth = 720;  // 24 hours, 30 px each
constexpr int kRow = 22;
constexpr int kBar = 16;

TimePoint ToSys(const date::time_zone& zone, date::local_days day) {
  const auto info = zone.get_info(date::local_seconds(day.time_since_epoch()));
  // Midnight may not exist (a DST jump at 00:00): the first instant after.
  if (info.result == date::local_info::nonexistent) {
    return TimePoint(std::chrono::duration_cast<std::chrono::milliseconds>(
        info.second.begin.time_since_epoch()));
  }
  const auto sys = date::local_seconds(day.time_since_epoch()) - info.first.offset;
  return TimePoint(std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()));
}

}  // namespace

std::string CoverageSvg(const schedule::Coverage& coverage, const date::time_zone& zone,
                        TimePoint from, int days, TimePoint now) {
  const auto first = date::floor<date::days>(
      zone.to_local(date::sys_time<std::chrono::milliseconds>(from.time_since_epoch())));
  const int rows = days + 1;  // the first day starts before `from`
  const int height = 18 + rows * kRow;
  std::string svg = "<svg class=\"coverage\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                    std::to_string(kLabel + kWidth + 16) + " " + std::to_string(height) +
                    "\" role=\"img\" aria-label=\"coverage, " + HtmlEscape(zone.name()) +
                    "\" data-from=\"" + FormatRfc3339(from) + "\" data-to=\"" +
                    FormatRfc3339(from + std::chrono::hours(24 * days)) + "\">";
  for (int h = 0; h <= 24; h += 3) {
    const int x = kLabel + h * kWidth / 24;
    svg += "<text class=\"hour\" x=\"" + std::to_string(x) + "\" y=\"12\">" + (h < 10 ? "0" : "") +
           std::to_string(h) + "</text>";
  }
  struct Item {
    TimePoint start;
    TimePoint end;
    const char* cls;
    std::string title;
  };
  std::vector<Item> items;
  for (const auto& w : coverage.windows) {
    std::string who;
    for (const auto& p : w.on_duty) {
      who += (who.empty() ? "" : ", ") + p;
    }
    items.push_back({w.start, w.end, "on", "on duty: " + who});
  }
  for (const auto& g : coverage.gaps) {
    items.push_back({g.start, g.end, g.in_support_hours ? "gap-in" : "gap-out",
                     g.in_support_hours ? "nobody on duty inside support hours"
                                        : "nobody on duty (outside support hours)"});
  }
  const TimePoint until = from + std::chrono::hours(24 * days);
  for (int r = 0; r < rows; ++r) {
    const date::local_days day = first + date::days(r);
    const TimePoint s = ToSys(zone, day);
    const TimePoint e = ToSys(zone, day + date::days(1));
    if (s >= until) {
      break;
    }
    const int y = 18 + r * kRow;
    svg += "<text class=\"day\" x=\"0\" y=\"" + std::to_string(y + 12) + "\">" +
           date::format("%a %d", day) + "</text>";
    svg += "<rect class=\"day-bg\" x=\"" + std::to_string(kLabel) + "\" y=\"" + std::to_string(y) +
           "\" width=\"" + std::to_string(kWidth) + "\" height=\"" + std::to_string(kBar) + "\"/>";
    const double span = static_cast<double>((e - s).count());
    for (const auto& it : items) {
      const TimePoint a = std::max(it.start, s);
      const TimePoint b = std::min(it.end, e);
      if (a >= b) {
        continue;
      }
      const double x0 = kLabel + kWidth * static_cast<double>((a - s).count()) / span;
      const double x1 = kLabel + kWidth * static_cast<double>((b - s).count()) / span;
      char buf[96];
      std::snprintf(buf, sizeof buf, "x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"", x0, y,
                    std::max(x1 - x0, 0.5), kBar);
      svg += std::string("<rect class=\"") + it.cls + "\" " + buf + " data-start=\"" +
             FormatRfc3339(it.start) + "\" data-end=\"" + FormatRfc3339(it.end) + "\"><title>" +
             HtmlEscape(it.title) + "</title></rect>";
    }
    if (now >= s && now < e) {
      const double x = kLabel + kWidth * static_cast<double>((now - s).count()) / span;
      char buf[96];
      std::snprintf(buf, sizeof buf, "x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"", x, x, y - 2,
                    y + kBar + 2);
      svg += std::string("<line class=\"now\" ") + buf + "/>";
    }
  }
  svg += "</svg>";
  return svg;
}

}  // namespace rota::ui
