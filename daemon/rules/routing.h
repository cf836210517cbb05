// Matching alerts to routes, inhibition rules and silences.
//
// RouteIndex keeps Alertmanager's semantics (routes tried in order, the
// first match wins unless it says `continue`) but does not try every route:
// each route with an equality matcher is filed under one (label, value) pair,
// so an alert only looks at the routes filed under its own labels plus those
// that have no equality matcher. 10,000 routes on distinct `service="..."`
// values cost an alert a handful of hash lookups, not 10,000 regex checks.
//
// Pure; immutable after construction, safe to share between threads.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/labels.h"
#include "rules/matcher.h"

namespace rota::rules {

// True when every matcher matches (an empty list matches everything).
bool MatchesAll(const std::vector<Matcher>& matchers, const LabelSet& labels);

class RouteIndex {
 public:
  struct Route {
    std::vector<Matcher> matchers;
    bool continue_matching = false;
  };

  RouteIndex() = default;
  explicit RouteIndex(std::vector<Route> routes);

  // Indices of the routes the alert takes, in order.
  [[nodiscard]] std::vector<std::size_t> Match(const LabelSet& labels) const;
  [[nodiscard]] std::size_t size() const { return routes_.size(); }
  // Routes filed under no label (checked for every alert).
  [[nodiscard]] std::size_t unindexed() const { return always_.size(); }

 private:
  std::vector<Route> routes_;
  // label name → value → route indices (ascending).
  std::unordered_map<std::string, std::unordered_map<std::string, std::vector<std::size_t>>> index_;
  std::vector<std::size_t> always_;
};

// Alertmanager inhibition: a firing alert matching `source` mutes alerts
// matching `target` that carry the same values for every `equal` label.
struct InhibitRule {
  std::vector<Matcher> source;
  std::vector<Matcher> target;
  std::vector<std::string> equal;
};

// True when `target` is inhibited by `source` under `rule`. An alert never
// inhibits itself.
bool Inhibits(const InhibitRule& rule, const LabelSet& source, const LabelSet& target);

struct Silence {
  std::string id;
  std::vector<Matcher> matchers;
  TimePoint starts_at{};
  TimePoint ends_at{};
  std::string created_by;
  std::string comment;

  [[nodiscard]] bool ActiveAt(TimePoint t) const { return starts_at <= t && t < ends_at; }
  [[nodiscard]] bool Mutes(const LabelSet& labels, TimePoint t) const {
    return ActiveAt(t) && MatchesAll(matchers, labels);
  }
};

}  // namespace rota::rules
