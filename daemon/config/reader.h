// Reader: reads the YAML nodes of one config or rule file into values,
// reporting every problem as a Diagnostic at the node's file:line:col, and
// the small helpers the section parsers share. Private to config/ (the
// loader and its section parsers); yaml-cpp exceptions stop here.
//
// Thread-safety: a Reader belongs to one load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/file.h"
#include "config/loader.h"
#include "core/duration.h"
#include "core/error.h"

namespace rota::config::detail {

namespace fs = std::filesystem;
using Keys = std::initializer_list<std::string_view>;

inline std::string Join(Keys keys) {
  std::string out;
  for (auto k : keys) {
    if (!out.empty()) {
      out += ", ";
    }
    out += k;
  }
  return out;
}

inline std::string KindOf(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

inline Result<std::string> ReadWholeFile(const std::string& path) { return ReadConfigFile(path); }

inline bool IsValidId(std::string_view id) {
  if (id.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    const bool alnum = std::isalnum(c) != 0;
    if (!(alnum || (i > 0 && (c == '_' || c == '-' || c == '.')))) {
      return false;
    }
  }
  return true;
}

// Reads YAML nodes of one file, reporting problems with positions.
class Reader {
 public:
  Reader(std::string file, std::string base_dir, std::vector<Diagnostic>& errors)
      : file_(std::move(file)), base_dir_(std::move(base_dir)), errors_(errors) {}

  [[nodiscard]] const std::string& file() const { return file_; }

  [[nodiscard]] SourcePos Pos(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    if (m.is_null()) {
      return {file_, 1, 1};
    }
    return {file_, m.line + 1, m.column + 1};
  }

  void Err(const SourcePos& pos, std::string msg) { errors_.push_back({pos, std::move(msg)}); }
  void Err(const YAML::Node& n, std::string msg) { Err(Pos(n), std::move(msg)); }
  // How many problems have been reported so far (to tell whether a step
  // added one, and skip checks that would only repeat it).
  [[nodiscard]] std::size_t ErrorCount() const { return errors_.size(); }

  // True if `n` is a map whose keys are all in `allowed` (each at most once).
  // Unknown and duplicate keys are reported but do not make it false.
  bool Map(const YAML::Node& n, std::string_view what, Keys allowed) {
    if (!n.IsMap()) {
      Err(n, "expected " + std::string(what) + " to be a map, got " + KindOf(n));
      return false;
    }
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) {
        Err(key, "expected a key name in " + std::string(what));
        continue;
      }
      const std::string k = key.Scalar();
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        Err(key, "unknown key \"" + k + "\" in " + std::string(what) +
                     " (expected one of: " + Join(allowed) + ")");
      } else if (!seen.insert(k).second) {
        Err(key, "duplicate key \"" + k + "\" in " + std::string(what));
      }
    }
    return true;
  }

  // Required keys: reports at the map when missing.
  bool Require(const YAML::Node& map, std::string_view key, std::string_view what) {
    const YAML::Node v = map[std::string(key)];
    if (!v.IsDefined() || v.IsNull()) {
      Err(map, std::string(what) + " is missing required key \"" + std::string(key) + "\"");
      return false;
    }
    return true;
  }

  std::optional<std::string> Str(const YAML::Node& n, std::string_view what) {
    if (!n.IsScalar()) {
      Err(n, "expected " + std::string(what) + " to be a string, got " + KindOf(n));
      return std::nullopt;
    }
    return n.Scalar();
  }

  // Optional string field: leaves `out` alone when the key is absent.
  void OptStr(const YAML::Node& map, std::string_view key, std::string& out) {
    const YAML::Node v = map[std::string(key)];
    if (v.IsDefined() && !v.IsNull()) {
      if (auto s = Str(v, key)) {
        out = *s;
      }
    }
  }

  void OptBool(const YAML::Node& map, std::string_view key, bool& out) {
    const YAML::Node v = map[std::string(key)];
    if (!v.IsDefined() || v.IsNull()) {
      return;
    }
    bool b = false;
    if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) {
      Err(v, "expected " + std::string(key) + " to be true or false, got " +
                 (v.IsScalar() ? "\"" + v.Scalar() + "\"" : KindOf(v)));
      return;
    }
    out = b;
  }

  void OptInt(const YAML::Node& map, std::string_view key, long long min, long long max,
              long long& out) {
    const YAML::Node v = map[std::string(key)];
    if (!v.IsDefined() || v.IsNull()) {
      return;
    }
    long long i = 0;
    if (!v.IsScalar() || !YAML::convert<long long>::decode(v, i)) {
      Err(v, "expected " + std::string(key) + " to be a whole number, got " +
                 (v.IsScalar() ? "\"" + v.Scalar() + "\"" : KindOf(v)));
      return;
    }
    if (i < min || i > max) {
      Err(v, std::string(key) + " must be between " + std::to_string(min) + " and " +
                 std::to_string(max) + ", got " + std::to_string(i));
      return;
    }
    out = i;
  }

  void OptNum(const YAML::Node& map, std::string_view key, double min, double max, double& out) {
    const YAML::Node v = map[std::string(key)];
    if (!v.IsDefined() || v.IsNull()) {
      return;
    }
    double d = 0;
    if (!v.IsScalar() || !YAML::convert<double>::decode(v, d) || !std::isfinite(d)) {
      Err(v, "expected " + std::string(key) + " to be a number, got " +
                 (v.IsScalar() ? "\"" + v.Scalar() + "\"" : KindOf(v)));
      return;
    }
    if (d < min || d > max) {
      std::ostringstream msg;
      msg << key << " must be between " << min << " and " << max << ", got " << v.Scalar();
      Err(v, msg.str());
      return;
    }
    out = d;
  }

  std::optional<Duration> Dur(const YAML::Node& n, std::string_view what) {
    auto s = Str(n, what);
    if (!s) {
      return std::nullopt;
    }
    auto d = ParseDuration(*s);
    if (!d) {
      Err(n, std::string(what) + ": " + d.error().message());
      return std::nullopt;
    }
    return *d;
  }

  void OptDur(const YAML::Node& map, std::string_view key, Duration& out) {
    const YAML::Node v = map[std::string(key)];
    if (v.IsDefined() && !v.IsNull()) {
      if (auto d = Dur(v, key)) {
        out = *d;
      }
    }
  }

  // Calls fn(element) for each element of a list at map[key]; absent is fine.
  template <typename Fn>
  void List(const YAML::Node& map, std::string_view key, Fn fn) {
    const YAML::Node v = map[std::string(key)];
    if (!v.IsDefined() || v.IsNull()) {
      return;
    }
    ForEach(v, key, fn);
  }

  template <typename Fn>
  void ForEach(const YAML::Node& v, std::string_view what, Fn fn) {
    if (!v.IsSequence()) {
      Err(v, "expected " + std::string(what) + " to be a list, got " + KindOf(v));
      return;
    }
    for (const YAML::Node& item : v) {
      fn(item);
    }
  }

  std::vector<std::pair<std::string, SourcePos>> StrList(const YAML::Node& map,
                                                         std::string_view key) {
    std::vector<std::pair<std::string, SourcePos>> out;
    List(map, key, [&](const YAML::Node& item) {
      if (auto s = Str(item, std::string(key) + " entry")) {
        out.emplace_back(*s, Pos(item));
      }
    });
    return out;
  }

  // Reads a secret from an inline key or its `_file` twin; exactly one may be set.
  void Secret(const YAML::Node& map, std::string_view key, bool required, config::Secret& out) {
    const std::string file_key = std::string(key) + "_file";
    const YAML::Node inline_v = map[std::string(key)];
    const YAML::Node file_v = map[file_key];
    const bool has_inline = inline_v.IsDefined() && !inline_v.IsNull();
    const bool has_file = file_v.IsDefined() && !file_v.IsNull();
    if (has_inline && has_file) {
      Err(file_v, "set either " + std::string(key) + " or " + file_key + ", not both");
      return;
    }
    if (has_inline) {
      if (auto s = Str(inline_v, key)) {
        out = config::Secret(*s);
      }
      return;
    }
    if (has_file) {
      if (auto s = Str(file_v, file_key)) {
        out = ReadSecretFile(file_v, *s);
      }
      return;
    }
    if (required) {
      Err(map, "missing " + std::string(key) + " or " + file_key);
    }
  }

  void SecretFileOnly(const YAML::Node& map, std::string_view file_key, config::Secret& out) {
    const YAML::Node v = map[std::string(file_key)];
    if (v.IsDefined() && !v.IsNull()) {
      if (auto s = Str(v, file_key)) {
        out = ReadSecretFile(v, *s);
      }
    }
  }

  [[nodiscard]] std::string Resolve(const std::string& path) const {
    if (path.empty() || path.front() == '/') {
      return path;
    }
    return (fs::path(base_dir_) / path).lexically_normal().string();
  }

 private:
  config::Secret ReadSecretFile(const YAML::Node& at, const std::string& path) {
    auto text = ReadWholeFile(Resolve(path));
    if (!text) {
      Err(at, text.error().message());
      return {};
    }
    std::string s = std::move(*text);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
      s.pop_back();
    }
    if (s.empty()) {
      Err(at, "secret file " + Resolve(path) + " is empty");
    }
    return config::Secret(std::move(s));
  }

  std::string file_;
  std::string base_dir_;
  std::vector<Diagnostic>& errors_;
};

