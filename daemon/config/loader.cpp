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
