// Timeline: what happened to one alert, in order, packed into one buffer.
//
// Every open alert keeps its timeline in memory (the API and `rotactl
// explain` show it; the store writes it with the alert), and there can be a
// million open alerts. A vector of {time, std::string} costs one allocation
// per entry plus the vector's slack; here all entries share one exactly
// sized allocation: per entry 8 bytes of Unix milliseconds, 4 bytes of
// length, then the text. Entries are appended rarely and read rarely, so the
// copy on append is cheap next to the memory it saves.
//
// Thread-safety: plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace rota::engine {

class Timeline {
 public:
  struct Entry {
    TimePoint at{};
    std::string_view what;  // valid until the timeline changes
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

  void Add(TimePoint at, std::string_view what);
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
