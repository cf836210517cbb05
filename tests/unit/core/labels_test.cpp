#include "core/labels.h"

#include <doctest/doctest.h>

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
