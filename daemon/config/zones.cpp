#include "config/zones.h"

#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace rota::config {
namespace {

struct Links {
  std::map<std::string, std::string, std::less<>> target;  // alias -> canonical
  std::vector<std::string> names;                          // every zone and alias
};

const Links& LoadLinks() {
  static const Links links = [] {
    Links l;
    const char* dir = std::getenv("TZDIR");
    std::ifstream in(std::string(dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo") +
                     "/tzdata.zi");
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string kind;
      std::string a;
      std::string b;
      words >> kind >> a >> b;
      if (kind == "L" && !b.empty()) {
        l.target[b] = a;  // L TARGET ALIAS
        l.names.push_back(b);
      } else if (kind == "Z" && !a.empty()) {
        l.names.push_back(a);
      }
    }
    return l;
  }();
  return links;
}

// Zones of the tz database that are not places: a fixed offset, or the
// rules of one country for a whole continent-wide offset. What was meant.
const std::map<std::string, std::string, std::less<>> kLegacy = {
    {"EST", "America/New_York"},    {"EST5EDT", "America/New_York"},
    {"CST6CDT", "America/Chicago"}, {"MST", "America/Phoenix"},
    {"MST7MDT", "America/Denver"},  {"PST8PDT", "America/Los_Angeles"},
    {"HST", "Pacific/Honolulu"},    {"CET", "Europe/Paris"},
    {"MET", "Europe/Paris"},        {"EET", "Europe/Athens"},
    {"WET", "Europe/Lisbon"},
};

std::string Fold(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += c == '-' || c == ' ' ? '_' : static_cast<char>(std::tolower(u));
  }
  return out;
}

bool Fine(std::string_view name) {
  return name == "UTC" || name == "Etc/UTC" || name == "GMT" || name == "Etc/GMT" || name == "Z";
}

}  // namespace

std::optional<std::string> ZoneAdvice(std::string_view name) {
  if (Fine(name)) {
    return std::nullopt;
  }
  if (const auto it = kLegacy.find(name); it != kLegacy.end()) {
    return "timezone \"" + std::string(name) + "\" is a legacy zone (" +
           (name.find_first_of("0123456789") == std::string_view::npos && name.size() == 3
                ? "a fixed offset with no daylight saving time"
                : "one rule for a whole offset, not a place") +
           "); name the place instead, e.g. " + it->second;
  }
  if (name.starts_with("Etc/GMT")) {
    return "timezone \"" + std::string(name) +
           "\" is a fixed offset with no daylight saving time (and its sign is inverted: Etc/GMT+5 "
           "is UTC-5); "
           "name the place instead, e.g. America/New_York";
  }
  const Links& links = LoadLinks();
  if (const auto it = links.target.find(name); it != links.target.end() && !Fine(it->second)) {
    return "timezone \"" + std::string(name) + "\" is an old alias of " + it->second + "; write " +
           it->second;
  }
  return std::nullopt;
}

std::string ZoneSuggestion(std::string_view name) {
  const std::string folded = Fold(name);
  const Links& links = LoadLinks();
  for (const auto& candidate : links.names) {
    if (Fold(candidate) == folded) {
      const auto it = links.target.find(candidate);
      return "; did you mean " + (it != links.target.end() ? it->second : candidate) + "?";
    }
  }
  return "";
}

}  // namespace rota::config
