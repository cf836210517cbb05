#include "review/digest.h"

#include <date/tz.h>

#include <boost/json.hpp>

#include "core/time.h"

namespace rota::review {
namespace {

namespace json = boost::json;

using LocalDay = date::local_days;

bool IsOccurrenceDay(const config::Review& v, LocalDay d) {
  const date::year_month_day ymd(d);
  if (date::weekday(d).c_encoding() != static_cast<unsigned>(v.weekday)) {
    return false;
  }
  switch (v.every) {
    case config::Review::Every::kWeek:
      return true;
    case config::Review::Every::kFourWeeks: {
      const auto since = (d - LocalDay(date::year(1970) / date::January / 5)).count();
      return since >= 0 && (since / 7) % 4 == 0;
    }
    case config::Review::Every::kMonth:
      return static_cast<unsigned>(ymd.day()) <= 7;
  }
  return false;
}

TimePoint InstantOn(const config::Review& v, LocalDay d) {
  const auto local =
      date::local_time<std::chrono::minutes>(d) + std::chrono::minutes(v.minute_of_day);
  // A time in a DST gap is the end of the gap; a repeated one the first.
  const auto sys = v.zone->to_sys(local, date::choose::earliest);
  return TimePoint(std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()));
}

LocalDay LocalDayOf(const date::time_zone& zone, TimePoint t) {
  return date::floor<date::days>(
      zone.to_local(date::sys_time<std::chrono::milliseconds>(t.time_since_epoch())));
}

// Occurrences are at most 5 weeks apart (1mo); 70 days either way always finds one.
constexpr int kSearchDays = 70;

constexpr const char* kDayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};

constexpr const char* kWeekdays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                     "thursday", "friday", "saturday"};

json::object StatsJson(const Stats& s) {
  return json::object{
      {"count", s.count}, {"p50_s", s.p50_s}, {"p90_s", s.p90_s}, {"max_s", s.max_s}};
}

}  // namespace

json::object ReportJson(const Report& r) {
  json::object o;
  o["team"] = r.team;
  o["from"] = FormatRfc3339(r.from);
  o["to"] = FormatRfc3339(r.to);
  o["alerts"] = r.alerts;
  o["time_to_seen"] = StatsJson(r.time_to_seen);
  o["time_to_ack"] = StatsJson(r.time_to_ack);
  o["in_hours"] = json::object{{"alerts", r.in_hours_alerts},
                               {"time_to_seen", StatsJson(r.in_hours_time_to_seen)}};
  o["held"] = json::object{{"alerts", r.held_alerts},
                           {"total_s", r.held_total_s},
                           {"max_s", r.held_max_s},
                           {"resolved_while_held", r.resolved_while_held},
                           {"dropped", r.dropped},
                           {"capped", r.capped},
                           {"time_to_seen", StatsJson(r.held_time_to_seen)}};
  o["escalated_beyond_first_step"] = r.escalated_beyond_first_step;
  o["failed_notifications"] = r.failed_notifications;
  o["refused_off_duty"] = r.refused_off_duty;
  json::array gaps;
  for (const auto& g : r.gaps) {
    gaps.push_back(json::object{{"start", FormatRfc3339(g.start)}, {"end", FormatRfc3339(g.end)}});
  }
  json::array people;
  for (const auto& [p, s] : r.covered_by_person) {
    people.push_back(json::object{{"person", p}, {"covered_s", s}});
  }
  o["coverage"] = json::object{
      {"support_hours_s", r.support_hours_s},
      {"covered_s", r.covered_s},
      {"ratio", r.support_hours_s > 0 ? json::value(static_cast<double>(r.covered_s) /
                                                    static_cast<double>(r.support_hours_s))
                                      : json::value(nullptr)},
      {"gaps", std::move(gaps)},
      {"by_person", std::move(people)}};
  json::array hours;
  for (const auto& c : r.by_hour_of_week) {
    if (c.seen) {
      hours.push_back(json::object{{"weekday", kWeekdays[c.weekday]},
                                   {"hour", c.hour},
                                   {"alerts", c.alerts},
                                   {"covered_ratio", c.covered_ratio}});
    }
  }
  o["by_hour_of_week"] = std::move(hours);
  json::array fit;
  for (const auto& f : r.fit) {
    fit.push_back(json::object{
        {"weekday", kWeekdays[f.weekday]}, {"hour", f.hour}, {"held_s_saved", f.held_s_saved}});
  }
  o["fit"] = std::move(fit);
  json::array idle;
  for (const auto& c : r.idle_covered_hours) {
    idle.push_back(json::object{{"weekday", kWeekdays[c.weekday]}, {"hour", c.hour}});
  }
  o["idle_covered_hours"] = std::move(idle);
  json::array drills;
  for (const auto& d : r.drills) {
    drills.push_back(
        json::object{{"alert", std::to_string(d.alert)},
                     {"at", FormatRfc3339(d.at)},
                     {"time_to_seen_s",
                      d.time_to_seen_s ? json::value(*d.time_to_seen_s) : json::value(nullptr)}});
  }
  o["drills"] = std::move(drills);
  return o;
}

