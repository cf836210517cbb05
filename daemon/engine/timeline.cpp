#include "engine/timeline.h"

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

void Timeline::Add(TimePoint at, std::string_view what) {
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

}  // namespace rota::engine
