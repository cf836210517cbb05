#include "http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace rota::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

Result<ClientResponse> Fetch(const std::string& base, const std::string& method,
                             const std::string& target, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             Duration timeout) {
  auto url = boost::urls::parse_uri(base);
  if (!url || url->scheme() != "http" || url->host().empty()) {
    return Fail(Error::InvalidArgument("bad URL \"" + base + "\" (expected http://host:port)"));
  }
  const std::string host(url->host());
  const std::string port = url->has_port() ? std::string(url->port()) : "80";
  try {
    asio::io_context ioc;
    asio::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    stream.connect(resolver.resolve(host, port));
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
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64U << 20U);
    bhttp::read(stream, buffer, parser);
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    auto res = parser.release();
    return ClientResponse{static_cast<int>(res.result_int()), std::move(res.body())};
  } catch (const boost::system::system_error& e) {
    return Fail(Error::Unavailable("cannot reach rotad at " + base + ": " + e.code().message()));
  } catch (const std::exception& e) {
    return Fail(Error::Unavailable("cannot reach rotad at " + base + ": " + e.what()));
  }
}

}  // namespace rota::http
