// Span and SpanList: half-open ranges of instants, the currency of schedules.
//
// A SpanList is sorted, disjoint and merged (no two spans touch), so
// membership is a binary search and set operations are linear merges.
// Every function returns a normalised list.
//
// Pure; thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "core/clock.h"

namespace rota::schedule {

struct Span {
  TimePoint start;
  TimePoint end;  // exclusive
  bool operator==(const Span&) const = default;
};

using SpanList = std::vector<Span>;

// Sorts and merges overlapping or touching spans; drops empty ones.
SpanList Normalize(SpanList spans);
SpanList Union(const SpanList& a, const SpanList& b);
SpanList Intersect(const SpanList& a, const SpanList& b);
SpanList Subtract(const SpanList& a, const SpanList& b);
SpanList Clip(const SpanList& a, TimePoint from, TimePoint to);

// REQUIRES: `spans` normalised.
bool Contains(const SpanList& spans, TimePoint t);
// The span containing t, if any.
std::optional<Span> SpanAt(const SpanList& spans, TimePoint t);
// The first span starting at or after t, if any.
std::optional<Span> NextStart(const SpanList& spans, TimePoint t);

}  // namespace rota::schedule
