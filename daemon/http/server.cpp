#include "http/server.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <list>
#include <mutex>
#include <optional>
#include <type_traits>
#include <variant>

#include "log/log.h"

namespace rota::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// The answer to a request that could not be read (the connection closes).
Response ReadError(const beast::error_code& ec, const ServerOptions& options) {
  if (ec == bhttp::error::body_limit) {
    return Response::Error(413, "request body larger than " + std::to_string(options.body_limit) +
                                    " bytes (server.max_request_bytes)");
  }
  if (ec == bhttp::error::header_limit) {
    return Response::Error(431, "request headers too large");
  }
  return Response::Error(400, "malformed HTTP request: " + ec.message());
}

// What a parsed message becomes for the router, or the 400 to answer.
std::variant<Request, Response> ToRequest(bhttp::request<bhttp::string_body>& msg,
                                          const std::string& remote, bool loopback) {
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  auto [path, query] = SplitTarget(req.target);
  req.path = std::move(path);
  req.query = std::move(query);
  auto url = boost::urls::parse_origin_form(req.target);
  if (!url) {
    return Response::Error(400, "malformed request target: " + url.error().message());
  }
  for (const auto& param : url->params()) {
    req.query_params[param.key] = param.value;
  }
  for (const auto& field : msg) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    req.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  req.body = std::move(msg.body());
  req.remote_address = remote;
  req.remote_is_loopback = loopback;
  return req;
}

class SessionBase;

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, ServerOptions opts, const Router& r)
      : ioc(io),
        options(std::move(opts)),
        router(r),
        acceptor(asio::make_strand(io)),
        backoff(acceptor.get_executor()),
        tls(options.tls) {}

  void DoAccept();
  void OnAcceptError(const beast::error_code& ec);
  void Refuse(tcp::socket& s);
  void Refused(std::string_view reason) const;
  void Track(const std::shared_ptr<SessionBase>& s);
  void CloseAll();
  std::size_t Count();
  std::shared_ptr<const TlsContext> Tls() {
    std::lock_guard lock(mu);
    return tls;
  }

  asio::io_context& ioc;
  ServerOptions options;
  const Router& router;
  tcp::acceptor acceptor;
  asio::steady_timer backoff;  // on the acceptor's strand, as the fields below
  // Failed accepts log one line a minute (the count of those not logged rides
  // on the next), and the first accept after a logged failure says so.
  std::uint64_t failures_unlogged = 0;
  std::optional<std::chrono::steady_clock::time_point> last_failure_log;
  bool failure_logged = false;
  std::atomic<std::size_t> open{0};  // live sessions
  std::mutex mu;
  std::list<std::weak_ptr<SessionBase>> sessions;  // guarded by mu
  bool stopping = false;                           // guarded by mu
  // The context new connections get (options.tls, then each SetTls); null:
  // plain HTTP. Guarded by mu.
  std::shared_ptr<const TlsContext> tls;
};

namespace {

// What the server keeps of a session: a way to stop it.
class SessionBase {
 public:
  SessionBase() = default;
  virtual ~SessionBase() = default;
  SessionBase(const SessionBase&) = delete;
  SessionBase& operator=(const SessionBase&) = delete;
  // From any thread.
  virtual void Stop() = 0;
};

// One connection: plain HTTP, or HTTPS when kTls (a handshake first, a TLS
// close_notify last). Both run the same read → dispatch → write loop.
template <bool kTls>
class Session : public SessionBase, public std::enable_shared_from_this<Session<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  Session(tcp::socket&& socket, std::shared_ptr<Server::Impl> server,
          std::shared_ptr<const TlsContext> tls)
      : stream_(MakeStream(std::move(socket), tls)),
        server_(std::move(server)),
        tls_(std::move(tls)) {
    server_->open.fetch_add(1, std::memory_order_relaxed);
    beast::error_code ec;
    const auto ep = Socket().remote_endpoint(ec);
    if (!ec) {
      remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
      loopback_ = ep.address().is_loopback();
    }
  }

