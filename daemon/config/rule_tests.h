// Routing unit tests, like `promtool test rules`: a YAML file naming a config
// and cases (an instant, an alert's labels, what must happen). Parsed here
// (the only YAML reader); run by `rotactl test rules`.
//
//   config: rota.yaml            # relative to the tests file
//   tests:
//     - name: a page in Berlin's morning reaches alice
//       at: '2026-11-23T09:30:00+01:00'
//       alert: {alertname: Down, service: payments, severity: critical}
//       expect:
//         route: payments-pages
//         status: notified       # notified | held | silenced | muted | unrouted | dropped |
//         grouped notified: [alice] held_until: '...'      # with status: held next_on_duty: [bob]
//
// Thread-safety: reentrant.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/loader.h"
#include "core/clock.h"
#include "core/labels.h"

namespace rota::config {

struct RuleTestCase {
  std::string name;
  TimePoint at{};
  LabelSet labels;
  std::optional<std::string> route;
  std::optional<std::string> status;
  std::optional<std::vector<std::string>> notified;
  std::optional<std::string> held_until;  // RFC 3339 as written; compared as instants
  std::optional<std::vector<std::string>> next_on_duty;
  SourcePos pos;
};

struct RuleTests {
  std::string config_path;
  std::vector<RuleTestCase> cases;
};

struct RuleTestsResult {
  std::optional<RuleTests> tests;
  std::vector<Diagnostic> errors;
};

RuleTestsResult LoadRuleTests(const std::string& path);

}  // namespace rota::config
