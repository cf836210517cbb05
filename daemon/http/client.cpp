#include "http/client.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <optional>

namespace rota::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;

// Writes the request and reads the answer on a connected stream. Every
// operation is asynchronous, so the stream's deadline (set once, before the
// connect) bounds them all: Beast's synchronous operations ignore it.
template <class Stream>
asio::awaitable<ClientResponse> Exchange(
    Stream& stream, const std::string& host, const std::string& method, const std::string& target,
    const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, host);
  req.set(bhttp::field::user_agent, "rotactl");
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  for (const auto& [k, v] : headers) {
    req.set(k, v);
  }
  req.prepare_payload();
  co_await bhttp::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64U << 20U);
  co_await bhttp::async_read(stream, buffer, parser, asio::use_awaitable);
  auto res = parser.release();
  co_return ClientResponse{static_cast<int>(res.result_int()), std::move(res.body())};
}

ssl::context ClientContext(const TlsClientFiles& files) {
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  if (files.ca_file.empty()) {
    ctx.set_default_verify_paths();
  } else {
    ctx.load_verify_file(files.ca_file);
  }
  if (!files.cert_file.empty()) {
    ctx.use_certificate_chain_file(files.cert_file);
    ctx.use_private_key_file(files.key_file.empty() ? files.cert_file : files.key_file,
                             ssl::context::pem);
  }
  ctx.set_verify_mode(ssl::verify_peer);
  return ctx;
}

}  // namespace

Result<ClientResponse> Fetch(const std::string& base, const std::string& method,
                             const std::string& target, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             Duration timeout, const TlsClientFiles& tls) {
  auto url = boost::urls::parse_uri(base);
  const bool https = url && url->scheme() == "https";
  if (!url || (url->scheme() != "http" && !https) || url->host().empty()) {
    return Fail(Error::InvalidArgument("bad URL \"" + base +
                                       "\" (expected http://host:port or https://host:port)"));
  }
  // An IPv6 literal comes bracketed; the resolver and the name check want it bare.
  std::string host(url->encoded_host_address());
  if (host.size() > 2 && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = url->has_port() ? std::string(url->port()) : (https ? "443" : "80");
  std::string stage = "reach rotad at " + base;
  try {
    std::optional<ssl::context> ctx;
    if (https) {
      stage = "set up TLS";
      ctx.emplace(ClientContext(tls));
      stage = "reach rotad at " + base;
    }
    asio::io_context ioc;
    std::optional<Result<ClientResponse>> out;
    auto run = [&]() -> asio::awaitable<ClientResponse> {
      asio::ip::tcp::resolver resolver(ioc);
      const auto endpoints = co_await resolver.async_resolve(host, port, asio::use_awaitable);
      if (!https) {
        beast::tcp_stream stream(ioc);
        stream.expires_after(timeout);  // one deadline for connect, write and read
        co_await stream.async_connect(endpoints, asio::use_awaitable);
        auto res = co_await Exchange(stream, host, method, target, body, headers);
        beast::error_code ec;
        stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        co_return res;
      }
      beast::ssl_stream<beast::tcp_stream> stream(ioc, *ctx);
      boost::system::error_code addr_ec;
      asio::ip::make_address(host, addr_ec);
      if (addr_ec) {  // SNI takes names only
        // SSL_set_tlsext_host_name, without the macro's C cast.
        SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str()));
      }
      stream.set_verify_callback(ssl::host_name_verification(host));
      beast::get_lowest_layer(stream).expires_after(timeout);
      co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
      stage = "complete a TLS handshake with " + base;
      co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);
      stage = "reach rotad at " + base;
      auto res = co_await Exchange(stream, host, method, target, body, headers);
      // close_notify, briefly: the server may just close.
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
      auto [ec] = co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
      (void)ec;
      co_return res;
    };
    asio::co_spawn(ioc, run(), [&](std::exception_ptr e, ClientResponse r) {
      if (!e) {
        out = std::move(r);
        return;
      }
      try {
        std::rethrow_exception(e);
      } catch (const boost::system::system_error& se) {
        out = Fail(Error::Unavailable("cannot " + stage + ": " +
                                      (se.code() == beast::error::timeout
                                           ? "no answer within " + FormatDuration(timeout)
                                           : se.code().message())));
      } catch (const std::exception& x) {
        out = Fail(Error::Unavailable("cannot " + stage + ": " + x.what()));
      }
    });
    // The stream's deadline bounds all but name resolution; this bounds
    // that too. What is still running when it passes is dropped with the
    // io_context.
    ioc.run_for(timeout + std::chrono::seconds(1));
    if (!out) {
      return Fail(
          Error::Unavailable("cannot " + stage + ": no answer within " + FormatDuration(timeout)));
    }
    return std::move(*out);
  } catch (const boost::system::system_error& e) {
    return Fail(Error::Unavailable("cannot " + stage + ": " + e.code().message()));
  } catch (const std::exception& e) {
    return Fail(Error::Unavailable("cannot " + stage + ": " + e.what()));
  }
}

}  // namespace rota::http