  ~Session() override { server_->open.fetch_sub(1, std::memory_order_relaxed); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Run() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->DoRead();
      }
    });
  }

  void Stop() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->stopping_ = true;
      if (self->reading_) {
        beast::error_code ec;
        self->Socket().shutdown(tcp::socket::shutdown_both, ec);
        self->Socket().close(ec);
      }
    });
  }

 private:
  static Stream MakeStream(tcp::socket&& socket, const std::shared_ptr<const TlsContext>& tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), tls->Native());
    } else {
      return Stream(std::move(socket));
    }
  }

  tcp::socket& Socket() { return beast::get_lowest_layer(stream_).socket(); }

  // A handshake that fails (no client certificate where one is required, TLS
  // older than 1.2, plain HTTP sent to an HTTPS port, a scanner) is a
  // connection refused; it costs one debug line and a count.
  void Handshake() {
    beast::get_lowest_layer(stream_).expires_after(server_->options.read_timeout);
    reading_ = true;
    stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](
                                                                beast::error_code ec) {
      self->reading_ = false;
      if (ec) {
        self->server_->Refused("tls_handshake");
        log::Debug("tls handshake failed", {{"remote", self->remote_}, {"error", ec.message()}});
        self->CloseSocket();
        return;
      }
      self->DoRead();
    });
  }

  void DoRead() {
    if (stopping_) {
      Close();
      return;
    }
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.header_limit));
    beast::get_lowest_layer(stream_).expires_after(requests_ == 0 ? server_->options.read_timeout
                                                                  : server_->options.idle_timeout);
    reading_ = true;
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    reading_ = false;
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::bad_descriptor || ec == asio::ssl::error::stream_truncated) {
      Close();
      return;
    }
    if (ec) {
      keep_alive_ = false;
      Write(ReadError(ec, server_->options));
      return;
    }
    ++requests_;
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    auto req = ToRequest(msg, remote_, loopback_);
    if (auto* error = std::get_if<Response>(&req)) {
      keep_alive_ = false;
      Write(std::move(*error));
      return;
    }
    // While a read is being answered, notice a client that hangs up: a long
    // computation (a calendar feed, coverage) may stop for nobody. Only GETs:
    // the long reads are GETs, and ingest's POSTs pay nothing for it.
    if (std::get<Request>(req).method == "GET") {
      auto gone = std::make_shared<std::atomic<bool>>(false);
      std::get<Request>(req).client_gone = gone;
      WatchForHangUp(std::move(gone));
    }
    // The reply may come later and from another thread: hop back to our strand.
    auto self = this->shared_from_this();
    server_->router.Dispatch(std::move(std::get<Request>(req)), [self](Response r) {
      asio::post(self->stream_.get_executor(),
                 [self, r = std::move(r)]() mutable { self->Write(std::move(r)); });
    });
  }

  // Sets `gone` when the socket turns readable with nothing to read (the
  // peer's FIN) or fails. Readable with bytes (a pipelined request, a TLS
  // record) proves nothing and ends the watch. One watch at a time.
  void WatchForHangUp(std::shared_ptr<std::atomic<bool>> gone) {
    if (watching_) {
      return;
    }
    watching_ = true;
    Socket().async_wait(
        tcp::socket::wait_read,
        asio::bind_executor(stream_.get_executor(), [self = this->shared_from_this(),
                                                     gone = std::move(gone)](beast::error_code ec) {
          self->watching_ = false;
          if (ec == asio::error::operation_aborted) {
            return;
          }
          char byte = 0;
          const auto n = ::recv(self->Socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
          if (ec || n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            gone->store(true);
          }
        }));
  }

  void Write(Response r) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    res->set(bhttp::field::server, "rota");
    res->set(bhttp::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) {
      res->insert(k, v);  // a header may repeat (Set-Cookie)
    }
    res->body() = r.render ? r.render() : std::move(r.body);
    res->keep_alive(keep_alive_ && !stopping_);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(server_->options.read_timeout);
    bhttp::async_write(stream_, *res,
                       [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                         if (ec || !res->keep_alive()) {
                           self->Close();
                           return;
                         }
                         self->DoRead();
                       });
  }

  // TLS says close_notify first (bounded by a short deadline); then the socket closes.
  void Close() {
    if constexpr (kTls) {
      if (!closing_) {
        closing_ = true;
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(1));
        stream_.async_shutdown(
            [self = this->shared_from_this()](beast::error_code) { self->CloseSocket(); });
        return;
      }
    }
    CloseSocket();
  }

  void CloseSocket() {
    beast::error_code ec;
    Socket().shutdown(tcp::socket::shutdown_send, ec);
    Socket().close(ec);
  }

  bool watching_ = false;  // a hang-up watch is pending
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Server::Impl> server_;
  std::shared_ptr<const TlsContext> tls_;  // keeps the context this connection began with
  std::string remote_;
  bool loopback_ = false;
  bool keep_alive_ = false;
  bool reading_ = false;
  bool stopping_ = false;
  bool closing_ = false;
  std::size_t requests_ = 0;
};

}  // namespace

