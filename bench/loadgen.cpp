// loadgen: POSTs alerts to rota (or Alertmanager) as fast as it can over N
// keep-alive connections and reports throughput and latency percentiles.
//
//   loadgen --url http://127.0.0.1:9095 [--path /api/v2/alerts] [--connections 8]
//           [--batch 1] [--requests 20000] [--repeat-labels]
//
// Alerts are unique (alertname=LoadGen, id=<connection>-<n>-<k>) unless
// --repeat-labels, which re-sends the same label sets (deduplication path).
// Only 2xx answers count; anything else is reported and counted as an error.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/program_options.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace po = boost::program_options;

int main(int argc, char** argv) {
  std::string url;
  std::string path;
  int connections = 8;
  int batch = 1;
  long requests = 20000;
  bool repeat = false;
  po::options_description desc("loadgen options");
  desc.add_options()("url", po::value<std::string>(&url)->default_value("http://127.0.0.1:9095"), "")(
      "path", po::value<std::string>(&path)->default_value("/api/v2/alerts"), "")(
      "connections", po::value<int>(&connections)->default_value(8), "")(
      "batch", po::value<int>(&batch)->default_value(1), "alerts per request")(
      "requests", po::value<long>(&requests)->default_value(20000), "total requests")(
      "repeat-labels", po::bool_switch(&repeat), "re-send the same alerts");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  const auto colon = url.rfind(':');
  const std::string host = url.substr(7, colon - 7);
  const std::string port = url.substr(colon + 1);
  std::atomic<long> next{0};
  std::atomic<long> errors{0};
  std::mutex mu;
  std::vector<double> latencies;
  latencies.reserve(static_cast<std::size_t>(requests));
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      std::vector<double> mine;
      asio::io_context ioc;
      beast::tcp_stream stream(ioc);
      asio::ip::tcp::resolver resolver(ioc);
      stream.connect(resolver.resolve(host, port));
      beast::flat_buffer buffer;
      while (true) {
        const long n = next++;
        if (n >= requests) {
          break;
        }
        std::string body = "[";
        for (int k = 0; k < batch; ++k) {
          const long id = repeat ? (n % 100) * batch + k : n * batch + k;
          body += (k > 0 ? "," : "") + std::string(R"({"labels":{"alertname":"LoadGen","id":")") +
                  std::to_string(c) + "-" + std::to_string(id) + R"(","severity":"page"}})";
        }
        body += "]";
        http::request<http::string_body> req{http::verb::post, path, 11};
        req.set(http::field::host, host);
        req.set(http::field::content_type, "application/json");
        req.keep_alive(true);
        req.body() = std::move(body);
        req.prepare_payload();
        const auto t0 = std::chrono::steady_clock::now();
        http::write(stream, req);
        http::response<http::string_body> res;
        http::read(stream, buffer, res);
        const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
        if (res.result_int() / 100 != 2) {
          if (errors++ < 3) {
            std::cerr << "HTTP " << res.result_int() << ": " << res.body().substr(0, 200) << "\n";
          }
          continue;
        }
        mine.push_back(dt.count());
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  const std::chrono::duration<double> total = std::chrono::steady_clock::now() - start;
  std::sort(latencies.begin(), latencies.end());
  const auto pct = [&](double p) {
    if (latencies.empty()) {
      return 0.0;
    }
    return latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(p * static_cast<double>(latencies.size())))] * 1000;
  };
  const double ok = static_cast<double>(latencies.size());
  std::printf("requests_ok=%ld errors=%ld alerts_per_request=%d connections=%d seconds=%.3f\n",
              static_cast<long>(ok), errors.load(), batch, connections, total.count());
  std::printf("requests_per_s=%.0f alerts_per_s=%.0f\n", ok / total.count(),
              ok * batch / total.count());
  std::printf("latency_ms p50=%.3f p90=%.3f p99=%.3f p999=%.3f\n", pct(0.5), pct(0.9), pct(0.99),
              pct(0.999));
  return errors.load() == 0 ? 0 : 1;
}
