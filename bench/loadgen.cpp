// loadgen: POSTs alerts to rota (or Alertmanager) as fast as it can over N
// keep-alive connections and reports throughput and latency percentiles.
//
//   loadgen --url http://127.0.0.1:9095 [--ca-file CA] [--path /api/v2/alerts] [--connections 8]
//           [--batch 1] [--requests 20000] [--repeat-labels] [--rate 0]
//           [--run-id r] [--shards 0] [--distinct N] [--stable-annotations] [--json]
//
// Alerts are Alertmanager API v2 objects, unique (alertname=LoadGen,
// id=<run>-<connection>-<n>-<k>) unless --repeat-labels, which re-sends the
// same label sets (deduplication path); with --shards N each also carries
// shard=<id mod N> (for grouped routes). Every alert has endsAt a day ahead
// (so none resolves during a long run) and an annotation sent_us, the send
// time in µs since the epoch, from which bench/sink computes end-to-end
// latency.
//
// --distinct N cycles through N alerts (ids n mod N, one id space for all
// connections), so a run re-sends the same firing alerts as Prometheus does
// every evaluation; --stable-annotations leaves sent_us out, so a re-send
// carries exactly what the first send did.
//
// --rate 0 sends as fast as the connections allow (closed loop); --rate R
// sends R requests/s in total on a fixed schedule (open loop), and latency
// counts from the scheduled instant, so a stall is not hidden by waiting.
// Only 2xx answers count; anything else is reported and counted as an error.
// An https:// --url speaks TLS (one handshake per connection, then keep-alive),
// trusting --ca-file (default: the system's CAs).
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_clock.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace po = boost::program_options;
namespace ssl = asio::ssl;