void Server::Impl::DoAccept() {
  acceptor.async_accept(
      asio::make_strand(ioc), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
        if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) {
          return;
        }
        if (ec) {
          self->OnAcceptError(ec);
          return;
        }
        if (self->failure_logged) {
          log::Info("http accept works again", {{"failures_not_logged", self->failures_unlogged}});
          self->failure_logged = false;
        }
        if (self->open.load(std::memory_order_relaxed) >= self->options.max_connections) {
          self->Refuse(s);
        } else if (auto context = self->Tls()) {
          auto session = std::make_shared<Session<true>>(std::move(s), self, std::move(context));
          self->Track(session);
          session->Run();
        } else {
          auto session = std::make_shared<Session<false>>(std::move(s), self, nullptr);
          self->Track(session);
          session->Run();
        }
        self->DoAccept();
      });
}

// A failed accept leaves the connection in the kernel's backlog; trying again
// at once would fail again at once (EMFILE is not cleared by waiting for the
// socket), so wait, and log at most one line a minute.
void Server::Impl::OnAcceptError(const beast::error_code& ec) {
  if (ec == asio::error::connection_aborted) {  // the peer gave up; nothing is short
    DoAccept();
    return;
  }
  const bool descriptors =
      ec == asio::error::no_descriptors ||
      (ec.category() == boost::system::system_category() &&
       (ec.value() == ENFILE || ec.value() == ENOBUFS || ec.value() == ENOMEM));
  Refused(descriptors ? "file_descriptors" : "error");
  const auto now = std::chrono::steady_clock::now();
  if (!last_failure_log || now - *last_failure_log >= std::chrono::minutes(1)) {
    log::Warn(
        descriptors ? "http accept failed: out of file descriptors; new connections wait"
                    : "http accept failed",
        {{"error", ec.message()},
         {"retry_in_ms",
          std::chrono::duration_cast<std::chrono::milliseconds>(options.accept_backoff).count()},
         {"open_connections", open.load(std::memory_order_relaxed)},
         {"failures_not_logged", failures_unlogged}});
    last_failure_log = now;
    failures_unlogged = 0;
    failure_logged = true;
  } else {
    ++failures_unlogged;
  }
  backoff.expires_after(options.accept_backoff);
  backoff.async_wait([self = shared_from_this()](const beast::error_code& wait_ec) {
    if (!wait_ec && self->acceptor.is_open()) {
      self->DoAccept();
    }
  });
}

