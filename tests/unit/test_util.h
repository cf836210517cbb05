// Helpers shared by unit tests: a temporary directory and instants by text.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/loader.h"
#include "core/time.h"

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string out = "[";
    for (const auto& s : v) {
      out += (out.size() > 1 ? ", " : "") + ("\"" + s + "\"");
    }
    return (out + "]").c_str();
  }
};
}  // namespace doctest

namespace rota::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rota-test-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(dir_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string Write(const std::string& name, const std::string& text) const {
    const std::filesystem::path p = std::filesystem::path(dir_) / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  [[nodiscard]] const std::string& path() const { return dir_; }

 private:
  std::string dir_;
};

inline TimePoint At(const std::string& rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  REQUIRE_MESSAGE(t.has_value(), rfc3339);
  return *t;
}

// Loads `yaml` as a rota.yaml; fails the test (printing every error) if it
// does not load.
inline std::shared_ptr<const config::Config> LoadConfig(const std::string& yaml) {
  TempDir dir;
  auto r = config::Load(dir.Write("rota.yaml", yaml));
  std::string errors;
  for (const auto& e : r.errors) {
    errors += e.ToString() + "\n";
  }
  INFO(errors);
  REQUIRE(r.ok());
  return r.config;
}

}  // namespace rota::testing
