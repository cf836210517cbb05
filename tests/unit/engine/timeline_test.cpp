#include "engine/timeline.h"

#include <doctest/doctest.h>

#include <chrono>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace rota::engine {
namespace {

TimePoint Ms(std::int64_t ms) { return TimePoint{std::chrono::milliseconds(ms)}; }

Note Text(std::string_view text) { return Note(EntryKind::kNote).Set(Field::kText, text); }

static_assert(std::forward_iterator<Timeline::Iterator>);

TEST_CASE("a new timeline is empty") {
  Timeline t;
  CHECK(t.empty());
  CHECK(t.size() == 0);
  CHECK(t.begin() == t.end());
}

TEST_CASE("entries come back in order with their times, kinds and fields") {
  Timeline t;
  t.Add(Ms(1'700'000'000'000), Note(EntryKind::kReceived)
                                   .Set(Field::kSource, "prometheus")
                                   .Set(Field::kLabels, "{alertname=\"A\"}"));
  t.Add(Ms(-5), Text(""));  // a time before 1970 and an empty text survive too
  t.Add(Ms(1'700'000'000'123), Note(EntryKind::kNotified)
                                   .Set(Field::kStep, std::int64_t{2})
                                   .List(Field::kPeople, {"alice", "bob"})
                                   .Set(Field::kUntil, Ms(1'700'000'060'000)));
  REQUIRE(t.size() == 3);
  std::vector<Timeline::Entry> got(t.begin(), t.end());
  REQUIRE(got.size() == 3);
  CHECK(got[0].at == Ms(1'700'000'000'000));
  CHECK(got[0].kind() == EntryKind::kReceived);
  CHECK(got[0].Get(Field::kLabels) == "{alertname=\"A\"}");
  CHECK(got[0].Get(Field::kRoute).empty());
  CHECK_FALSE(got[0].Has(Field::kRoute));
  CHECK(got[1].at == Ms(-5));
  CHECK(got[1].kind() == EntryKind::kNote);
  CHECK(got[1].Has(Field::kText));
  CHECK(got[1].Get(Field::kText).empty());
  CHECK(got[2].Number(Field::kStep) == 2);
  CHECK(got[2].All(Field::kPeople) == std::vector<std::string_view>{"alice", "bob"});
  CHECK(got[2].Time(Field::kUntil) == Ms(1'700'000'060'000));
  CHECK_FALSE(got[2].Time(Field::kWake).has_value());
  CHECK(t.back().kind() == EntryKind::kNotified);
  CHECK(t.back().at == Ms(1'700'000'000'123));
}

TEST_CASE("kind and field names round trip; unknown names are notes and nothing") {
  for (int k = 0; k < kEntryKinds; ++k) {
    const auto kind = static_cast<EntryKind>(k);
    CHECK(EntryKindFromName(EntryKindName(kind)) == kind);
  }
  for (int f = 0; f < kFields; ++f) {
    const auto field = static_cast<Field>(f);
    CHECK(FieldFromName(FieldName(field)) == field);
  }
  CHECK(EntryKindFromName("no-such-kind") == EntryKind::kNote);
  CHECK_FALSE(FieldFromName("no-such-field").has_value());
}

TEST_CASE("a damaged payload reads as far as it is whole") {
  Timeline t;
  std::string payload =
      Note(EntryKind::kMatched).Set(Field::kRoute, "r").Set(Field::kEscalation, "e").payload();
  payload.resize(payload.size() - 1);  // cut inside the last field
  t.AddPayload(Ms(0), payload);
  payload[0] = static_cast<char>(200);  // and a kind that does not exist
  t.AddPayload(Ms(1), payload);
  CHECK((*t.begin()).kind() == EntryKind::kMatched);
  CHECK((*t.begin()).Get(Field::kRoute) == "r");
  CHECK_FALSE((*t.begin()).Has(Field::kEscalation));
  CHECK(t.back().kind() == EntryKind::kNote);
}

TEST_CASE("a timeline matches a plain vector of entries over many random appends") {
  // The oracle is the obvious representation: a vector of (time, string).
  std::mt19937_64 rng(42);
  for (int round = 0; round < 50; ++round) {
    Timeline t;
    std::vector<std::pair<std::int64_t, std::string>> oracle;
    const int n = static_cast<int>(rng() % 400);
    for (int i = 0; i < n; ++i) {
      const auto ms = static_cast<std::int64_t>(rng() % 4'000'000'000'000ULL);
      std::string text(rng() % 200, 'a');
      for (auto& c : text) {
        c = static_cast<char>(rng() % 256);  // any bytes, NULs included
      }
      t.Add(Ms(ms), Text(text));
      oracle.emplace_back(ms, std::move(text));
      REQUIRE(t.back().Get(Field::kText) == oracle.back().second);
    }
    REQUIRE(t.size() == oracle.size());
    std::size_t i = 0;
    for (const auto e : t) {
      REQUIRE(i < oracle.size());
      CHECK(e.at == Ms(oracle[i].first));
      CHECK(e.kind() == EntryKind::kNote);
      CHECK(e.Get(Field::kText) == oracle[i].second);
      ++i;
    }
    CHECK(i == oracle.size());
  }
}

TEST_CASE("a short timeline holds no more than it needs") {
  Timeline t;
  std::size_t text = 0;
  for (const auto& note :
       {Note(EntryKind::kReceived)
            .Set(Field::kSource, "prometheus")
            .Set(Field::kLabels, "{alertname=\"LoadGen\", id=\"r-0-200\"}"),
        Note(EntryKind::kMatched).Set(Field::kRoute, "all").Set(Field::kEscalation, "page"),
        Note(EntryKind::kNotified)
            .Set(Field::kStep, std::int64_t{1})
            .Set(Field::kTargets, "person:oncall")
            .Set(Field::kPeople, "oncall"),
        Note(EntryKind::kDelivered)
            .Set(Field::kPerson, "oncall")
            .Set(Field::kChannel, "sink")
            .Set(Field::kDetail, "HTTP 200")}) {
    t.Add(Ms(1), note);
    text += note.payload().size();
  }
  // 12 bytes of header per entry, and no growth slack while small.
  CHECK(t.Bytes() == text + 4 * 12);
}

}  // namespace
}  // namespace rota::engine