// Over max_connections: a short 503 written without waiting, then close. The
// client may see the answer or a reset; either way the descriptor is free.
void Server::Impl::Refuse(tcp::socket& s) {
  Refused("max_connections");
  beast::error_code ec;
  if (Tls()) {  // plain text would be noise to a TLS client: just close
    s.close(ec);
    return;
  }
  static constexpr std::string_view kAnswer =
      "HTTP/1.1 503 Service Unavailable\r\n"
      "Content-Type: application/json\r\n"
      "Retry-After: 1\r\n"
      "Connection: close\r\n"
      "Content-Length: 75\r\n\r\n"
      "{\"error\": \"too many connections open (server.max_connections); try again\"}\n";
  s.non_blocking(true, ec);
  s.write_some(asio::buffer(kAnswer.data(), kAnswer.size()), ec);
  s.shutdown(tcp::socket::shutdown_both, ec);
  s.close(ec);
}

void Server::Impl::Refused(std::string_view reason) const {
  if (options.on_refused) {
    options.on_refused(reason);
  }
}

void Server::Impl::Track(const std::shared_ptr<SessionBase>& s) {
  std::lock_guard lock(mu);
  sessions.remove_if([](const std::weak_ptr<SessionBase>& w) { return w.expired(); });
  sessions.push_back(s);
  if (stopping) {
    s->Stop();
  }
}

void Server::Impl::CloseAll() {
  std::lock_guard lock(mu);
  stopping = true;
  for (auto& w : sessions) {
    if (auto s = w.lock()) {
      s->Stop();
    }
  }
}

std::size_t Server::Impl::Count() { return open.load(std::memory_order_relaxed); }

Server::Server(asio::io_context& ioc, ServerOptions options, const Router& router)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), router)) {}

void Server::SetTls(std::shared_ptr<const TlsContext> tls) {
  std::lock_guard lock(impl_->mu);
  impl_->tls = std::move(tls);
}

Server::~Server() = default;

Result<std::string> Server::Start() {
  beast::error_code ec;
  const std::string host = impl_->options.host.empty() ? "0.0.0.0" : impl_->options.host;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    return Fail(Error::InvalidArgument("bad listen address \"" + host + "\": " + ec.message()));
  }
  const tcp::endpoint endpoint(address, impl_->options.port);
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) {
    a.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    a.bind(endpoint, ec);
  }
  if (!ec) {
    a.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Fail(Error::Unavailable("cannot listen on " + host + ":" +
                                   std::to_string(impl_->options.port) + ": " + ec.message()));
  }
  const auto bound = a.local_endpoint(ec);
  impl_->DoAccept();
  const std::string addr = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                   : bound.address().to_string();
  return addr + ":" + std::to_string(bound.port());
}

void Server::Stop() {
  asio::dispatch(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    impl->backoff.cancel();
  });
  impl_->CloseAll();
}

std::size_t Server::OpenConnections() const { return impl_->Count(); }

std::optional<Response> ServeBytes(const Router& router, std::string_view raw,
                                   const ServerOptions& options, bool loopback) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(options.body_limit);
  parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
  parser.eager(true);
  if (raw.empty()) {
    return std::nullopt;  // nothing was sent; a connection just closes
  }
  beast::error_code ec;
  while (!parser.is_done()) {
    const std::size_t used = parser.put(asio::buffer(raw.data(), raw.size()), ec);
    raw.remove_prefix(used);
    if (ec == bhttp::error::need_more) {
      ec = {};
    }
    if (ec) {
      break;
    }
    if (used == 0 || raw.empty()) {  // every byte is in: the message ends here
      if (!parser.is_done() && parser.got_some()) {
        parser.put_eof(ec);
      }
      if (!parser.is_done() && !ec) {
        ec = bhttp::error::partial_message;
      }
      break;
    }
  }
  if (ec) {
    return ReadError(ec, options);
  }
  auto req = ToRequest(parser.get(), "127.0.0.1:1", loopback);
  if (auto* error = std::get_if<Response>(&req)) {
    return std::move(*error);
  }
  std::optional<Response> answer;
  router.Dispatch(std::move(std::get<Request>(req)),
                  [&answer](Response r) { answer = std::move(r); });
  return answer;
}

}  // namespace rota::http
