// sink: a local webhook receiver for benchmarks. It accepts every POST with
// 200, counts requests, and timestamps arrivals: each `"sent_us":"<µs since
// the epoch>"` in a body (loadgen puts one in every alert's annotations,
// and both rota and Alertmanager pass annotations on) gives one end-to-end
// latency, arrival minus send, on the same machine's clock.
//
//   sink [--port 0]     prints "listening port=<p>", then serves:
//   GET  /stats         {"requests": n, "alerts": n, "latency_ms":
//   {"p50":..,"p90":..,"p99":..,"max":..}} POST /reset         forgets everything so far
//
// One thread per connection: senders keep few connections open (or open
// one per send, which is what this measures for them).
#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_clock.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace po = boost::program_options;
using tcp = asio::ip::tcp;

namespace {

std::mutex mu;
long requests = 0;              // guarded by mu
std::vector<double> latencies;  // ms, guarded by mu

using rota::bench::NowUs;

void Record(const std::string& body, std::int64_t arrived_us) {
  static constexpr std::string_view kKey = "\"sent_us\":\"";
  std::vector<double> mine;
  for (auto at = body.find(kKey); at != std::string::npos; at = body.find(kKey, at + 1)) {
    const std::int64_t sent = std::strtoll(body.c_str() + at + kKey.size(), nullptr, 10);
    if (sent > 0) {
      mine.push_back(static_cast<double>(arrived_us - sent) / 1000.0);
    }
  }
  std::lock_guard lock(mu);
  ++requests;
  latencies.insert(latencies.end(), mine.begin(), mine.end());
}

std::string Stats() {
  std::lock_guard lock(mu);
  std::vector<double> sorted = latencies;
  std::sort(sorted.begin(), sorted.end());
  auto pct = [&](double p) {
    return sorted.empty()
               ? 0.0
               : sorted[std::min(sorted.size() - 1,
                                 static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
  };
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      R"({"requests":%ld,"alerts":%zu,"latency_ms":{"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f}})",
      requests, sorted.size(), pct(0.5), pct(0.9), pct(0.99), sorted.empty() ? 0.0 : sorted.back());
  return buf;
}

void Serve(tcp::socket socket) {
  beast::error_code ec;
  beast::flat_buffer buffer;
  while (true) {
    http::request<http::string_body> req;
    http::read(socket, buffer, req, ec);
    if (ec) {
      return;
    }
    const std::int64_t arrived = NowUs();
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.keep_alive(req.keep_alive());
    if (req.method() == http::verb::get && req.target() == "/stats") {
      res.set(http::field::content_type, "application/json");
      res.body() = Stats();
    } else if (req.method() == http::verb::post && req.target() == "/reset") {
      std::lock_guard lock(mu);
      requests = 0;
      latencies.clear();
    } else {
      Record(req.body(), arrived);
    }
    res.prepare_payload();
    http::write(socket, res, ec);
    if (ec || !req.keep_alive()) {
      return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  po::options_description desc("sink options");
  desc.add_options()("port", po::value<unsigned short>(&port)->default_value(0),
                     "port on 127.0.0.1");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
  std::printf("listening port=%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  while (true) {
    tcp::socket socket(ioc);
    acceptor.accept(socket);
    socket.set_option(tcp::no_delay(true));
    std::thread(Serve, std::move(socket)).detach();
  }
}
