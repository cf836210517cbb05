#include "config/rule_tests.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "core/time.h"
#include "rules/matcher.h"

namespace rota::config {

namespace {

// Collects errors at a node's line and column.
struct Errors {
  const std::string& path;
  std::vector<Diagnostic>& out;
  void operator()(const YAML::Node& n, std::string msg) const {
    const auto m = n.Mark();
    out.push_back(
        {{path, m.is_null() ? 1 : m.line + 1, m.is_null() ? 1 : m.column + 1}, std::move(msg)});
  }
};

std::optional<std::vector<std::string>> Strings(const YAML::Node& n, const Errors& err) {
  if (!n.IsSequence()) {
    err(n, "expected a list of person ids");
    return std::nullopt;
  }
  std::vector<std::string> v;
  for (const auto& s : n) {
    v.push_back(s.as<std::string>(""));
  }
  return v;
}

void ParseExpect(const YAML::Node& expect, RuleTestCase& c, const Errors& err) {
  for (auto it = expect.begin(); it != expect.end(); ++it) {
    const std::string k = it->first.as<std::string>("");
    if (k == "route") {
      c.route = it->second.as<std::string>("");
    } else if (k == "status") {
      c.status = it->second.as<std::string>("");
    } else if (k == "notified") {
      c.notified = Strings(it->second, err);
    } else if (k == "held_until") {
      c.held_until = it->second.as<std::string>("");
      if (!ParseRfc3339(*c.held_until)) {
        err(it->second, "held_until: not an RFC 3339 instant");
      }
    } else if (k == "next_on_duty") {
      c.next_on_duty = Strings(it->second, err);
    } else {
      err(it->first,
          "unknown key \"" + k +
              "\" in expect (expected route, status, notified, held_until, next_on_duty)");
    }
  }
}

// One test case, or nothing (with errors) when it cannot be run.
std::optional<RuleTestCase> ParseCase(const YAML::Node& t, const std::string& path,
                                      const Errors& err) {
  RuleTestCase c;
  const auto m = t.Mark();
  c.pos = {path, m.line + 1, m.column + 1};
  if (!t.IsMap()) {
    err(t, "expected a test case map");
    return std::nullopt;
  }
  for (auto it = t.begin(); it != t.end(); ++it) {
    const std::string k = it->first.as<std::string>("");
    if (k != "name" && k != "at" && k != "alert" && k != "expect") {
      err(it->first, "unknown key \"" + k + "\" in a test (expected name, at, alert, expect)");
    }
  }
  c.name = t["name"].as<std::string>("test at line " + std::to_string(c.pos.line));
  auto at = ParseRfc3339(t["at"].as<std::string>(""));
  if (!at) {
    err(t["at"] ? t["at"] : t, "at: " + at.error().message());
    return std::nullopt;
  }
  c.at = *at;
  const YAML::Node alert = t["alert"];
  if (!alert.IsMap() || alert.size() == 0) {
    err(alert ? alert : t, "alert: expected a map of labels");
    return std::nullopt;
  }
  std::vector<LabelSet::Pair> pairs;
  for (auto it = alert.begin(); it != alert.end(); ++it) {
    const std::string name = it->first.as<std::string>("");
    if (!rules::IsValidLabelName(name)) {
      err(it->first, "\"" + name + "\" is not a valid label name");
    }
    pairs.emplace_back(name, it->second.as<std::string>(""));
  }
  c.labels = LabelSet(std::move(pairs));
  const YAML::Node expect = t["expect"];
  if (!expect.IsMap()) {
    err(expect ? expect : t,
        "expect: expected a map (route, status, notified, held_until, next_on_duty)");
    return std::nullopt;
  }
  ParseExpect(expect, c, err);
  return c;
}

}  // namespace

RuleTestsResult LoadRuleTests(const std::string& path) {
  RuleTestsResult out;
  const Errors err{path, out.errors};
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    out.errors.push_back({{path, 1, 1}, "cannot read " + path});
    return out;
  } catch (const YAML::Exception& e) {
    out.errors.push_back(
        {{path, e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg});
    return out;
  }
  if (!root.IsMap() || !root["config"] || !root["tests"] || !root["tests"].IsSequence()) {
    err(root, "expected a map with config: (a path) and tests: (a list)");
    return out;
  }
  RuleTests tests;
  const std::string config = root["config"].as<std::string>("");
  const auto dir = std::filesystem::path(path).parent_path();
  tests.config_path = config.starts_with("/") ? config : (dir / config).lexically_normal().string();
  for (const auto& t : root["tests"]) {
    if (auto c = ParseCase(t, path, err)) {
      tests.cases.push_back(std::move(*c));
    }
  }
  if (out.errors.empty()) {
    out.tests = std::move(tests);
  }
  return out;
}

}  // namespace rota::config