namespace {

using rota::bench::NowUs;

// RFC 3339, a day from now.
std::string EndsAt() {
  const std::time_t t = std::time(nullptr) + 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  std::string ca_file;
  std::string path;
  int connections = 8;
  int batch = 1;
  long requests = 20000;
  bool repeat = false;
  double rate = 0;
  std::string run_id = "r";
  int shards = 0;
  long distinct = 0;
  bool stable = false;
  bool as_json = false;
  po::options_description desc("loadgen options");
  desc.add_options()("url", po::value<std::string>(&url)->default_value("http://127.0.0.1:9095"),
                     "")("path", po::value<std::string>(&path)->default_value("/api/v2/alerts"),
                         "")("connections", po::value<int>(&connections)->default_value(8), "")(
      "batch", po::value<int>(&batch)->default_value(1), "alerts per request")(
      "requests", po::value<long>(&requests)->default_value(20000), "total requests")(
      "repeat-labels", po::bool_switch(&repeat), "re-send the same alerts")(
      "rate", po::value<double>(&rate)->default_value(0), "requests per second in total; 0 = max")(
      "run-id", po::value<std::string>(&run_id)->default_value("r"),
      "makes ids unique across runs")("shards", po::value<int>(&shards)->default_value(0),
                                      "add shard=<id mod N>")(
      "distinct", po::value<long>(&distinct)->default_value(0),
      "cycle through N alerts; 0 = all unique")("ca-file", po::value<std::string>(&ca_file),
                                                "CA to trust for an https:// --url")(
      "stable-annotations", po::bool_switch(&stable), "no sent_us annotation")(
      "json", po::bool_switch(&as_json), "one JSON object on stdout");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  // http://host:port, or https://host:port (TLS 1.2+, verified against --ca-file).
  const bool https = url.rfind("https://", 0) == 0;
  const auto colon = url.rfind(':');
  const std::size_t host_at = https ? 8 : 7;
  const std::string host = url.substr(host_at, colon - host_at);
  const std::string port = url.substr(colon + 1);
  std::optional<ssl::context> tls;
  if (https) {
    tls.emplace(ssl::context::tls_client);
    tls->set_verify_mode(ssl::verify_peer);
    if (ca_file.empty()) {
      tls->set_default_verify_paths();
    } else {
      tls->load_verify_file(ca_file);
    }
  }
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
      asio::ip::tcp::resolver resolver(ioc);
      beast::flat_buffer buffer;
      // The same exchange over plain TCP or TLS.
      const auto run = [&](auto& stream) {
        const std::string ends_at = EndsAt();
        // Open loop: this connection's share of the rate, on a fixed schedule.
        const auto interval = rate > 0 ? std::chrono::duration<double>(connections / rate)
                                       : std::chrono::duration<double>(0);
        auto due = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval * c /
                                                                                   connections);
        while (true) {
          const long n = next++;
          if (n >= requests) {
            break;
          }
          if (rate > 0) {
            std::this_thread::sleep_until(due);
          }
          const std::string sent = std::to_string(NowUs());
          std::string body = "[";
          for (int k = 0; k < batch; ++k) {
            const long id = distinct > 0 ? (n * batch + k) % distinct
                            : repeat     ? (n % 100) * batch + k
                                         : n * batch + k;
            // With --distinct the id space is shared by all connections.
            const std::string who = distinct > 0 ? run_id : run_id + "-" + std::to_string(c);
            body += (k > 0 ? "," : "") + std::string(R"({"labels":{"alertname":"LoadGen","id":")") +
                    who + "-" + std::to_string(id) + R"(","severity":"page")";
            if (shards > 0) {
              body += R"(,"shard":")" + std::to_string(id % shards) + "\"";
            }
            body += stable ? std::string(R"(},"annotations":{"summary":"load"},"endsAt":")")
                           : R"(},"annotations":{"sent_us":")" + sent + R"("},"endsAt":")";
            body += ends_at + "\"}";
          }
          body += "]";
          http::request<http::string_body> req{http::verb::post, path, 11};
          req.set(http::field::host, host);
          req.set(http::field::content_type, "application/json");
          req.keep_alive(true);
          req.body() = std::move(body);
          req.prepare_payload();
          const auto t0 = rate > 0 ? due : std::chrono::steady_clock::now();
          due += std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval);
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
      };
      if (tls) {
        beast::ssl_stream<beast::tcp_stream> stream(ioc, *tls);
        beast::get_lowest_layer(stream).connect(resolver.resolve(host, port));
        beast::get_lowest_layer(stream).socket().set_option(asio::ip::tcp::no_delay(true));
        stream.handshake(ssl::stream_base::client);
        run(stream);
      } else {
        beast::tcp_stream stream(ioc);
        stream.connect(resolver.resolve(host, port));
        stream.socket().set_option(asio::ip::tcp::no_delay(true));
        run(stream);
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
    return latencies[std::min(
               latencies.size() - 1,
               static_cast<std::size_t>(p * static_cast<double>(latencies.size())))] *
           1000;
  };
  const double ok = static_cast<double>(latencies.size());
  if (as_json) {
    std::printf(
        R"({"requests_ok":%ld,"errors":%ld,"batch":%d,"connections":%d,"seconds":%.3f,)"
        R"("requests_per_s":%.1f,"alerts_per_s":%.1f,"latency_ms":{"p50":%.3f,"p90":%.3f,"p99":%.3f,"p999":%.3f}})"
        "\n",
        static_cast<long>(ok), errors.load(), batch, connections, total.count(), ok / total.count(),
        ok * batch / total.count(), pct(0.5), pct(0.9), pct(0.99), pct(0.999));
    return errors.load() == 0 ? 0 : 1;
  }
  std::printf("requests_ok=%ld errors=%ld alerts_per_request=%d connections=%d seconds=%.3f\n",
              static_cast<long>(ok), errors.load(), batch, connections, total.count());
  std::printf("requests_per_s=%.0f alerts_per_s=%.0f\n", ok / total.count(),
              ok * batch / total.count());
  std::printf("latency_ms p50=%.3f p90=%.3f p99=%.3f p999=%.3f\n", pct(0.5), pct(0.9), pct(0.99),
              pct(0.999));
  return errors.load() == 0 ? 0 : 1;
}