TimePoint LastOccurrence(const config::Review& v, TimePoint t) {
  const LocalDay today = LocalDayOf(*v.zone, t);
  for (int i = -1; i <= kSearchDays; ++i) {
    const LocalDay d = today - date::days(i);
    if (IsOccurrenceDay(v, d)) {
      if (const TimePoint at = InstantOn(v, d); at <= t) {
        return at;
      }
    }
  }
  return t;  // unreachable for valid reviews
}

TimePoint NextOccurrence(const config::Review& v, TimePoint t) {
  const LocalDay today = LocalDayOf(*v.zone, t);
  for (int i = -1; i <= kSearchDays; ++i) {
    const LocalDay d = today + date::days(i);
    if (IsOccurrenceDay(v, d)) {
      if (const TimePoint at = InstantOn(v, d); at > t) {
        return at;
      }
    }
  }
  return t + std::chrono::hours(24 * 7);  // unreachable for valid reviews
}

TimePoint PreviousOccurrence(const config::Review& v, TimePoint occurrence) {
  return LastOccurrence(v, occurrence - std::chrono::milliseconds(1));
}

std::string HumanSeconds(std::int64_t s) {
  if (s < 60) {
    return std::to_string(s) + " s";
  }
  if (s < 3600) {
    return std::to_string(s / 60) + " min";
  }
  if (s < 48 * 3600) {
    return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
  }
  return std::to_string(s / 86400) + " d " + std::to_string(s % 86400 / 3600) + " h";
}

json::object DigestData(const config::Config& c, const Report& r, const std::string& url) {
  const config::Team& team = *c.FindTeam(r.team);
  const date::time_zone& zone = *team.zone;
  const auto local_date = [&](TimePoint t) {
    return date::format("%a %d %b %Y %H:%M",
                        zone.to_local(date::sys_time<std::chrono::minutes>(
                            std::chrono::floor<std::chrono::minutes>(t.time_since_epoch()))));
  };
  const auto stat = [](const Stats& s, std::int64_t Stats::*field) {
    return s.count == 0 ? std::string("-") : HumanSeconds(s.*field);
  };
  json::object d{{"team", r.team},
                 {"team_name", team.name.empty() ? team.id : team.name},
                 {"timezone", zone.name()},
                 {"from", local_date(r.from)},
                 {"to", local_date(r.to)},
                 {"url", url},
                 {"alerts", r.alerts},
                 {"in_hours", r.in_hours_alerts},
                 {"seen_p50", stat(r.time_to_seen, &Stats::p50_s)},
                 {"seen_p90", stat(r.time_to_seen, &Stats::p90_s)},
                 {"ack_p50", stat(r.time_to_ack, &Stats::p50_s)},
                 {"ack_p90", stat(r.time_to_ack, &Stats::p90_s)},
                 {"held", r.held_alerts},
                 {"held_total", HumanSeconds(r.held_total_s)},
                 {"held_max", HumanSeconds(r.held_max_s)},
                 {"escalated", r.escalated_beyond_first_step},
                 {"failed", r.failed_notifications},
                 {"refused", r.refused_off_duty},
                 {"gap_count", r.gaps.size()}};
  d["coverage"] = r.support_hours_s > 0
                      ? std::to_string(r.covered_s * 1000 / r.support_hours_s / 10) + "." +
                            std::to_string(r.covered_s * 1000 / r.support_hours_s % 10) +
                            " % of support hours"
                      : std::string("no support hours declared");
  json::array fit;
  for (const auto& f : r.fit) {
    fit.push_back(
        json::object{{"when", std::string(kDayNames[f.weekday]).substr(0, 3) + " " +
                                  (f.hour < 10 ? "0" : "") + std::to_string(f.hour) + ":00"},
                     {"saves", HumanSeconds(f.held_s_saved)}});
  }
  d["has_fit"] = !fit.empty();
  d["fit"] = std::move(fit);
  // The heat map with inline colours (mail clients ignore style sheets):
  // green covered, amber partly, red an alert in an uncovered hour.
  json::array rows;
  for (int i = 0; i < 7; ++i) {
    const int wd = (i + 1) % 7;
    json::array cells;
    for (int h = 0; h < 24; ++h) {
      const HourCell& cell = r.by_hour_of_week[static_cast<std::size_t>(wd * 24 + h)];
      const char* bg = !cell.seen                  ? "#f4f4f4"
                       : cell.covered_ratio >= 1.0 ? "#cdeccd"
                       : cell.covered_ratio > 0    ? "#fbe6b0"
                       : cell.alerts > 0           ? "#f5b5b5"
                                                   : "#ffffff";
      cells.push_back(json::object{
          {"bg", bg}, {"count", cell.alerts > 0 ? std::to_string(cell.alerts) : std::string()}});
    }
    rows.push_back(json::object{{"day", std::string(kDayNames[wd]).substr(0, 3)},
                                {"cells", std::move(cells)}});
  }
  d["heat"] = std::move(rows);
  json::array hours;
  for (int h = 0; h < 24; ++h) {
    hours.emplace_back((h < 10 ? "0" : "") + std::to_string(h));
  }
  d["hours"] = std::move(hours);
  return d;
}

}  // namespace rota::review
