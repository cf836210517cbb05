// The HTTP/1.1 listener: Boost.Beast, one strand per connection.
//
// Shaped after Beast's advanced server example (boost-1.81.0): per-session
// strand, a read deadline on every read (read_timeout for a request,
// idle_timeout between keep-alive requests), a body limit, one response in
// flight per connection. Errors answer 400/413 JSON and close. Stop() closes
// the acceptor and idle connections at once; connections with a request in
// flight answer it (with `Connection: close`) and then close.
//
// Beast lives only in server.cpp; this header is cheap to include.
//
// Thread-safety: Start/Stop/LocalAddress from any thread; the io_context may
// be run by several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/duration.h"
#include "core/error.h"
#include "http/router.h"

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
  // Connections still open.
  [[nodiscard]] std::size_t OpenConnections() const;

  struct Impl;  // server.cpp; public only so its sessions can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace rota::http
