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

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

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
  // A connection not served: "max_connections", "file_descriptors", "error",
  // "tls_handshake".
  void ConnectionRefused(std::string_view reason);
  void SetOpenConnections(double open);
  // The listener's certificate (server.tls): its notAfter, set at load and reload.
  void SetTlsCertificateExpiry(double unix_seconds);

  // Per-team schedule gauges; teams not named in the latest call are removed.
  struct TeamSchedule {
    std::string team;
    double on_duty_people = 0;
    double next_coverage_timestamp = 0;  // +Inf when nobody within the horizon
    double uncovered_required_seconds_7d = 0;
  };
  void SetTeamSchedules(const std::vector<TeamSchedule>& teams);

  // The alert pipeline.
  void EventReceived(const std::string& source, const std::string& outcome, double n);
  void SetAlerts(double firing, double acknowledged, double resolved, double held);
  void NotificationSent(const std::string& channel, const std::string& kind,
                        const std::string& outcome);
  void NotificationRefusedOffDuty();
  void NotificationAttempt(const std::string& channel, const std::string& outcome);
  void SetOutboxPending(const std::map<std::string, std::pair<double, double>>& by_channel);
  void ObserveTimeToNotification(double seconds);
  void SetEscalations(double total);
  // Reroutes in force now, and the engine's count of alerts rerouted.
  void SetReroutes(double active, double rerouted_total);
  // One long read (a calendar feed, a coverage answer) by outcome:
  // answered, full (cut at its limit), abandoned (the client left),
  // stopped (rotad stopping), busy (refused: the pool was full).
  void LongRead(std::string_view outcome);

  // The store.
  void StoreCommitted(std::size_t batch, double seconds);
  void SetStoreUp(bool up);  // false also counts a write failure

  // High availability (PostgreSQL): leadership and its fencing epoch.
  void SetLeader(bool leading, std::int64_t epoch);
  void LeaderChanged();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ProcessCollector> process_;
  prometheus::Gauge* reload_ok_;
  prometheus::Gauge* reload_ts_;
  prometheus::Gauge* config_hash_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Family<prometheus::Histogram>* http_duration_;
  prometheus::Family<prometheus::Counter>* http_refused_;
  prometheus::Gauge* http_open_;
  prometheus::Family<prometheus::Gauge>* tls_expiry_;
  prometheus::Family<prometheus::Gauge>* team_on_duty_;
  prometheus::Family<prometheus::Gauge>* team_next_coverage_;
  prometheus::Family<prometheus::Gauge>* team_uncovered_;
  prometheus::Family<prometheus::Counter>* events_;
  prometheus::Family<prometheus::Gauge>* alerts_;
  prometheus::Gauge* alerts_held_;
  prometheus::Family<prometheus::Counter>* notifications_;
  prometheus::Counter* refused_off_duty_;
  prometheus::Family<prometheus::Counter>* attempts_;
  prometheus::Family<prometheus::Counter>* long_reads_;
  prometheus::Family<prometheus::Gauge>* outbox_pending_;
  prometheus::Family<prometheus::Gauge>* outbox_oldest_;
  prometheus::Histogram* time_to_notification_;
  prometheus::Counter* escalations_;
  prometheus::Gauge* reroutes_active_;
  prometheus::Counter* rerouted_;
  prometheus::Histogram* store_commit_;
  prometheus::Histogram* store_batch_;
  prometheus::Gauge* store_up_;
  prometheus::Counter* store_failures_;
  prometheus::Gauge* ha_leader_;
  prometheus::Gauge* ha_epoch_;
  prometheus::Counter* ha_changes_;
  double escalations_seen_ = 0;  // guarded by team_mu_
  double rerouted_seen_ = 0;     // guarded by team_mu_
  std::mutex team_mu_;
  std::vector<std::string> teams_;  // guarded by team_mu_
};

}  // namespace rota::metrics
