// HMAC-SHA256 as lower-case hex, and constant-time comparison: what signs
// ack links, console sessions and CSRF tokens, and calendar feed URLs.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rota::api {

std::string HmacSha256Hex(std::string_view key, std::string_view data);
// Lower-case hex of `n` bytes.
std::string HexBytes(const unsigned char* p, std::size_t n);
// Equal, compared without an early exit (different sizes are unequal at once:
// sizes are not secret here).
bool SameDigest(std::string_view a, std::string_view b);

}  // namespace rota::api
