#include "rules/routing.h"

#include <algorithm>

namespace rota::rules {

bool MatchesAll(const std::vector<Matcher>& matchers, const LabelSet& labels) {
  return std::all_of(matchers.begin(), matchers.end(),
                     [&](const Matcher& m) { return m.Matches(labels.Get(m.name())); });
}

RouteIndex::RouteIndex(std::vector<Route> routes) : routes_(std::move(routes)) {
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Matcher* key = nullptr;
    for (const auto& m : routes_[i].matchers) {
      // An equality to "" also matches a missing label, which no lookup by
      // the alert's own labels would find: such a matcher cannot be the key.
      if (m.op() == MatchOp::kEqual && !m.value().empty()) {
        key = &m;
        break;
      }
    }
    if (key == nullptr) {
      always_.push_back(i);
    } else {
      index_[key->name()][key->value()].push_back(i);
    }
  }
}

std::vector<std::size_t> RouteIndex::Match(const LabelSet& labels) const {
  std::vector<std::size_t> candidates = always_;
  for (const auto& [name, value] : labels.pairs()) {
    const auto by_name = index_.find(name);
    if (by_name == index_.end()) {
      continue;
    }
    const auto by_value = by_name->second.find(value);
    if (by_value != by_name->second.end()) {
      candidates.insert(candidates.end(), by_value->second.begin(), by_value->second.end());
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<std::size_t> out;
  for (std::size_t i : candidates) {
    if (MatchesAll(routes_[i].matchers, labels)) {
      out.push_back(i);
      if (!routes_[i].continue_matching) {
        break;
      }
    }
  }
  return out;
}

bool Inhibits(const InhibitRule& rule, const LabelSet& source, const LabelSet& target) {
  if (source == target) {
    return false;
  }
  if (!MatchesAll(rule.target, target) || !MatchesAll(rule.source, source)) {
    return false;
  }
  return std::all_of(rule.equal.begin(), rule.equal.end(),
                     [&](const std::string& name) { return source.Get(name) == target.Get(name); });
}

}  // namespace rota::rules
