// rotactl test rules TESTS.yaml: run routing cases against a config with a
// fresh engine per case, at the case's instant. Failures show expected vs
// got; exit 1 on any failure.
#include <algorithm>
#include <ostream>

#include "cli/commands.h"
#include "config/roster_spec.h"
#include "config/rule_tests.h"
#include "core/time.h"
#include "engine/engine.h"

namespace rota::cli {
namespace {

std::string List(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += (i > 0 ? ", " : "") + v[i];
  }
  return out + "]";
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

int TestRules(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 1) {
    err << "usage: rotactl test rules TESTS.yaml\n";
    return kExitUsage;
  }
  const auto loaded = config::LoadRuleTests(args[0]);
  for (const auto& e : loaded.errors) {
    err << e.ToString() << "\n";
  }
  if (!loaded.tests) {
    return kExitFailure;
  }
  const auto cfg = config::Load(loaded.tests->config_path,
                                {config::DefaultStorageDir(), /*require_routes=*/true});
  for (const auto& e : cfg.errors) {
    err << e.ToString() << "\n";
  }
  if (!cfg.ok()) {
    return kExitFailure;
  }
  auto roster = std::make_shared<const schedule::Roster>(config::ToRosterSpec(*cfg.config));
  const auto model = engine::Model::Build(cfg.config, roster);
  out << "from " << loaded.tests->config_path
      << " alone: a running rotad's run-time overrides, silences and reroutes are not included\n";
  int passed = 0;
  int failed = 0;
  for (const auto& c : loaded.tests->cases) {
    engine::Engine eng(model);
    engine::Event e;
    e.source = "test";
    e.labels = c.labels;
    const auto r = eng.Ingest(e, c.at);
    const engine::Alert* a = eng.Find(r.id);
    std::vector<std::string> problems;
    const std::string route =
        a != nullptr && !a->routings.empty() && a->routings[0].route >= 0
            ? cfg.config->routes[static_cast<std::size_t>(a->routings[0].route)].name
            : "(none)";
    if (c.route && *c.route != route) {
      problems.push_back("route: expected " + *c.route + ", got " + route);
    }
    const std::string status(engine::OutcomeName(r.status));
    if (c.status && *c.status != status) {
      problems.push_back("status: expected " + *c.status + ", got " + status);
    }
    if (c.notified && Sorted(*c.notified) != Sorted(r.notified)) {
      problems.push_back("notified: expected " + List(*c.notified) + ", got " + List(r.notified));
    }
    if (c.held_until) {
      const auto want = ParseRfc3339(*c.held_until);
      if (!r.held_until || !want || *want != *r.held_until) {
        problems.push_back("held_until: expected " + *c.held_until + ", got " +
                           (r.held_until ? FormatRfc3339(*r.held_until) : "none"));
      }
    }
    if (c.next_on_duty && Sorted(*c.next_on_duty) != Sorted(r.next_on_duty)) {
      problems.push_back("next_on_duty: expected " + List(*c.next_on_duty) + ", got " +
                         List(r.next_on_duty));
    }
    if (problems.empty()) {
      ++passed;
      continue;
    }
    ++failed;
    out << "FAIL " << c.pos.ToString() << " " << c.name << "\n";
    for (const auto& p : problems) {
      out << "  " << p << "\n";
    }
  }
  out << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace rota::cli
