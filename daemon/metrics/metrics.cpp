#include "metrics/metrics.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>

#include "metrics/process_collector.h"

namespace rota::metrics {

Metrics::Metrics(const BuildInfo& build)
    : registry_(std::make_shared<prometheus::Registry>()),
      process_(std::make_shared<ProcessCollector>()) {
  prometheus::BuildGauge()
      .Name("rota_build_info")
      .Help("A metric with a constant '1' value labeled by version and revision of rota.")
      .Register(*registry_)
      .Add({{"version", build.version}, {"revision", build.revision}})
      .Set(1);
  reload_ok_ = &prometheus::BuildGauge()
                    .Name("rota_config_last_reload_successful")
                    .Help("Whether the last configuration reload attempt was successful.")
                    .Register(*registry_)
                    .Add({});
  reload_ts_ = &prometheus::BuildGauge()
                    .Name("rota_config_last_reload_success_timestamp_seconds")
                    .Help("Timestamp of the last successful configuration reload.")
                    .Register(*registry_)
                    .Add({});
  config_hash_ = &prometheus::BuildGauge()
                      .Name("rota_config_hash")
                      .Help("Hash of the currently loaded configuration files (low 48 bits).")
                      .Register(*registry_)
                      .Add({});
  http_requests_ = &prometheus::BuildCounter()
                        .Name("rota_http_requests_total")
                        .Help("HTTP requests answered, by handler and status code.")
                        .Register(*registry_);
  http_duration_ = &prometheus::BuildHistogram()
                        .Name("rota_http_request_duration_seconds")
                        .Help("Time from a complete request to its response being queued.")
                        .Register(*registry_);
  http_refused_ = &prometheus::BuildCounter()
                       .Name("rota_http_connections_refused_total")
                       .Help(
                           "Connections not served: over server.max_connections, accept "
                           "failed (file_descriptors: the process is out of them), or a TLS "
                           "handshake failed (tls_handshake).")
                       .Register(*registry_);
  for (const char* reason : {"max_connections", "file_descriptors", "error", "tls_handshake"}) {
    http_refused_->Add({{"reason", reason}});
  }
  http_open_ = &prometheus::BuildGauge()
                    .Name("rota_http_connections_open")
                    .Help("HTTP connections open now (server.max_connections caps them).")
                    .Register(*registry_)
                    .Add({});
  tls_expiry_ = &prometheus::BuildGauge()
                     .Name("rota_http_tls_certificate_expiry_timestamp_seconds")
                     .Help(
                         "notAfter of the listener's certificate (server.tls), in Unix seconds; "
                         "absent without TLS.")
                     .Register(*registry_);
  events_ = &prometheus::BuildCounter()
                 .Name("rota_events_received_total")
                 .Help("Events received, by source and what became of them.")
                 .Register(*registry_);
  alerts_ = &prometheus::BuildGauge()
                 .Name("rota_alerts")
                 .Help("Alerts rota holds in memory, by state.")
                 .Register(*registry_);
  alerts_held_ = &prometheus::BuildGauge()
                      .Name("rota_alerts_held")
                      .Help("Alerts waiting for someone's hours to begin.")
                      .Register(*registry_)
                      .Add({});
  notifications_ =
      &prometheus::BuildCounter()
           .Name("rota_notifications_total")
           .Help("Notifications by channel, kind and outcome (delivered, failed, rejected).")
           .Register(*registry_);
  refused_off_duty_ =
      &prometheus::BuildCounter()
           .Name("rota_notifications_refused_off_duty_total")
           .Help(
               "Notifications refused by the send-path guard because the person was "
               "not on duty. Must stay 0.")
           .Register(*registry_)
           .Add({});
  time_to_notification_ =
      &prometheus::BuildHistogram()
           .Name("rota_time_to_notification_seconds")
           .Help("From an alert's arrival to its first notification (holds included).")
           .Register(*registry_)
           .Add({},
                prometheus::Histogram::BucketBoundaries{0.01, 0.1, 1, 10, 60, 300, 900, 3600,
                                                        4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600});
  escalations_ =
      &prometheus::BuildCounter()
           .Name("rota_escalations_total")
           .Help("Escalations to a next step (no ack in time, nobody on duty, max_hold).")
           .Register(*registry_)
           .Add({});
  reroutes_active_ = &prometheus::BuildGauge()
                          .Name("rota_reroutes_active")
                          .Help("Run-time reroutes in force (rotactl reroute).")
                          .Register(*registry_)
                          .Add({});
  rerouted_ = &prometheus::BuildCounter()
                   .Name("rota_alerts_rerouted_total")
                   .Help("Routings of new alerts that a reroute sent to another escalation.")
                   .Register(*registry_)
                   .Add({});
  attempts_ = &prometheus::BuildCounter()
                   .Name("rota_notification_attempts_total")
                   .Help("Delivery attempts by channel and outcome (delivered, failed, rejected).")
                   .Register(*registry_);
  long_reads_ = &prometheus::BuildCounter()
                     .Name("rota_long_reads_total")
                     .Help(
                         "Calendar feeds and coverage answers made on the heavy pool, by outcome "
                         "(answered, full, abandoned, stopped, busy).")
                     .Register(*registry_);
  for (const char* outcome : {"answered", "full", "abandoned", "stopped", "busy"}) {
    long_reads_->Add({{"outcome", outcome}});
  }
  outbox_pending_ = &prometheus::BuildGauge()
                         .Name("rota_outbox_pending")
                         .Help(
                             "Notifications not yet finished (waiting for an attempt or a retry, "
                             "behind an earlier one to the same contact, or with a receiver that "
                             "has not answered), by channel.")
                         .Register(*registry_);
  outbox_oldest_ = &prometheus::BuildGauge()
                        .Name("rota_outbox_oldest_pending_seconds")
                        .Help("Age of the oldest notification not yet finished, by channel.")
                        .Register(*registry_);
  store_commit_ =
      &prometheus::BuildHistogram()
           .Name("rota_store_commit_duration_seconds")
           .Help("Time of each group commit (COMMIT with fsync).")
           .Register(*registry_)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                            0.025, 0.05, 0.1, 0.25, 0.5, 1});
  store_batch_ = &prometheus::BuildHistogram()
                      .Name("rota_store_batch_size")
                      .Help("Requests written per group commit.")
                      .Register(*registry_)
                      .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 5, 10, 20, 50, 100,
                                                                       200, 500, 1000});
  store_up_ = &prometheus::BuildGauge()
                   .Name("rota_store_up")
                   .Help("1 while the last write to the store succeeded, 0 after a failure.")
                   .Register(*registry_)
                   .Add({});
  store_up_->Set(1);
  store_failures_ =
      &prometheus::BuildCounter()
           .Name("rota_store_write_failures_total")
           .Help("Group commits that failed (disk full, I/O error); their requests got 503.")
           .Register(*registry_)
           .Add({});
  ha_leader_ =
      &prometheus::BuildGauge()
           .Name("rota_ha_leader")
           .Help("1 while this instance leads (makes decisions and sends), else 0; 1 with SQLite.")
           .Register(*registry_)
           .Add({});
  ha_epoch_ = &prometheus::BuildGauge()
                   .Name("rota_ha_epoch")
                   .Help(
                       "The fencing epoch of the leader as this instance last saw it; rises at "
                       "every change of leader.")
                   .Register(*registry_)
                   .Add({});
  ha_changes_ = &prometheus::BuildCounter()
                     .Name("rota_ha_leader_changes_total")
                     .Help("Times this instance started or stopped leading.")
                     .Register(*registry_)
                     .Add({});
  team_on_duty_ = &prometheus::BuildGauge()
                       .Name("rota_team_on_duty_people")
                       .Help("People on duty for the team now.")
                       .Register(*registry_);
  team_next_coverage_ = &prometheus::BuildGauge()
                             .Name("rota_team_next_coverage_timestamp_seconds")
                             .Help(
                                 "When someone in the team is next on duty (now if someone is; "
                                 "+Inf if nobody within a year).")
                             .Register(*registry_);
  team_uncovered_ = &prometheus::BuildGauge()
                         .Name("rota_team_uncovered_required_seconds")
                         .Help(
                             "Seconds of the team's support hours with nobody on duty in the "
                             "coming window.")
                         .Register(*registry_);
}

