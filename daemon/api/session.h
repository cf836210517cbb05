// Web console sessions and CSRF tokens, stateless and signed, so any
// instance of an HA group accepts a session another one issued.
//
// A session cookie is "v1.<nonce>.<expires>.<mac>": a random nonce, the
// expiry in Unix seconds and HMAC-SHA256(key, "rota-session|nonce|expires").
// The keys are the admin tokens when `auth:` is configured (a login proves
// one; its session is MAC'd with that very token, so revoking the token ends
// exactly the sessions it opened) and one random key per process
// otherwise (loopback only; the session then exists only to bind forms).
// A form's CSRF token is HMAC(key, "rota-csrf|nonce"): bound to the session,
// checked in constant time. The login form, before any session, binds to a
// short-lived nonce cookie the same way ("rota-login|nonce").
//
// Thread-safety: Set() swaps the keys under a mutex; the rest from any thread.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/duration.h"
#include "http/router.h"

namespace rota::api {

inline constexpr std::string_view kSessionCookie = "rota_session";
inline constexpr std::string_view kLoginCookie = "rota_login";

class Sessions {
 public:
  Sessions();
  // `keys`: the admin tokens; empty means a per-process random key.
  void Set(std::vector<std::string> keys);

  // A new session's cookie value, valid until now + ttl, MAC'd with `key`:
  // the admin token that signed in, so that removing that token ends
  // exactly its sessions. Empty (or not a current key): the first key.
  [[nodiscard]] std::string Issue(TimePoint now, Duration ttl, std::string_view key = {}) const;
  // The session's nonce when `cookie` is a valid, unexpired session.
  [[nodiscard]] std::optional<std::string> Verify(std::string_view cookie, TimePoint now) const;
  // The CSRF token of a session (its nonce) or of a login nonce.
  [[nodiscard]] std::string FormToken(std::string_view purpose, std::string_view nonce) const;
  [[nodiscard]] bool CheckFormToken(std::string_view purpose, std::string_view nonce,
                                    std::string_view token) const;
  // A fresh random nonce (hex).
  [[nodiscard]] static std::string Nonce();

 private:
  [[nodiscard]] std::vector<std::string> Keys() const;
  mutable std::mutex mu_;
  std::vector<std::string> keys_;  // guarded by mu_; never empty
  std::string process_key_;
};

// The value of cookie `name` in the request's Cookie header(s), or "".
std::string CookieValue(const http::Request& req, std::string_view name);
// A Set-Cookie value: HttpOnly, SameSite=Strict, Path=/, Secure when `secure`;
// max_age 0 clears it.
std::string SetCookie(std::string_view name, std::string_view value, std::int64_t max_age_s,
                      bool secure);

}  // namespace rota::api
