// A small synchronous HTTP/1.1 client for rotactl talking to rotad.
// Plain HTTP only (rotad listens on plain HTTP; put TLS in a proxy).
//
// Thread-safety: each call is independent.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/duration.h"
#include "core/error.h"

namespace rota::http {

struct ClientResponse {
  int status = 0;
  std::string body;
};

// `base` is "http://host:port"; `target` the path and query.
Result<ClientResponse> Fetch(const std::string& base, const std::string& method,
                             const std::string& target, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             Duration timeout = std::chrono::seconds(30));

}  // namespace rota::http
