// The sections that say what happens to an alert: routes, escalations,
// inhibit_rules (in the main file and in rule_files) and the config's own
// silences. Private to config/; reader.h declares them.
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

}  // namespace

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

void ParseRuleSections(Reader& r, const YAML::Node& root, Pending& pending) {
  r.List(root, "routes", [&](const YAML::Node& n) { ParseRoute(r, n, pending.routes); });
  r.List(root, "escalations",
         [&](const YAML::Node& n) { ParseEscalation(r, n, pending.escalations); });
  r.List(root, "inhibit_rules",
         [&](const YAML::Node& n) { ParseInhibitRule(r, n, pending.inhibit_rules); });
}

}  // namespace rota::config::detail
