// Authorizer: the one place that decides who may call a route, by the
// route's access level (docs/security.md "Who can reach what"):
//
//   open    anyone (health, readiness, metrics, signed ack links)
//   ingest  an ingest or admin token
//   admin   an admin token (everything else, POST /-/reload included)
//
// With `auth:` configured a request carries `Authorization: Bearer <token>`
// (the scheme is case-insensitive, RFC 7235); a missing token gets 401, a
// token that is unknown or of too low a level 403. Without `auth:`, only loopback
// clients are served (403 for others) on every route but the open ones.
// Tokens are compared in constant time.
//
// The web console's levels (docs/ui.md):
//   ui       a valid session cookie (api/session.h) or an admin token; a
//            browser without one is sent to /ui/login. Without `auth:`,
//            loopback only, as the API.
//   support  open when ui.public_support_page is true, else as ui.
//
// Thread-safety: Check() from any thread; Set() swaps the tokens under a mutex.
#pragma once

#include <mutex>
#include <optional>

#include "api/session.h"
#include "config/config.h"
#include "http/router.h"

namespace rota::api {

class Authorizer {
 public:
  void Set(const config::Auth& auth, const config::Ui& ui = {});
  // The refusal to send, or nothing when the request may go on.
  [[nodiscard]] std::optional<http::Response> Check(const http::Request& req,
                                                    http::Access access) const;
  // Whether `token` is one of the admin tokens (the console's login).
  [[nodiscard]] bool IsAdminToken(std::string_view token) const;
  [[nodiscard]] bool AuthEnabled() const;
  [[nodiscard]] const Sessions& sessions() const { return sessions_; }

 private:
  // Both hold mu_.
  [[nodiscard]] std::optional<http::Response> CheckUi(const http::Request& req) const;
  [[nodiscard]] bool IsAdminTokenLocked(std::string_view token) const;
  mutable std::mutex mu_;
  config::Auth auth_;  // guarded by mu_
  config::Ui ui_;      // guarded by mu_
  Sessions sessions_;
};

// Compares without an early exit, so timing does not reveal a prefix.
bool SameSecret(std::string_view a, std::string_view b);

}  // namespace rota::api
