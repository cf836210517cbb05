#include "config/loader.h"

#include <glob.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <kainjow/mustache.hpp>
#include <set>
#include <sstream>
#include <unordered_map>

#include "config/pending.h"
#include "config/reader.h"
#include "config/zones.h"
#include "core/hash.h"
#include "core/time.h"

namespace rota::config {
namespace {

using namespace detail;
namespace fs = std::filesystem;

// ---- sections --------------------------------------------------------------

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

void ParseRoute(Reader& r, const YAML::Node& n, std::vector<PendingRoute>& out) {
  if (!r.Map(n, "a route",
             {"name", "matchers", "group_by", "group_wait", "group_interval", "repeat_interval",
              "escalation", "continue", "active_time_intervals", "mute_time_intervals"}) ||
      !r.Require(n, "name", "route") || !r.Require(n, "escalation", "route")) {
    return;
  }
  PendingRoute pr;
  Route& route = pr.route;
  route.pos = r.Pos(n);
  r.OptStr(n, "name", route.name);
  r.OptStr(n, "escalation", route.escalation);
  pr.escalation_pos = r.Pos(n["escalation"]);
  for (const auto& [text, pos] : r.StrList(n, "matchers")) {
    auto ms = rules::ParseMatchers(text);
    if (!ms) {
      r.Err(pos, ms.error().message());
      continue;
    }
    for (auto& m : *ms) {
      route.matchers.push_back(std::move(m));
    }
  }
  for (const auto& [label, pos] : r.StrList(n, "group_by")) {
    if (label == "...") {
      route.group_by_all = true;
    } else if (!rules::IsValidLabelName(label)) {
      r.Err(pos, "group_by: \"" + label + "\" is not a valid label name");
    } else {
      route.group_by.push_back(label);
    }
  }
  if (route.group_by_all && !route.group_by.empty()) {
    r.Err(n["group_by"], "group_by: '...' groups by all labels and cannot be combined with names");
  }
  r.OptDur(n, "group_wait", route.group_wait);
  r.OptDur(n, "group_interval", route.group_interval);
  r.OptDur(n, "repeat_interval", route.repeat_interval);
  if (n["group_interval"].IsDefined() && route.group_interval.count() == 0) {
    r.Err(n["group_interval"], "group_interval must be greater than 0");
  }
  if (n["repeat_interval"].IsDefined() && route.repeat_interval.count() == 0) {
    r.Err(n["repeat_interval"], "repeat_interval must be greater than 0");
  }
  r.OptBool(n, "continue", route.continue_matching);
  pr.active = r.StrList(n, "active_time_intervals");
  pr.mute = r.StrList(n, "mute_time_intervals");
  out.push_back(std::move(pr));
}

std::optional<NobodyOnDuty> ParseNobody(Reader& r, const YAML::Node& n) {
  auto s = r.Str(n, "when_nobody_on_duty");
  if (!s) {
    return std::nullopt;
  }
  if (*s == "hold") {
    return NobodyOnDuty::kHold;
  }
  if (*s == "next") {
    return NobodyOnDuty::kNext;
  }
  if (*s == "drop") {
    return NobodyOnDuty::kDrop;
  }
  r.Err(n, "when_nobody_on_duty must be hold, next or drop, got \"" + *s + "\"");
  return std::nullopt;
}

void ParseEscalation(Reader& r, const YAML::Node& n, std::vector<PendingEscalation>& out) {
  if (!r.Map(n, "an escalation",
             {"name", "steps", "repeat", "when_nobody_on_duty", "on_shift_end"}) ||
      !r.Require(n, "name", "escalation") || !r.Require(n, "steps", "escalation")) {
    return;
  }
  PendingEscalation pe;
  Escalation& e = pe.escalation;
  e.pos = r.Pos(n);
  r.OptStr(n, "name", e.name);
  long long repeat = 0;
  r.OptInt(n, "repeat", 0, 1000, repeat);
  e.repeat = static_cast<int>(repeat);
  if (const YAML::Node w = n["when_nobody_on_duty"]; w.IsDefined()) {
    if (auto p = ParseNobody(r, w)) {
      e.when_nobody_on_duty = *p;
    }
  }
  if (const YAML::Node s = n["on_shift_end"]; s.IsDefined()) {
    if (auto v = r.Str(s, "on_shift_end")) {
      if (*v == "handover") {
        e.on_shift_end = OnShiftEnd::kHandover;
      } else if (*v == "keep") {
        e.on_shift_end = OnShiftEnd::kKeep;
      } else {
        r.Err(s, "on_shift_end must be handover or keep, got \"" + *v + "\"");
      }
    }
  }
  r.List(n, "steps", [&](const YAML::Node& s) {
    if (!r.Map(s, "an escalation step",
               {"notify", "escalate_after", "when_nobody_on_duty", "max_hold"}) ||
        !r.Require(s, "notify", "escalation step")) {
      return;
    }
    EscalationStep step;
    step.pos = r.Pos(s);
    std::vector<SourcePos> positions;
    for (const auto& [text, pos] : r.StrList(s, "notify")) {
      Target t;
      if (text.starts_with("person:")) {
        t.kind = Target::Kind::kPerson;
        t.id = text.substr(7);
      } else if (text.starts_with("team:")) {
        t.kind = Target::Kind::kTeam;
        t.id = text.substr(5);
      } else if (text.starts_with("channel:")) {
        t.kind = Target::Kind::kChannel;
        t.id = text.substr(8);
      } else {
        r.Err(pos, "unknown target \"" + text + "\" (expected person:ID, team:ID or channel:NAME)");
        continue;
      }
      step.notify.push_back(std::move(t));
      positions.push_back(pos);
    }
    if (s["notify"].IsSequence() && s["notify"].size() == 0) {
      r.Err(s["notify"], "notify must name at least one target");
    }
    r.OptDur(s, "escalate_after", step.escalate_after);
    if (const YAML::Node w = s["when_nobody_on_duty"]; w.IsDefined()) {
      step.when_nobody_on_duty = ParseNobody(r, w);
    }
    if (const YAML::Node m = s["max_hold"]; m.IsDefined()) {
      step.max_hold = r.Dur(m, "max_hold");
    }
    e.steps.push_back(std::move(step));
    pe.target_pos.push_back(std::move(positions));
  });
  if (n["steps"].IsSequence() && n["steps"].size() == 0) {
    r.Err(n["steps"], "an escalation needs at least one step");
  }
  out.push_back(std::move(pe));
}

// ---- the whole load ----------------------------------------------------------

std::vector<rules::Matcher> MatcherList(Reader& r, const YAML::Node& map, std::string_view key) {
  std::vector<rules::Matcher> out;
  for (const auto& [text, pos] : r.StrList(map, key)) {
    auto ms = rules::ParseMatchers(text);
    if (!ms) {
      r.Err(pos, ms.error().message());
      continue;
    }
    for (auto& m : *ms) {
      out.push_back(std::move(m));
    }
  }
  return out;
}

// A silence kept in the file (the Watchdog pattern, a known-noisy alert).
void ParseSilence(Reader& r, const YAML::Node& n, std::vector<rules::Silence>& out) {
  if (!r.Map(n, "a silence", {"matchers", "comment", "created_by", "starts_at", "ends_at"}) ||
      !r.Require(n, "matchers", "silence") || !r.Require(n, "comment", "silence")) {
    return;
  }
  rules::Silence s;
  s.id = "config-s-" + std::to_string(out.size() + 1);
  s.matchers = MatcherList(r, n, "matchers");
  r.OptStr(n, "comment", s.comment);
  s.created_by = "config";
  r.OptStr(n, "created_by", s.created_by);
  // From the start of time to the end of it, unless bounded.
  s.starts_at = TimePoint{};
  s.ends_at = *ParseRfc3339("9999-12-31T23:59:59Z");
  for (const auto& [key, field] : {std::pair<const char*, TimePoint*>{"starts_at", &s.starts_at},
                                   std::pair<const char*, TimePoint*>{"ends_at", &s.ends_at}}) {
    std::string text;
    r.OptStr(n, key, text);
    if (text.empty()) {
      continue;
    }
    if (auto t = ParseRfc3339(text)) {
      *field = *t;
    } else {
      r.Err(n[key], std::string(key) + ": " + t.error().message());
      return;
    }
  }
  if (s.ends_at <= s.starts_at) {
    r.Err(n["ends_at"], "a silence's ends_at must be after its starts_at");
    return;
  }
  if (std::all_of(s.matchers.begin(), s.matchers.end(),
                  [](const rules::Matcher& m) { return m.Matches(""); })) {
    r.Err(n["matchers"],
          "at least one matcher must not match the empty string; these would silence every alert");
    return;
  }
  out.push_back(std::move(s));
}

void ParseInhibitRule(Reader& r, const YAML::Node& n, std::vector<InhibitRule>& out) {
  if (!r.Map(n, "an inhibit rule", {"source_matchers", "target_matchers", "equal"})) {
    return;
  }
  InhibitRule rule;
  rule.pos = r.Pos(n);
  rule.source_matchers = MatcherList(r, n, "source_matchers");
  rule.target_matchers = MatcherList(r, n, "target_matchers");
  for (const auto& [label, pos] : r.StrList(n, "equal")) {
    if (!rules::IsValidLabelName(label)) {
      r.Err(pos, "equal: \"" + label + "\" is not a valid label name");
    } else {
      rule.equal.push_back(label);
    }
  }
  if (rule.source_matchers.empty() || rule.target_matchers.empty()) {
    r.Err(n, "an inhibit rule needs source_matchers and target_matchers");
    return;
  }
  out.push_back(std::move(rule));
}

std::optional<YAML::Node> ParseYaml(const std::string& file, const std::string& text,
                                    std::vector<Diagnostic>& errors) {
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) {
      return YAML::Node(YAML::NodeType::Map);
    }
    return root;
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    const int col = e.mark.is_null() ? 1 : e.mark.column + 1;
    errors.push_back({{file, line, col}, "YAML syntax error: " + e.msg});
    return std::nullopt;
  }
}

