// Stable, non-cryptographic hashing for change detection (config hash metric).
//
// FNV-1a 64-bit: stable across builds and platforms, unlike std::hash.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace rota {

class Fnv1a64 {
 public:
  void Update(std::string_view bytes) {
    for (char c : bytes) {
      state_ ^= static_cast<unsigned char>(c);
      state_ *= kPrime;
    }
  }
  [[nodiscard]] std::uint64_t Digest() const { return state_; }

 private:
  static constexpr std::uint64_t kOffset = 14695981039346656037ULL;
  static constexpr std::uint64_t kPrime = 1099511628211ULL;
  std::uint64_t state_ = kOffset;
};

}  // namespace rota
