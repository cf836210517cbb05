// Timeline: what happened to one alert, in order, as data, packed into one
// buffer.
//
// Each entry is a kind (matched, notified, held, delivered, ...) and the
// fields that kind carries (route, step, people, until, reason, channel,
// detail, ...). The API serves them as JSON ({"at", "kind", fields...});
// the English sentence ("held until ... for alice") is made by one
// formatter at the edge, Describe() in timeline_text.h.
//
// Every open alert keeps its timeline in memory (the API and `rotactl
// explain` show it; the store writes it with the alert), and there can be a
// million open alerts. A vector of {time, std::string} costs one allocation
// per entry plus the vector's slack; here all entries share one exactly
// sized allocation: per entry 8 bytes of Unix milliseconds, 4 bytes of
// length, then the payload: one byte of kind, then per field one byte of
// tag, two of length and the value as text (times as Unix ms, numbers in
// decimal, lists as one field per item). Entries are appended rarely and
// read rarely, so the copy on append is cheap next to the memory it saves.
//
// Thread-safety: plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace rota::engine {

// What an entry records. Names (EntryKindName) are the API's "kind". The
// store keeps kinds and fields by number: append new ones at the end, never
// reorder or remove.
enum class EntryKind : std::uint8_t {
  kNote,             // text: a free note (and entries stored before kinds existed)
  kReceived,         // source, labels
  kUnrouted,         //
  kMatched,          // route, escalation
  kSilenced,         // silence, until
  kInhibited,        // alert, labels
  kMuted,            // route, until
  kInactive,         // route, until (optional)
  kJoinedGroup,      // group, until (the group's flush)
  kGrouped,          // group, until, reason ("group_wait" | "group_interval")
  kNotified,         // step, targets, people, skipped (each with code and why)
  kDigest,           // step, targets, people, skipped
  kNobodyOnDuty,     // step, targets, skipped
  kDropped,          //
  kNoneWithinYear,   // step, targets
  kHeld,             // until, people, wake (optional: max_hold)
  kRepeating,        // round, of
  kExhausted,        // reason, step, until
  kEscalated,        // step, reason
  kListedResolved,   // people
  kResolved,         // reason
  kResolvedNotice,   // people
  kAcknowledged,     // by, comment (optional)
  kHandoverPlanned,  // until, by
  kNoHandover,       // by
  kHandedOver,       // by
  kDelivered,        // person, channel, detail, attempts
  kRejected,         // person, channel, detail, attempts
  kFailed,           // person, channel, detail, attempts, reason (optional: gave up)
  kHoursEnded,       // person, channel
  kRerouted,         // reroute, route, escalation, reason, until (optional)
  kContactSkipped,   // person, channel: a delayed contact not needed (acked meanwhile)
  kReplanned,        // reason: the roster changed and this alert's plan was made again
  kRetrying,         // person, channel, detail, attempts, until: a first delivery failed
  kSuperseded,       // person, channel: a resolved notice not sent (its alert notice never was)
};
inline constexpr int kEntryKinds = static_cast<int>(EntryKind::kSuperseded) + 1;
std::string_view EntryKindName(EntryKind k);
// The inverse of EntryKindName; kNote for a name it does not know.
EntryKind EntryKindFromName(std::string_view name);

// Fields an entry may carry. Names (FieldName) are the API's keys.
enum class Field : std::uint8_t {
  kText,
  kSource,
  kLabels,
  kRoute,
  kEscalation,
  kSilence,
  kAlert,
  kGroup,
  kUntil,
  kWake,
  kStep,
  kPeople,
  kReason,
  kRound,
  kOf,
  kBy,
  kComment,
  kPerson,
  kChannel,
  kDetail,
  kAttempts,
  kTargets,      // a step's targets, as configured ("team:payments, person:dave")
  kSkipped,      // a person of the step who is not on duty (repeats)
  kSkippedCode,  // ... and why, as a code (outside_hours, time_off, ...), one per kSkipped
  kSkippedWhy,   // ... and in words ("outside hours until Tue 09:00 Europe/Berlin")
  kReroute,      // a reroute's id ("r-1")
};
inline constexpr int kFields = static_cast<int>(Field::kReroute) + 1;
std::string_view FieldName(Field f);
std::optional<Field> FieldFromName(std::string_view name);
// Fields holding an instant (Unix ms) or an integer, rather than text.
bool IsTimeField(Field f);
bool IsNumberField(Field f);
// Fields that may repeat (a list).
inline bool IsListField(Field f) {
  return f == Field::kPeople || f == Field::kSkipped || f == Field::kSkippedCode ||
         f == Field::kSkippedWhy;
}