void ParseRuleSections(Reader& r, const YAML::Node& root, Pending& pending) {
  r.List(root, "routes", [&](const YAML::Node& n) { ParseRoute(r, n, pending.routes); });
  r.List(root, "escalations",
         [&](const YAML::Node& n) { ParseEscalation(r, n, pending.escalations); });
  r.List(root, "inhibit_rules",
         [&](const YAML::Node& n) { ParseInhibitRule(r, n, pending.inhibit_rules); });
}

std::vector<std::string> ExpandGlob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      out.emplace_back(g.gl_pathv[i]);
    }
  }
  globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

// Checks that names in `items` are unique, reporting each repeat with the first place.

}  // namespace

std::string DefaultStorageDir() {
  if (const char* dir = std::getenv("STATE_DIRECTORY"); dir != nullptr && *dir != '\0') {
    // systemd may list several, separated by ':'; the first is ours.
    std::string s(dir);
    return s.substr(0, s.find(':'));
  }
  return "./var";
}

namespace {

// The top-level sections of the main file, parsed into `cfg` and `pending`.
void ParseMain(Reader& r, const YAML::Node& root, const LoadOptions& options, Config& cfg,
               Pending& pending) {
  if (const YAML::Node g = root["global"]; g.IsDefined() && !g.IsNull()) {
    ParseGlobal(r, g, cfg.global);
  }
  if (cfg.global.zone == nullptr) {
    if (auto zone = schedule::FindZone(cfg.global.timezone)) {
      cfg.global.zone = *zone;
    }
  }
  if (const YAML::Node s = root["server"]; s.IsDefined() && !s.IsNull()) {
    ParseServer(r, s, cfg.server);
  }
  if (const YAML::Node s = root["storage"]; s.IsDefined() && !s.IsNull()) {
    ParseStorage(r, s, cfg.storage);
  }
  if (const YAML::Node s = root["ingest"]; s.IsDefined() && !s.IsNull()) {
    ParseIngest(r, s, cfg.ingest);
  }
  if (const YAML::Node s = root["auth"]; s.IsDefined() && !s.IsNull()) {
    ParseAuth(r, s, cfg.auth);
  }
  if (const YAML::Node s = root["ui"]; s.IsDefined() && !s.IsNull()) {
    ParseUi(r, s, cfg.ui);
  }
  if (const YAML::Node s = root["calendar"]; s.IsDefined() && !s.IsNull()) {
    ParseCalendar(r, s, cfg.calendar);
  }
  if (cfg.storage.dir.empty()) {
    cfg.storage.dir = options.default_storage_dir;
  }
  if (cfg.server.instance.empty()) {
    // The machine's name, not the listen address: instances of a group on
    // several machines all listen on 0.0.0.0:9095.
    std::array<char, 256> host{};
    const bool named = ::gethostname(host.data(), host.size() - 1) == 0 && host[0] != '\0';
    cfg.server.instance = (named ? std::string(host.data()) : std::string("localhost")) + ":" +
                          std::to_string(cfg.server.port);
  }
  if (cfg.global.external_url.empty()) {
    const std::string host = cfg.server.host.empty() ? "localhost" : cfg.server.host;
    cfg.global.external_url =
        (cfg.server.tls ? "https://" : "http://") + host + ":" + std::to_string(cfg.server.port);
  }
  r.List(root, "channels", [&](const YAML::Node& n) {
    const std::size_t before = cfg.channels.size();
    ParseChannel(r, n, cfg.channels);
    if (cfg.channels.size() > before) {
      ParseHeaders(r, n, cfg.channels.back());
      cfg.channels.back().external_url = cfg.global.external_url;
    }
  });
  r.List(root, "time_intervals",
         [&](const YAML::Node& n) { ParseNamedInterval(r, n, cfg.time_intervals); });
  r.List(root, "people", [&](const YAML::Node& n) { ParsePerson(r, n, pending.people); });
  r.List(root, "teams", [&](const YAML::Node& n) { ParseTeam(r, n, pending.teams); });
  r.List(root, "overrides", [&](const YAML::Node& n) { ParseOverride(r, n, cfg.overrides); });
  r.List(root, "reviews", [&](const YAML::Node& n) { ParseReview(r, n, pending.reviews); });
  r.List(root, "silences", [&](const YAML::Node& n) { ParseSilence(r, n, cfg.silences); });
  ParseRuleSections(r, root, pending);
}

// Rule files, in glob order per pattern, each once.
void LoadRuleFiles(Reader& r, const YAML::Node& root, LoadResult& result, Config& cfg,
                   Pending& pending, Fnv1a64& hash) {
  auto& errors = result.errors;
  std::set<std::string> loaded;
  // Each entry: a glob (it must match a file: a typo would leave every alert
  // unrouted), or {glob, optional: true} for one that may match nothing.
  struct Entry {
    std::string pattern;
    SourcePos pos;
    bool optional = false;
  };
  std::vector<Entry> entries;
  r.List(root, "rule_files", [&](const YAML::Node& item) {
    if (item.IsMap()) {
      if (!r.Map(item, "a rule_files entry", {"glob", "optional"}) ||
          !r.Require(item, "glob", "rule_files entry")) {
        return;
      }
      Entry e{"", r.Pos(item), false};
      r.OptStr(item, "glob", e.pattern);
      r.OptBool(item, "optional", e.optional);
      entries.push_back(std::move(e));
    } else if (auto s = r.Str(item, "a rule_files entry (a glob, or {glob, optional})")) {
      entries.push_back({*s, r.Pos(item), false});
    }
  });
  for (const auto& [pattern, pos, optional] : entries) {
    const std::string full = r.Resolve(pattern);
    const auto files = ExpandGlob(full);
    if (files.empty()) {
      if (optional) {
        result.warnings.push_back(
            {pos, "rule_files pattern \"" + pattern + "\" matches no files (optional)"});
      } else {
        errors.push_back(
            {pos, "rule_files pattern \"" + pattern + "\" matches no files (looked for " + full +
                      "); fix the path, or mark it {glob: '" + pattern + "', optional: true}"});
      }
    }
    for (const auto& file : files) {
      std::error_code ec;
      const fs::path canonical = fs::weakly_canonical(file, ec);
      if (ec) {
        errors.push_back({pos, "cannot read " + file + ": " + ec.message()});
        continue;
      }
      if (!loaded.insert(canonical.string()).second) {
        continue;
      }
      cfg.rule_files.push_back(file);
      auto rule_text = ReadWholeFile(file);
      if (!rule_text) {
        errors.push_back({pos, rule_text.error().message()});
        continue;
      }
      hash.Update(file);
      hash.Update(*rule_text);
      auto rule_root = ParseYaml(file, *rule_text, errors);
      if (!rule_root) {
        continue;
      }
      Reader rr(file, fs::path(file).parent_path().string(), errors);
      if (rr.Map(*rule_root, "a rule file", {"routes", "escalations", "inhibit_rules"})) {
        ParseRuleSections(rr, *rule_root, pending);
      }
    }
  }
}

}  // namespace

