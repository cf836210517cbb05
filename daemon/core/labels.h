// Labels: an alert's identity and what routes match on.
//
// A LabelSet is a sorted vector of (name, value) pairs: compact (no tree
// nodes), cheap to compare and hash. Fingerprint() is Prometheus'/
// Alertmanager's label-set fingerprint (FNV-1a 64 over sorted names and
// values, each followed by the 0xff separator byte), so rota's alert
// identity matches the `fingerprint` Alertmanager shows for the same labels.
//
// Pure; thread-safe (plain values).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rota {

class LabelSet {
 public:
  using Pair = std::pair<std::string, std::string>;

  LabelSet() = default;
  // Sorts by name; for a repeated name the last value wins.
  explicit LabelSet(std::vector<Pair> pairs);
  LabelSet(std::initializer_list<Pair> pairs) : LabelSet(std::vector<Pair>(pairs)) {}

  // The value, or "" when absent (Alertmanager's matcher semantics).
  [[nodiscard]] std::string_view Get(std::string_view name) const;
  [[nodiscard]] bool Has(std::string_view name) const;
  void Set(std::string name, std::string value);

  [[nodiscard]] const std::vector<Pair>& pairs() const { return pairs_; }
  [[nodiscard]] std::size_t size() const { return pairs_.size(); }
  [[nodiscard]] bool empty() const { return pairs_.empty(); }
  [[nodiscard]] std::uint64_t Fingerprint() const;
  // Only the named labels (for group keys); absent names are left out.
  [[nodiscard]] LabelSet Only(const std::vector<std::string>& names) const;
  // {a="b", c="d"}
  [[nodiscard]] std::string ToString() const;
  // Bytes held, for memory accounting.
  [[nodiscard]] std::size_t Bytes() const;

  bool operator==(const LabelSet&) const = default;

 private:
  std::vector<Pair> pairs_;
};

// 16 lower-case hex digits, as Alertmanager prints fingerprints.
std::string FingerprintHex(std::uint64_t fp);

}  // namespace rota
