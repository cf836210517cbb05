#include "api/session.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>

#include "api/hmac.h"

namespace rota::api {
namespace {

std::string Mac(std::string_view key, std::string_view payload) {
  return HmacSha256Hex(key, payload);
}

std::int64_t UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

bool IsHex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

Sessions::Sessions() : process_key_(Nonce() + Nonce()) { keys_ = {process_key_}; }

std::string Sessions::Nonce() {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    // OpenSSL's CSPRNG does not fail once seeded; without it no session is safe.
    std::abort();
  }
  return HexBytes(b.data(), b.size());
}

void Sessions::Set(std::vector<std::string> keys) {
  std::lock_guard lock(mu_);
  keys_ = keys.empty() ? std::vector<std::string>{process_key_} : std::move(keys);
}

std::vector<std::string> Sessions::Keys() const {
  std::lock_guard lock(mu_);
  return keys_;
}

std::string Sessions::Issue(TimePoint now, Duration ttl, std::string_view key) const {
  const std::string nonce = Nonce();
  const std::string expires = std::to_string(UnixSeconds(now + ttl));
  const auto keys = Keys();
  const bool known = !key.empty() && std::find(keys.begin(), keys.end(), key) != keys.end();
  return "v1." + nonce + "." + expires + "." +
         Mac(known ? std::string(key) : keys.front(), "rota-session|" + nonce + "|" + expires);
}

std::optional<std::string> Sessions::Verify(std::string_view cookie, TimePoint now) const {
  if (!cookie.starts_with("v1.")) {
    return std::nullopt;
  }
  cookie.remove_prefix(3);
  const auto dot1 = cookie.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : cookie.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view nonce = cookie.substr(0, dot1);
  const std::string_view expires = cookie.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view mac = cookie.substr(dot2 + 1);
  std::int64_t exp = 0;
  const auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), exp);
  if (!IsHex(nonce) || ec != std::errc() || end != expires.data() + expires.size() ||
      exp <= UnixSeconds(now)) {
    return std::nullopt;
  }
  const std::string payload = "rota-session|" + std::string(nonce) + "|" + std::string(expires);
  bool ok = false;
  for (const auto& key : Keys()) {
    ok |= SameDigest(mac, Mac(key, payload));
  }
  if (!ok) {
    return std::nullopt;
  }
  return std::string(nonce);
}

std::string Sessions::FormToken(std::string_view purpose, std::string_view nonce) const {
  return Mac(Keys().front(), "rota-" + std::string(purpose) + "|" + std::string(nonce));
}

bool Sessions::CheckFormToken(std::string_view purpose, std::string_view nonce,
                              std::string_view token) const {
  if (nonce.empty() || token.empty()) {
    return false;
  }
  const std::string payload = "rota-" + std::string(purpose) + "|" + std::string(nonce);
  bool ok = false;
  for (const auto& key : Keys()) {
    ok |= SameDigest(token, Mac(key, payload));
  }
  return ok;
}

std::string CookieValue(const http::Request& req, std::string_view name) {
  for (const auto& [k, v] : req.headers) {
    if (k != "cookie") {
      continue;
    }
    std::string_view rest = v;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') {
        pair.remove_prefix(1);
      }
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        return std::string(pair.substr(eq + 1));
      }
    }
  }
  return {};
}

std::string SetCookie(std::string_view name, std::string_view value, std::int64_t max_age_s,
                      bool secure) {
  std::string c = std::string(name) + "=" + std::string(value) +
                  "; Path=/; Max-Age=" + std::to_string(max_age_s) + "; HttpOnly; SameSite=Strict";
  if (secure) {
    c += "; Secure";
  }
  return c;
}

}  // namespace rota::api