// An entry being made: a kind and its fields.
class Note {
 public:
  explicit Note(EntryKind kind) { payload_.push_back(static_cast<char>(kind)); }
  // Starts over as an entry of `kind`, keeping the buffer (a decoder makes
  // millions of entries with one Note).
  void Reset(EntryKind kind) {
    payload_.clear();
    payload_.push_back(static_cast<char>(kind));
  }
  Note& Set(Field f, std::string_view value);
  Note& Set(Field f, TimePoint t) { return Set(f, std::to_string(t.time_since_epoch().count())); }
  Note& Set(Field f, std::int64_t n) { return Set(f, std::to_string(n)); }
  Note& List(Field f, const std::vector<std::string>& values) {
    for (const auto& v : values) {
      Set(f, v);
    }
    return *this;
  }
  [[nodiscard]] const std::string& payload() const { return payload_; }

 private:
  std::string payload_;
};

class Timeline {
 public:
  struct Entry {
    TimePoint at{};
    std::string_view payload;  // valid until the timeline changes

    [[nodiscard]] EntryKind kind() const;
    // The first value of `f`, or empty.
    [[nodiscard]] std::string_view Get(Field f) const;
    [[nodiscard]] bool Has(Field f) const;
    [[nodiscard]] std::vector<std::string_view> All(Field f) const;
    // A time or number field's value.
    [[nodiscard]] std::optional<TimePoint> Time(Field f) const;
    [[nodiscard]] std::int64_t Number(Field f) const;
    // Calls fn(field, value) for every field, in order.
    void ForEach(const std::function<void(Field, std::string_view)>& fn) const;
  };

  class Iterator {
   public:
    // Entries are made on the fly (a prvalue, not a reference into the
    // buffer): a C++20 forward iterator, a legacy input iterator.
    using iterator_concept = std::forward_iterator_tag;
    using iterator_category = std::input_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = const Entry*;
    using reference = Entry;

    Iterator() = default;
    Entry operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const Iterator& o) const { return p_ == o.p_; }

   private:
    friend class Timeline;
    explicit Iterator(const char* p) : p_(p) {}
    const char* p_ = nullptr;
  };

  void Add(TimePoint at, const Note& note) { AddPayload(at, note.payload()); }
  // A payload as Note::payload() made it (the store's decoder).
  void AddPayload(TimePoint at, std::string_view payload);
  // Room for `entries` more entries with `text_bytes` of text in all, so a
  // timeline decoded from the store is one allocation.
  void Reserve(std::size_t entries, std::size_t text_bytes) {
    buf_.reserve(buf_.size() + entries * kHeader + text_bytes);
  }

  [[nodiscard]] Iterator begin() const { return Iterator(buf_.data()); }
  [[nodiscard]] Iterator end() const { return Iterator(buf_.data() + buf_.size()); }
  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] bool empty() const { return count_ == 0; }
  // The last entry. REQUIRES: !empty().
  [[nodiscard]] Entry back() const;
  // Bytes held, for memory accounting.
  [[nodiscard]] std::size_t Bytes() const { return buf_.capacity(); }

 private:
  static constexpr std::size_t kHeader = sizeof(std::int64_t) + sizeof(std::uint32_t);
  std::string buf_;
  std::uint32_t count_ = 0;
  std::uint32_t last_ = 0;  // offset of the last entry
};

}  // namespace rota::engine
