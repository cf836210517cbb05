// The HTTP/1.1 listener: Boost.Beast, one strand per connection.
//
// Shaped after Beast's advanced server example (boost-1.81.0): per-session
// strand, a read deadline on every read (read_timeout for a request,
// idle_timeout between keep-alive requests), a body limit, one response in
// flight per connection. Errors answer 400/413 JSON and close. Stop() closes
// the acceptor and idle connections at once; connections with a request in
// flight answer it (with `Connection: close`) and then close.
//
// Connections beyond max_connections are answered 503 at once and closed, so
// a flood cannot use up the process's descriptors. When accept itself fails
// (out of descriptors: EMFILE, ENFILE), the listener waits accept_backoff
// before trying again instead of spinning, logs at most one line a minute,
// and connections already open keep being served.
//
// With options.tls, every connection is HTTPS (tls.h): a TLS handshake under
// read_timeout, then the same loop. SetTls swaps the certificate for new
// connections without touching the ones open.
//
// Beast lives only in server.cpp; this header is cheap to include.
//
// Thread-safety: Start/Stop/LocalAddress from any thread; the io_context may
// be run by several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/duration.h"
#include "core/error.h"
#include "http/router.h"
#include "http/tls.h"

namespace boost::asio {
class io_context;
}

namespace rota::http {

struct ServerOptions {
  std::string host = "127.0.0.1";  // empty: all interfaces
  std::uint16_t port = 0;          // 0: pick a free port
  std::size_t body_limit = 4U << 20U;
  std::size_t header_limit = 16U << 10U;
  Duration read_timeout = std::chrono::seconds(30);
  Duration idle_timeout = std::chrono::seconds(120);
  std::size_t max_connections = 1024;
  Duration accept_backoff = std::chrono::milliseconds(100);
  // Called (from any thread) once per connection not served: reason
  // "max_connections", or "file_descriptors"/"error" for a failed accept.
  // "tls_handshake" too, for a TLS handshake that failed.
  std::function<void(std::string_view reason)> on_refused;
  // HTTPS when set (MakeTlsContext); plain HTTP otherwise.
  std::shared_ptr<const TlsContext> tls;
};

class Server {
 public:
  // REQUIRES: `router` outlives the server.
  Server(boost::asio::io_context& ioc, ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting; returns the bound "host:port".
  Result<std::string> Start();
  // Stops accepting and closes idle connections; in-flight requests finish.
  void Stop();
  // New connections use `tls` from now on; open ones keep theirs.
  // REQUIRES: the server was made with options.tls set, and `tls` is not null.
  void SetTls(std::shared_ptr<const TlsContext> tls);
  // Connections still open.
  [[nodiscard]] std::size_t OpenConnections() const;

  struct Impl;  // server.cpp; public only so its sessions can name it

 private:
  std::shared_ptr<Impl> impl_;
};

// Reads `raw` as one request exactly as a connection does (the same parser,
// limits and 400/413/431 answers, the same conversion for the router) and
// dispatches it; returns the answer if the handler replied before returning,
// nothing for an empty input. For the fuzzer (tests/fuzz/) and unit tests.
std::optional<Response> ServeBytes(const Router& router, std::string_view raw,
                                   const ServerOptions& options, bool loopback = true);

}  // namespace rota::http
