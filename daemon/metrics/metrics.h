// The daemon's Prometheus registry and the metrics the shell itself owns.
//
// One Metrics object per process, created by the app and passed by reference
// to whoever records. Families are registered once at construction; label
// children are created on first use (prometheus-cpp makes that thread-safe).
// Serialize() renders the text exposition format for GET /metrics.
//
// Thread-safety: every member may be used from any thread.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace rota::metrics {

class ProcessCollector;

struct BuildInfo {
  std::string version;
  std::string revision;
};

class Metrics {
 public:
  explicit Metrics(const BuildInfo& build);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  prometheus::Registry& registry() { return *registry_; }

  // Text exposition format 0.0.4 of every registered metric.
  [[nodiscard]] std::string Serialize() const;

  // Config reloads.
  void SetConfigLoaded(double hash_value, double unix_seconds);
  void SetConfigReloadFailed();

  // One finished HTTP request.
  void ObserveRequest(const std::string& handler, int code, double seconds);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ProcessCollector> process_;
  prometheus::Gauge* reload_ok_;
  prometheus::Gauge* reload_ts_;
  prometheus::Gauge* config_hash_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Family<prometheus::Histogram>* http_duration_;
};

}  // namespace rota::metrics
