#include "core/labels.h"

#include <algorithm>
#include <cstdio>

#include "core/hash.h"

namespace rota {

LabelSet::LabelSet(std::vector<Pair> pairs) : pairs_(std::move(pairs)) {
  // Stable insertion sort: label sets are small and often sorted already
  // (stored ones always are), and it allocates nothing.
  for (std::size_t i = 1; i < pairs_.size(); ++i) {
    if (pairs_[i - 1].first <= pairs_[i].first) {
      continue;
    }
    Pair moving = std::move(pairs_[i]);
    std::size_t j = i;
    for (; j > 0 && moving.first < pairs_[j - 1].first; --j) {
      pairs_[j] = std::move(pairs_[j - 1]);
    }
    pairs_[j] = std::move(moving);
  }
  // Keep the last of equal names, in place.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < pairs_.size(); ++i) {
    if (kept > 0 && pairs_[kept - 1].first == pairs_[i].first) {
      pairs_[kept - 1].second = std::move(pairs_[i].second);
    } else {
      if (kept != i) {
        pairs_[kept] = std::move(pairs_[i]);
      }
      ++kept;
    }
  }
  pairs_.erase(pairs_.begin() + static_cast<std::ptrdiff_t>(kept), pairs_.end());
}

std::string_view LabelSet::Get(std::string_view name) const {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const Pair& p, std::string_view n) { return p.first < n; });
  if (it != pairs_.end() && it->first == name) {
    return it->second;
  }
  return {};
}

bool LabelSet::Has(std::string_view name) const {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const Pair& p, std::string_view n) { return p.first < n; });
  return it != pairs_.end() && it->first == name;
}

void LabelSet::Set(std::string name, std::string value) {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const Pair& p, std::string_view n) { return p.first < n; });
  if (it != pairs_.end() && it->first == name) {
    it->second = std::move(value);
  } else {
    pairs_.insert(it, {std::move(name), std::move(value)});
  }
}

std::uint64_t LabelSet::Fingerprint() const {
  Fnv1a64 h;
  const char sep = static_cast<char>(0xff);
  for (const auto& [name, value] : pairs_) {
    h.Update(name);
    h.Update(std::string_view(&sep, 1));
    h.Update(value);
    h.Update(std::string_view(&sep, 1));
  }
  return h.Digest();
}

LabelSet LabelSet::Only(const std::vector<std::string>& names) const {
  LabelSet out;
  for (const auto& n : names) {
    if (Has(n)) {
      out.Set(n, std::string(Get(n)));
    }
  }
  return out;
}

std::string LabelSet::ToString() const {
  std::string out = "{";
  for (std::size_t i = 0; i < pairs_.size(); ++i) {
    out += i > 0 ? ", " : "";
    out += pairs_[i].first + "=\"";
    for (char c : pairs_[i].second) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::size_t LabelSet::Bytes() const {
  std::size_t n = pairs_.capacity() * sizeof(Pair);
  for (const auto& [k, v] : pairs_) {
    n += k.capacity() > 15 ? k.capacity() + 1 : 0;  // beyond the small-string buffer
    n += v.capacity() > 15 ? v.capacity() + 1 : 0;
  }
  return n;
}

std::string FingerprintHex(std::uint64_t fp) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fp));
  return buf;
}

}  // namespace rota