Metrics::~Metrics() = default;

std::string Metrics::Serialize() const {
  std::ostringstream out;
  auto families = registry_->Collect();
  auto process = process_->Collect();
  families.insert(families.end(), process.begin(), process.end());
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

void Metrics::SetConfigLoaded(double hash_value, double unix_seconds) {
  reload_ok_->Set(1);
  reload_ts_->Set(unix_seconds);
  config_hash_->Set(hash_value);
}

void Metrics::SetConfigReloadFailed() { reload_ok_->Set(0); }

void Metrics::ObserveRequest(const std::string& handler, int code, double seconds) {
  http_requests_->Add({{"handler", handler}, {"code", std::to_string(code)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  http_duration_->Add({{"handler", handler}}, kBuckets).Observe(seconds);
}

void Metrics::ConnectionRefused(std::string_view reason) {
  http_refused_->Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::SetOpenConnections(double open) { http_open_->Set(open); }

void Metrics::SetTlsCertificateExpiry(double unix_seconds) {
  tls_expiry_->Add({}).Set(unix_seconds);
}

}  // namespace rota::metrics

namespace rota::metrics {

void Metrics::SetTeamSchedules(const std::vector<TeamSchedule>& teams) {
  std::lock_guard lock(team_mu_);
  for (const auto& old : teams_) {
    const bool kept = std::any_of(teams.begin(), teams.end(),
                                  [&](const TeamSchedule& t) { return t.team == old; });
    if (!kept) {
      team_on_duty_->Remove(&team_on_duty_->Add({{"team", old}}));
      team_next_coverage_->Remove(&team_next_coverage_->Add({{"team", old}}));
      team_uncovered_->Remove(&team_uncovered_->Add({{"team", old}, {"window", "7d"}}));
    }
  }
  teams_.clear();
  for (const auto& t : teams) {
    team_on_duty_->Add({{"team", t.team}}).Set(t.on_duty_people);
    team_next_coverage_->Add({{"team", t.team}}).Set(t.next_coverage_timestamp);
    team_uncovered_->Add({{"team", t.team}, {"window", "7d"}}).Set(t.uncovered_required_seconds_7d);
    teams_.push_back(t.team);
  }
}

void Metrics::EventReceived(const std::string& source, const std::string& outcome, double n) {
  events_->Add({{"source", source}, {"outcome", outcome}}).Increment(n);
}

void Metrics::SetAlerts(double firing, double acknowledged, double resolved, double held) {
  alerts_->Add({{"state", "firing"}}).Set(firing);
  alerts_->Add({{"state", "acknowledged"}}).Set(acknowledged);
  alerts_->Add({{"state", "resolved"}}).Set(resolved);
  alerts_held_->Set(held);
}

void Metrics::NotificationSent(const std::string& channel, const std::string& kind,
                               const std::string& outcome) {
  notifications_->Add({{"channel", channel}, {"kind", kind}, {"outcome", outcome}}).Increment();
}

void Metrics::NotificationRefusedOffDuty() { refused_off_duty_->Increment(); }

void Metrics::ObserveTimeToNotification(double seconds) { time_to_notification_->Observe(seconds); }

void Metrics::SetEscalations(double total) {
  std::lock_guard lock(team_mu_);
  if (total > escalations_seen_) {
    escalations_->Increment(total - escalations_seen_);
    escalations_seen_ = total;
  }
}

void Metrics::SetReroutes(double active, double rerouted_total) {
  reroutes_active_->Set(active);
  std::lock_guard lock(team_mu_);
  if (rerouted_total < rerouted_seen_) {
    rerouted_seen_ = 0;  // a fresh engine (restart, new leader) counts from 0
  }
  if (rerouted_total > rerouted_seen_) {
    rerouted_->Increment(rerouted_total - rerouted_seen_);
    rerouted_seen_ = rerouted_total;
  }
}

void Metrics::StoreCommitted(std::size_t batch, double seconds) {
  store_commit_->Observe(seconds);
  store_batch_->Observe(static_cast<double>(batch));
}

void Metrics::SetStoreUp(bool up) {
  store_up_->Set(up ? 1 : 0);
  if (!up) {
    store_failures_->Increment();
  }
}

void Metrics::NotificationAttempt(const std::string& channel, const std::string& outcome) {
  attempts_->Add({{"channel", channel}, {"outcome", outcome}}).Increment();
}

void Metrics::SetOutboxPending(const std::map<std::string, std::pair<double, double>>& by_channel) {
  for (const auto& [channel, v] : by_channel) {
    outbox_pending_->Add({{"channel", channel}}).Set(v.first);
    outbox_oldest_->Add({{"channel", channel}}).Set(v.second);
  }
}

void Metrics::SetLeader(bool leading, std::int64_t epoch) {
  ha_leader_->Set(leading ? 1 : 0);
  ha_epoch_->Set(static_cast<double>(epoch));
}

void Metrics::LeaderChanged() { ha_changes_->Increment(); }

void Metrics::LongRead(std::string_view outcome) {
  long_reads_->Add({{"outcome", std::string(outcome)}}).Increment();
}

}  // namespace rota::metrics
