// The sections that say who is on duty when: time_intervals, people,
// teams, overrides (each entry parsed with its position; names are resolved
// later, config/resolve.cpp). Private to config/; reader.h declares them.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "config/pending.h"
#include "config/reader.h"
#include "config/zones.h"
#include "core/time.h"

namespace rota::config::detail {

namespace {

std::optional<schedule::TimeInterval> ParseIntervalEntry(Reader& r, const YAML::Node& n) {
  if (!r.Map(n, "a time interval entry",
             {"times", "weekdays", "days_of_month", "months", "years", "location"})) {
    return std::nullopt;
  }
  schedule::TimeInterval ti;
  ti.pos = r.Pos(n);
  bool ok = true;
  r.List(n, "times", [&](const YAML::Node& t) {
    const std::size_t before = r.ErrorCount();
    if (!r.Map(t, "a times entry", {"start_time", "end_time"}) || r.ErrorCount() > before) {
      ok = false;  // a misspelt key is the one error to show, not "both times must be given"
      return;
    }
    std::string start;
    std::string end;
    r.OptStr(t, "start_time", start);
    r.OptStr(t, "end_time", end);
    auto range = schedule::ParseTimeRange(start, end);
    if (!range) {
      r.Err(t, range.error().message());
      ok = false;
      return;
    }
    ti.times.push_back(*range);
  });
  const auto ranges = [&](std::string_view key, auto parse,
                          std::vector<schedule::InclusiveRange>& out) {
    for (const auto& [text, pos] : r.StrList(n, key)) {
      auto range = parse(text);
      if (!range) {
        r.Err(pos, range.error().message());
        ok = false;
      } else {
        out.push_back(*range);
      }
    }
  };
  ranges("weekdays", schedule::ParseWeekdayRange, ti.weekdays);
  ranges("days_of_month", schedule::ParseDayOfMonthRange, ti.days_of_month);
  ranges("months", schedule::ParseMonthRange, ti.months);
  ranges("years", schedule::ParseYearRange, ti.years);
  const YAML::Node loc = n["location"];
  if (loc.IsDefined() && !loc.IsNull()) {
    if (auto name = r.Str(loc, "location")) {
      auto zone = schedule::FindZone(*name);
      if (!zone) {
        r.Err(loc, zone.error().message());
        ok = false;
      } else {
        ti.location = *name;
        ti.zone = *zone;
      }
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return ti;
}

// A list mixing names of shared intervals and inline entries. Names are
// resolved later, when every interval is known.

PendingHours ParseHoursList(Reader& r, const YAML::Node& map, std::string_view key) {
  PendingHours out;
  r.List(map, key, [&](const YAML::Node& item) {
    if (item.IsScalar()) {
      out.names.emplace_back(item.Scalar(), r.Pos(item));
    } else if (auto ti = ParseIntervalEntry(r, item)) {
      out.inline_entries.push_back(std::move(*ti));
    }
  });
  return out;
}

// A Mustache template from the file at n[key], checked to parse; "" when absent.

void ParseZone(Reader& r, const YAML::Node& map, std::string& name, const date::time_zone*& zone) {
  r.OptStr(map, "timezone", name);
  if (const YAML::Node tz = map["timezone"]; tz.IsDefined() && !name.empty()) {
    if (auto z = schedule::FindZone(name); !z) {
      r.Err(tz, z.error().message() + ZoneSuggestion(name));
    } else {
      zone = *z;
    }
  }
}

}  // namespace

void ParseNamedInterval(Reader& r, const YAML::Node& n, std::vector<NamedInterval>& out) {
  if (!r.Map(n, "a named time interval", {"name", "time_intervals"}) ||
      !r.Require(n, "name", "time interval")) {
    return;
  }
  NamedInterval ni;
  ni.pos = r.Pos(n);
  r.OptStr(n, "name", ni.name);
  r.List(n, "time_intervals", [&](const YAML::Node& e) {
    if (auto ti = ParseIntervalEntry(r, e)) {
      ni.intervals.push_back(std::move(*ti));
    }
  });
  out.push_back(std::move(ni));
}

void ParsePerson(Reader& r, const YAML::Node& n, std::vector<PendingPerson>& out) {
  if (!r.Map(n, "a person", {"id", "name", "timezone", "hours", "time_off", "contacts"}) ||
      !r.Require(n, "id", "person")) {
    return;
  }
  PendingPerson pp;
  Person& p = pp.person;
  p.pos = r.Pos(n);
  r.OptStr(n, "id", p.id);
  if (!IsValidId(p.id)) {
    r.Err(n["id"], "person id \"" + p.id +
                       "\" must start with a letter or digit and contain only letters, digits, "
                       "'_', '-' and '.'");
  }
  r.OptStr(n, "name", p.name);
  r.OptStr(n, "timezone", p.timezone);
  if (const YAML::Node tz = n["timezone"]; tz.IsDefined() && !p.timezone.empty()) {
    if (auto zone = schedule::FindZone(p.timezone); !zone) {
      r.Err(tz, zone.error().message() + ZoneSuggestion(p.timezone));
    } else {
      p.zone = *zone;
    }
  }
  pp.hours = ParseHoursList(r, n, "hours");
  r.List(n, "time_off", [&](const YAML::Node& t) {
    if (!r.Map(t, "a time_off entry", {"start", "end", "reason"}) ||
        !r.Require(t, "start", "time_off entry") || !r.Require(t, "end", "time_off entry")) {
      return;
    }
    TimeOff off;
    off.pos = r.Pos(t);
    std::string start;
    std::string end;
    r.OptStr(t, "start", start);
    r.OptStr(t, "end", end);
    r.OptStr(t, "reason", off.reason);
    if (start.size() == 10 && end.size() == 10) {
      auto a = ParseDate(start);
      auto b = ParseDate(end);
      if (!a) {
        r.Err(t["start"], a.error().message());
      }
      if (!b) {
        r.Err(t["end"], b.error().message());
      }
      if (a && b) {
        if (std::chrono::sys_days(*b) < std::chrono::sys_days(*a)) {
          r.Err(t["end"], "time_off end " + end + " is before start " + start);
          return;
        }
        off.kind = TimeOff::Kind::kDates;
        off.first_day = *a;
        off.last_day = *b;
        p.time_off.push_back(off);
      }
      return;
    }
    auto a = ParseRfc3339(start);
    auto b = ParseRfc3339(end);
    if (!a) {
      r.Err(t["start"], a.error().message() + "; use dates (YYYY-MM-DD) or instants for both");
    }
    if (!b) {
      r.Err(t["end"], b.error().message() + "; use dates (YYYY-MM-DD) or instants for both");
    }
    if (a && b) {
      if (*b <= *a) {
        r.Err(t["end"], "time_off end " + end + " is not after start " + start);
        return;
      }
      off.kind = TimeOff::Kind::kInstants;
      off.start = *a;
      off.end = *b;
      p.time_off.push_back(off);
    }
  });
  r.List(n, "contacts", [&](const YAML::Node& c) {
    if (!r.Map(c, "a contact", {"channel", "to", "after"}) || !r.Require(c, "channel", "contact")) {
      return;
    }
    Contact contact;
    contact.pos = r.Pos(c["channel"]);
    r.OptStr(c, "channel", contact.channel);
    r.OptStr(c, "to", contact.to);
    r.OptDur(c, "after", contact.after);
    if (const YAML::Node a = c["after"];
        a.IsDefined() && (contact.after < Duration(0) || contact.after > std::chrono::hours(24))) {
      r.Err(a, "after must be between 0s and 24h");
    }
    p.contacts.push_back(std::move(contact));
  });
  out.push_back(std::move(pp));
}

void ParseTeam(Reader& r, const YAML::Node& n, std::vector<PendingTeam>& out) {
  if (!r.Map(n, "a team",
             {"id", "name", "members", "timezone", "page", "rotation", "support_hours",
              "required_coverage"}) ||
      !r.Require(n, "id", "team")) {
    return;
  }
  PendingTeam pt;
  Team& t = pt.team;
  t.pos = r.Pos(n);
  r.OptStr(n, "id", t.id);
  if (!IsValidId(t.id)) {
    r.Err(n["id"], "team id \"" + t.id +
                       "\" must start with a letter or digit and contain only letters, digits, "
                       "'_', '-' and '.'");
  }
  r.OptStr(n, "name", t.name);
  pt.members = r.StrList(n, "members");
  ParseZone(r, n, t.timezone, t.zone);
  if (const YAML::Node page = n["page"]; page.IsDefined() && !page.IsNull()) {
    pt.page_pos = r.Pos(page);
    if (auto v = r.Str(page, "page")) {
      if (*v == "all") {
        t.page = schedule::PageMode::kAll;
      } else if (*v == "one") {
        t.page = schedule::PageMode::kOne;
      } else {
        r.Err(page, "page must be all or one, got \"" + *v + "\"");
      }
    }
  }
  if (const YAML::Node rot = n["rotation"]; rot.IsDefined() && !rot.IsNull()) {
    if (r.Map(rot, "a rotation", {"order", "shift_length", "start", "timezone"}) &&
        r.Require(rot, "start", "rotation")) {
      Rotation rotation;
      pt.rotation_order = r.StrList(rot, "order");
      r.OptDur(rot, "shift_length", rotation.shift_length);
      if (rotation.shift_length < std::chrono::minutes(1)) {
        r.Err(rot["shift_length"], "shift_length must be at least 1m");
      }
      std::string start;
      r.OptStr(rot, "start", start);
      if (auto local = ParseLocalDateTime(start)) {
        rotation.start = schedule::LocalMinutes{*local};
      } else {
        r.Err(rot["start"],
              "rotation start must be a wall-clock date and time like "
              "2026-01-05T09:00 (in the rotation's timezone), got \"" +
                  start + "\"");
      }
      ParseZone(r, rot, rotation.timezone, rotation.zone);
      t.rotation = std::move(rotation);
    }
  }
  if (t.page == schedule::PageMode::kOne && !t.rotation) {
    r.Err(pt.page_pos.value_or(r.Pos(n)),
          "team \"" + t.id + "\": page: one needs a rotation (order, shift_length, start)");
  }
  if (t.page == schedule::PageMode::kAll && t.rotation) {
    r.Err(n["rotation"], "team \"" + t.id + "\": a rotation only applies with page: one");
  }
  pt.support_hours = ParseHoursList(r, n, "support_hours");
  if (const YAML::Node rc = n["required_coverage"]; rc.IsDefined() && !rc.IsNull()) {
    if (r.Map(rc, "required_coverage", {"level", "weeks"})) {
      std::string level = "warning";
      r.OptStr(rc, "level", level);
      if (level == "off") {
        t.required_coverage.level = RequiredCoverage::Level::kOff;
      } else if (level == "warning") {
        t.required_coverage.level = RequiredCoverage::Level::kWarning;
      } else if (level == "error") {
        t.required_coverage.level = RequiredCoverage::Level::kError;
      } else {
        r.Err(rc["level"],
              "required_coverage level must be off, warning or error, got \"" + level + "\"");
      }
      long long weeks = t.required_coverage.weeks;
      r.OptInt(rc, "weeks", 1, 52, weeks);
      t.required_coverage.weeks = static_cast<int>(weeks);
    }
  }
  out.push_back(std::move(pt));
}

void ParseOverride(Reader& r, const YAML::Node& n, std::vector<Override>& out) {
  if (!r.Map(n, "an override", {"id", "person", "replaces", "team", "start", "end", "note"}) ||
      !r.Require(n, "person", "override") || !r.Require(n, "start", "override") ||
      !r.Require(n, "end", "override")) {
    return;
  }
  Override o;
  o.pos = r.Pos(n);
  r.OptStr(n, "id", o.id);
  r.OptStr(n, "person", o.person);
  r.OptStr(n, "replaces", o.replaces);
  r.OptStr(n, "team", o.team);
  r.OptStr(n, "note", o.note);
  std::string start;
  std::string end;
  r.OptStr(n, "start", start);
  r.OptStr(n, "end", end);
  auto a = ParseRfc3339(start);
  auto b = ParseRfc3339(end);
  if (!a) {
    r.Err(n["start"], a.error().message());
  }
  if (!b) {
    r.Err(n["end"], b.error().message());
  }
  if (a && b && *b <= *a) {
    r.Err(n["end"], "override end " + end + " is not after start " + start);
    return;
  }
  if (!o.replaces.empty() && !o.team.empty()) {
    r.Err(n["team"], "an override either replaces a person or adds one to a team, not both");
    return;
  }
  if (!o.replaces.empty() && o.replaces == o.person) {
    r.Err(n["replaces"], "a person cannot replace themself");
    return;
  }
  if (a && b) {
    o.start = *a;
    o.end = *b;
    if (o.id.empty()) {
      o.id = "config-" + std::to_string(out.size() + 1);
    }
    out.push_back(std::move(o));
  }
}

}  // namespace rota::config::detail
