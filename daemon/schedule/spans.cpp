#include "schedule/spans.h"

#include <algorithm>

namespace rota::schedule {

SpanList Normalize(SpanList spans) {
  std::erase_if(spans, [](const Span& s) { return s.end <= s.start; });
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.start < b.start; });
  SpanList out;
  out.reserve(spans.size());
  for (const Span& s : spans) {
    if (!out.empty() && s.start <= out.back().end) {
      out.back().end = std::max(out.back().end, s.end);
    } else {
      out.push_back(s);
    }
  }
  return out;
}

SpanList Union(const SpanList& a, const SpanList& b) {
  SpanList all;
  all.reserve(a.size() + b.size());
  std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(all),
             [](const Span& x, const Span& y) { return x.start < y.start; });
  return Normalize(std::move(all));
}

SpanList Intersect(const SpanList& a, const SpanList& b) {
  SpanList out;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const TimePoint s = std::max(a[i].start, b[j].start);
    const TimePoint e = std::min(a[i].end, b[j].end);
    if (s < e) {
      out.push_back({s, e});
    }
    if (a[i].end < b[j].end) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

SpanList Subtract(const SpanList& a, const SpanList& b) {
  SpanList out;
  std::size_t j = 0;
  for (Span cur : a) {
    while (j < b.size() && b[j].end <= cur.start) {
      ++j;
    }
    std::size_t k = j;
    while (k < b.size() && b[k].start < cur.end) {
      if (b[k].start > cur.start) {
        out.push_back({cur.start, b[k].start});
      }
      cur.start = std::max(cur.start, b[k].end);
      if (cur.start >= cur.end) {
        break;
      }
      ++k;
    }
    if (cur.start < cur.end) {
      out.push_back(cur);
    }
  }
  return out;
}

SpanList Clip(const SpanList& a, TimePoint from, TimePoint to) {
  return Intersect(a, SpanList{{from, to}});
}

namespace {

// First span whose end is after t.
SpanList::const_iterator FirstEndingAfter(const SpanList& spans, TimePoint t) {
  return std::upper_bound(spans.begin(), spans.end(), t,
                          [](TimePoint v, const Span& s) { return v < s.end; });
}

}  // namespace

bool Contains(const SpanList& spans, TimePoint t) {
  auto it = FirstEndingAfter(spans, t);
  return it != spans.end() && it->start <= t;
}

std::optional<Span> SpanAt(const SpanList& spans, TimePoint t) {
  auto it = FirstEndingAfter(spans, t);
  if (it != spans.end() && it->start <= t) {
    return *it;
  }
  return std::nullopt;
}

std::optional<Span> NextStart(const SpanList& spans, TimePoint t) {
  auto it = std::lower_bound(spans.begin(), spans.end(), t,
                             [](const Span& s, TimePoint v) { return s.start < v; });
  if (it == spans.end()) {
    return std::nullopt;
  }
  return *it;
}

}  // namespace rota::schedule
