// The exposition rotad serves on /metrics, read back as Prometheus would:
// every family has HELP and TYPE, every name is rota's and its kind's
// (counters end in _total), label children that dashboards rely on exist at
// zero before anything happens, and recording moves exactly the sample
// asked for. (promtool itself checks the live endpoint in daemon_test.)
#include "metrics/metrics.h"

#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>

using rota::metrics::Metrics;

namespace {

struct Family {
  std::string help;
  std::string type;
};

std::map<std::string, Family> Families(const std::string& text) {
  std::map<std::string, Family> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      const auto name_end = line.find(' ', 7);
      out[line.substr(7, name_end - 7)].help = line.substr(name_end + 1);
    } else if (line.rfind("# TYPE ", 0) == 0) {
      const auto name_end = line.find(' ', 7);
      out[line.substr(7, name_end - 7)].type = line.substr(name_end + 1);
    }
  }
  return out;
}

// The value of one sample line (`name` with its labels as serialized), or -1.
double Sample(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) {
      return std::stod(line.substr(name.size() + 1));
    }
  }
  return -1;
}

}  // namespace

TEST_CASE("metrics: every family says what it is, in rota's names") {
  Metrics m({"1.2.3", "abc"});
  const std::string text = m.Serialize();
  const auto families = Families(text);
  REQUIRE(families.size() > 20);
  const std::regex name("rota_[a-z0-9_]+|process_[a-z0-9_]+");
  for (const auto& [family, f] : families) {
    CAPTURE(family);
    CHECK(std::regex_match(family, name));
    CHECK_FALSE(f.help.empty());
    CHECK((f.type == "counter" || f.type == "gauge" || f.type == "histogram"));
    if (f.type == "counter") {
      CHECK(family.size() > 6);
      CHECK(family.compare(family.size() - 6, 6, "_total") == 0);
    }
  }
}

TEST_CASE(
    "metrics: the outcomes dashboards sum over exist at zero, and recording moves one sample") {
  Metrics m({"1.2.3", "abc"});
  for (const char* outcome : {"answered", "full", "abandoned", "stopped", "busy"}) {
    CHECK(Sample(m.Serialize(),
                 std::string("rota_long_reads_total{outcome=\"") + outcome + "\"}") == 0);
  }
  m.LongRead("full");
  m.LongRead("full");
  m.LongRead("busy");
  const std::string text = m.Serialize();
  CHECK(Sample(text, "rota_long_reads_total{outcome=\"full\"}") == 2);
  CHECK(Sample(text, "rota_long_reads_total{outcome=\"busy\"}") == 1);
  CHECK(Sample(text, "rota_long_reads_total{outcome=\"answered\"}") == 0);
  m.SetOutboxPending({{"hooks", {3, 42.5}}});
  const std::string after = m.Serialize();
  CHECK(Sample(after, "rota_outbox_pending{channel=\"hooks\"}") == 3);
  CHECK(Sample(after, "rota_outbox_oldest_pending_seconds{channel=\"hooks\"}") == 42.5);
}
