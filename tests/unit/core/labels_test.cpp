#include "core/labels.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

using rota::LabelSet;

TEST_CASE("fingerprints match Prometheus' label-set fingerprint") {
  // Test vectors from prometheus/common model/signature_test.go.
  CHECK(LabelSet().Fingerprint() == 14695981039346656037ULL);
  CHECK(LabelSet({{"name", "garland, briggs"}, {"fear", "love is not enough"}}).Fingerprint() ==
        5799056148416392346ULL);
}

TEST_CASE("label sets are sorted, last value wins, order does not matter") {
  LabelSet a({{"b", "2"}, {"a", "1"}, {"b", "3"}});
  REQUIRE(a.size() == 2);
  CHECK(a.pairs()[0].first == "a");
  CHECK(a.Get("b") == "3");
  CHECK(a.Get("missing").empty());
  CHECK_FALSE(a.Has("missing"));
  LabelSet b({{"a", "1"}, {"b", "3"}});
  CHECK(a == b);
  CHECK(a.Fingerprint() == b.Fingerprint());
  b.Set("c", "x");
  CHECK(a.Fingerprint() != b.Fingerprint());
  CHECK(b.Only({"c", "zz"}) == LabelSet({{"c", "x"}}));
  CHECK(b.ToString() == R"({a="1", b="3", c="x"})");
}

TEST_CASE("FingerprintHex is 16 lower-case hex digits") {
  CHECK(rota::FingerprintHex(0xABCULL) == "0000000000000abc");
}

TEST_CASE("label sets agree with a std::map built in the same order (last value wins)") {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::vector<LabelSet::Pair> pairs;
    std::map<std::string, std::string> oracle;
    const int n = static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) {
      // Few distinct names, so repeats are common.
      std::string name(1 + rng() % 2, static_cast<char>('a' + rng() % 6));
      std::string value = std::to_string(rng() % 1000);
      oracle[name] = value;
      pairs.emplace_back(std::move(name), std::move(value));
    }
    const LabelSet set(pairs);
    REQUIRE(set.size() == oracle.size());
    std::size_t i = 0;
    for (const auto& [name, value] : oracle) {
      CHECK(set.pairs()[i].first == name);
      CHECK(set.pairs()[i].second == value);
      ++i;
    }
  }
}
