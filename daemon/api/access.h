// Authorizer: the one place that decides who may call a route, by the
// route's access level (DESIGN.md "Access"):
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
// Thread-safety: Check() from any thread; Set() swaps the tokens under a mutex.
#pragma once

#include <mutex>
#include <optional>

#include "config/config.h"
#include "http/router.h"

namespace rota::api {

class Authorizer {
 public:
  void Set(const config::Auth& auth);
  // The refusal to send, or nothing when the request may go on.
  [[nodiscard]] std::optional<http::Response> Check(const http::Request& req,
                                                    http::Access access) const;

 private:
  mutable std::mutex mu_;
  config::Auth auth_;  // guarded by mu_
};

// Compares without an early exit, so timing does not reveal a prefix.
bool SameSecret(std::string_view a, std::string_view b);

}  // namespace rota::api
