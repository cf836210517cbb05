// hours_probe CONFIG FROM TO INSTANTS
//
// Test tool for the hours property test: loads CONFIG with the real loader
// and prints, per person, the spans IntervalSpans() computes over [FROM, TO)
// and, for each instant (epoch milliseconds, one per line in INSTANTS),
// whether Contains() says the person's hours hold it. JSON on stdout.
// It fails (exit 1) if a span list is malformed: empty, outside the range,
// unsorted or touching (IntervalSpans promises normalised lists).
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "config/loader.h"
#include "core/time.h"
#include "schedule/hours.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: hours_probe CONFIG FROM TO INSTANTS\n";
    return 2;
  }
  const auto loaded = rota::config::Load(argv[1]);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) {
      std::cerr << e.ToString() << "\n";
    }
    return 1;
  }
  const auto from = rota::ParseRfc3339(argv[2]);
  const auto to = rota::ParseRfc3339(argv[3]);
  if (!from || !to) {
    std::cerr << "bad FROM or TO\n";
    return 2;
  }
  std::vector<rota::TimePoint> instants;
  std::ifstream in(argv[4]);
  long long ms = 0;
  while (in >> ms) {
    instants.emplace_back(std::chrono::milliseconds(ms));
  }
  boost::json::object people;
  for (const auto& p : loaded.config->people) {
    boost::json::array spans;
    const auto computed = rota::schedule::IntervalSpans(p.hours.intervals, *p.zone, *from, *to);
    for (std::size_t i = 0; i < computed.size(); ++i) {
      const auto& s = computed[i];
      // The spans must be non-empty, inside [from, to), sorted and apart.
      const bool ok = s.start < s.end && s.start >= *from && s.end <= *to &&
                      (i == 0 || computed[i - 1].end < s.start);
      if (!ok) {
        std::cerr << "FAIL: malformed span list for " << p.id << " at index " << i << "\n";
        return 1;
      }
      spans.push_back(
          boost::json::array{s.start.time_since_epoch().count(), s.end.time_since_epoch().count()});
    }
    std::string bits;
    bits.reserve(instants.size());
    for (auto t : instants) {
      bits += rota::schedule::ContainsAny(p.hours.intervals, *p.zone, t) ? '1' : '0';
    }
    people[p.id] = boost::json::object{{"spans", std::move(spans)}, {"contains", std::move(bits)}};
  }
  std::cout << boost::json::serialize(boost::json::object{{"people", std::move(people)}}) << "\n";
  return 0;
}
