// A small synchronous HTTP/1.1 client for rotactl talking to rotad, over
// http:// or https:// (TLS 1.2+, the server's certificate verified against
// the system's CAs or TlsClientFiles::ca_file, and its name or IP checked
// against the URL's host; a client certificate when the listener asks).
//
// Thread-safety: each call is independent.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/duration.h"
#include "core/error.h"
#include "http/tls.h"

namespace rota::http {

struct ClientResponse {
  int status = 0;
  std::string body;
};

// `base` is "http://host:port" or "https://host:port"; `target` the path and query.
Result<ClientResponse> Fetch(const std::string& base, const std::string& method,
                             const std::string& target, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             Duration timeout = std::chrono::seconds(30),
                             const TlsClientFiles& tls = {});

}  // namespace rota::http