// Parse everything (main file, then rule files), check names are unique,
// then resolve every reference; all errors are collected, none stops early.
LoadResult Load(const std::string& path, const LoadOptions& options) {
  LoadResult result;
  auto cfg = std::make_shared<Config>();
  cfg->path = path;
  Fnv1a64 hash;
  auto text = ReadWholeFile(path);
  if (!text) {
    result.errors.push_back({{path, 1, 1}, text.error().message()});
    return result;
  }
  hash.Update(*text);
  auto root = ParseYaml(path, *text, result.errors);
  if (!root) {
    return result;
  }
  const std::string base_dir = fs::path(path).parent_path().string();
  Reader r(path, base_dir.empty() ? "." : base_dir, result.errors);
  if (!r.Map(*root, "the config file",
             {"global", "server", "storage", "channels", "time_intervals", "people", "teams",
              "overrides", "rule_files", "routes", "escalations", "inhibit_rules", "ingest", "auth",
              "ui", "calendar", "reviews", "silences"})) {
    return result;
  }
  Pending pending;
  ParseMain(r, *root, options, *cfg, pending);
  LoadRuleFiles(r, *root, result, *cfg, pending, hash);
  CheckAllUnique(result.errors, *cfg, pending);
  Resolve(pending, *cfg, result);
  if (options.require_routes && result.errors.empty() && cfg->routes.empty()) {
    result.errors.push_back({{path, 1, 1},
                             "no routes: every alert would be unrouted; add routes (in this file "
                             "or in a rule file named by rule_files)"});
  }
  cfg->hash = hash.Digest();
  if (result.errors.empty()) {
    result.config = std::move(cfg);
  }
  return result;
}

}  // namespace rota::config