// Section parsers that live in their own files.
void ParseChannel(Reader& r, const YAML::Node& n, std::vector<Channel>& out);

// sections.cpp: the settings sections.
void ParseGlobal(Reader& r, const YAML::Node& n, Global& g);
void ParseServer(Reader& r, const YAML::Node& n, Server& s);
void ParseIngest(Reader& r, const YAML::Node& n, Ingest& in);
void ParseAuth(Reader& r, const YAML::Node& n, Auth& a);
void ParseUi(Reader& r, const YAML::Node& n, Ui& u);
void ParseCalendar(Reader& r, const YAML::Node& n, Calendar& c);
struct PendingReview;
void ParseReview(Reader& r, const YAML::Node& n, std::vector<PendingReview>& out);
void ParseStorage(Reader& r, const YAML::Node& n, Storage& s);
void ParseHeaders(Reader& r, const YAML::Node& channel, Channel& c);

// roster_sections.cpp: who is on duty when.
struct PendingPerson;
struct PendingTeam;
void ParseNamedInterval(Reader& r, const YAML::Node& n, std::vector<NamedInterval>& out);
void ParsePerson(Reader& r, const YAML::Node& n, std::vector<PendingPerson>& out);
void ParseTeam(Reader& r, const YAML::Node& n, std::vector<PendingTeam>& out);
void ParseOverride(Reader& r, const YAML::Node& n, std::vector<Override>& out);

// rule_sections.cpp: what happens to an alert.
struct Pending;
void ParseSilence(Reader& r, const YAML::Node& n, std::vector<rules::Silence>& out);
// routes, escalations and inhibit_rules of one file (the main one or a rule file).
void ParseRuleSections(Reader& r, const YAML::Node& root, Pending& pending);

}  // namespace rota::config::detail
