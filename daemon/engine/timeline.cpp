#include "engine/timeline.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstring>

namespace rota::engine {

Timeline::Entry Timeline::Iterator::operator*() const {
  std::int64_t ms = 0;
  std::uint32_t len = 0;
  std::memcpy(&ms, p_, sizeof ms);
  std::memcpy(&len, p_ + sizeof ms, sizeof len);
  return {TimePoint{std::chrono::milliseconds(ms)}, std::string_view(p_ + kHeader, len)};
}

Timeline::Iterator& Timeline::Iterator::operator++() {
  std::uint32_t len = 0;
  std::memcpy(&len, p_ + sizeof(std::int64_t), sizeof len);
  p_ += kHeader + len;
  return *this;
}

void Timeline::AddPayload(TimePoint at, std::string_view what) {
  const std::int64_t ms = at.time_since_epoch().count();
  const auto len = static_cast<std::uint32_t>(what.size());
  const std::size_t need = buf_.size() + kHeader + len;
  if (need > buf_.capacity() && buf_.size() < 4096) {
    // Exactly sized while small (most alerts see a handful of entries);
    // geometric growth (std::string's own) once a timeline is long.
    std::string grown;
    grown.reserve(need);
    grown.append(buf_);
    buf_.swap(grown);
  }
  last_ = static_cast<std::uint32_t>(buf_.size());
  buf_.append(reinterpret_cast<const char*>(&ms), sizeof ms);
  buf_.append(reinterpret_cast<const char*>(&len), sizeof len);
  buf_.append(what);
  ++count_;
}

Timeline::Entry Timeline::back() const { return *Iterator(buf_.data() + last_); }

namespace {

constexpr std::array<std::string_view, kEntryKinds> kKindNames = {
    "note",        "received",        "unrouted",       "matched",          "silenced",
    "inhibited",   "muted",           "inactive",       "joined_group",     "grouped",
    "notified",    "digest",          "nobody_on_duty", "dropped",          "none_within_a_year",
    "held",        "repeating",       "exhausted",      "escalated",        "listed_resolved",
    "resolved",    "resolved_notice", "acknowledged",   "handover_planned", "no_handover",
    "handed_over", "delivered",       "rejected",       "failed",           "hours_ended",
    "rerouted",    "contact_skipped", "replanned",      "retrying",         "superseded",
};

constexpr std::array<std::string_view, kFields> kFieldNames = {
    "text",    "source",  "labels",       "route",       "escalation", "silence", "alert",
    "group",   "until",   "wake",         "step",        "people",     "reason",  "round",
    "of",      "by",      "comment",      "person",      "channel",    "detail",  "attempts",
    "targets", "skipped", "skipped_code", "skipped_why", "reroute",
};

// Walks the fields of a payload (after its kind byte).
template <typename Fn>
void Walk(std::string_view payload, Fn&& fn) {
  std::size_t i = 1;
  while (i + 3 <= payload.size()) {
    const auto tag = static_cast<std::uint8_t>(payload[i]);
    std::uint16_t len = 0;
    std::memcpy(&len, payload.data() + i + 1, sizeof len);
    if (i + 3 + len > payload.size() || tag >= kFields) {
      return;  // a damaged payload ends here
    }
    if (!fn(static_cast<Field>(tag), payload.substr(i + 3, len))) {
      return;
    }
    i += 3 + len;
  }
}

}  // namespace

std::string_view EntryKindName(EntryKind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kKindNames.size() ? kKindNames[i] : "note";
}

EntryKind EntryKindFromName(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) {
      return static_cast<EntryKind>(i);
    }
  }
  return EntryKind::kNote;
}

std::string_view FieldName(Field f) {
  const auto i = static_cast<std::size_t>(f);
  return i < kFieldNames.size() ? kFieldNames[i] : "text";
}

std::optional<Field> FieldFromName(std::string_view name) {
  for (std::size_t i = 0; i < kFieldNames.size(); ++i) {
    if (kFieldNames[i] == name) {
      return static_cast<Field>(i);
    }
  }
  return std::nullopt;
}

bool IsTimeField(Field f) { return f == Field::kUntil || f == Field::kWake; }

bool IsNumberField(Field f) {
  return f == Field::kAlert || f == Field::kStep || f == Field::kRound || f == Field::kOf ||
         f == Field::kAttempts;
}

Note& Note::Set(Field f, std::string_view value) {
  const auto len = static_cast<std::uint16_t>(std::min<std::size_t>(value.size(), UINT16_MAX));
  payload_.push_back(static_cast<char>(f));
  payload_.append(reinterpret_cast<const char*>(&len), sizeof len);
  payload_.append(value.substr(0, len));
  return *this;
}

EntryKind Timeline::Entry::kind() const {
  if (payload.empty() || static_cast<std::uint8_t>(payload[0]) >= kEntryKinds) {
    return EntryKind::kNote;
  }
  return static_cast<EntryKind>(payload[0]);
}

std::string_view Timeline::Entry::Get(Field f) const {
  std::string_view out;
  Walk(payload, [&](Field g, std::string_view v) {
    if (g != f) {
      return true;
    }
    out = v;
    return false;
  });
  return out;
}

bool Timeline::Entry::Has(Field f) const {
  bool found = false;
  Walk(payload, [&](Field g, std::string_view) {
    found = g == f;
    return !found;
  });
  return found;
}

std::vector<std::string_view> Timeline::Entry::All(Field f) const {
  std::vector<std::string_view> out;
  Walk(payload, [&](Field g, std::string_view v) {
    if (g == f) {
      out.push_back(v);
    }
    return true;
  });
  return out;
}

std::int64_t Timeline::Entry::Number(Field f) const {
  const std::string_view v = Get(f);
  std::int64_t n = 0;
  std::from_chars(v.data(), v.data() + v.size(), n);
  return n;
}

std::optional<TimePoint> Timeline::Entry::Time(Field f) const {
  if (!Has(f)) {
    return std::nullopt;
  }
  return TimePoint{std::chrono::milliseconds(Number(f))};
}

void Timeline::Entry::ForEach(const std::function<void(Field, std::string_view)>& fn) const {
  Walk(payload, [&](Field g, std::string_view v) {
    fn(g, v);
    return true;
  });
}

}  // namespace rota::engine
