// Pipeline: the shell around the engine. It owns the engine (on one strand),
// the channels and the dispatcher, and serves the alert endpoints:
//
//   POST /api/v1/alertmanager, /api/v2/alerts, /v2/enqueue, /api/v1/events
//   GET  /api/v1/alerts, /api/v1/alerts/{id}
//   POST /api/v1/alerts/{id}/ack, /api/v1/alerts/{id}/resolve
//   GET/POST /api/v1/silences, DELETE /api/v1/silences/{id}
//   GET/POST /api/v1/overrides, DELETE /api/v1/overrides/{id}
//
// Authorization is checked on the connection's thread; decoding and every
// engine call run on the strand; one timer is armed at the engine's next
// deadline. Each
// notification the engine decides is checked once more against the roster
// at send time (hours are law) before it is handed to the dispatcher.
//
// Thread-safety: Register() before serving; everything else posts to the strand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <random>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "engine/engine.h"
#include "http/router.h"
#include "ingest/decode.h"
#include "metrics/metrics.h"
#include "notify/dispatcher.h"
#include "schedule/roster.h"
#include "store/writer.h"

namespace rota::app {

class Pipeline {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  // Called (on the strand) with each roster the pipeline builds, so the rest
  // of the app answers on-call questions with run-time overrides included.
  using RosterListener = std::function<void(std::shared_ptr<const schedule::Roster>)>;

  Pipeline(boost::asio::io_context& ioc, Strand& strand, const Clock& clock,
           metrics::Metrics& metrics, RosterListener on_roster);
  ~Pipeline();

  // On the strand: a new config (start, reload).
  void Install(std::shared_ptr<const config::Config> config);
  void Register(http::Router& router);
  // At start, after the first Install: opens (creating or migrating)
  // <dir>/rota.db, restores alerts, silences and run-time overrides, fires
  // what fell due while down and re-sends unconfirmed notifications.
  Result<void> OpenStore(const std::string& dir, std::int64_t max_db_bytes);
  [[nodiscard]] bool StoreOk() const { return store_ok_.load(); }
  // Stops the timer, then lets queued notifications go out until `deadline`.
  void Stop(std::chrono::milliseconds deadline);

 private:
  enum class Role { kIngest, kAdmin };

  using Decoder = std::function<Result<std::vector<engine::Event>>(
      std::string_view body, const ingest::Limits& limits, const config::Config& config,
      TimePoint now)>;
  void IngestRoute(http::Router& router, const std::string& path, const std::string& source,
                   Decoder decode);
  [[nodiscard]] ingest::Limits Limits() const;

  // Answers 401/403 (true) when the request may not do this.
  bool Deny(const http::Request& req, Role role, http::Reply& reply) const;
  void Ingest(std::string source, std::vector<engine::Event> events, http::Reply reply,
              bool pagerduty, std::string pagerduty_key);
  void Rebuild();  // roster + model from config and run-time overrides
  void Arm();
  void OnTimer();
  struct Outgoing {
    notify::Message message;
    std::string channel;
  };
  // Messages for what the engine decided, rendered now from engine state.
  std::vector<Outgoing> Build(TimePoint now);
  // Writes changed alerts, silences, overrides and the outbox rows of new
  // notifications in one group commit; then, on the strand, hands the
  // notifications to channels and calls `then` with the write's result.
  void Commit(std::function<void(const Result<void>&)> then);
  // retry: a re-send (backoff or restart); an off-duty recipient then is
  // expected (their hours ended), not a guard violation.
  void Send(std::vector<Outgoing> outgoing, bool retry = false);
  void HandleResult(notify::Message m, const std::string& channel, const notify::SendResult& r);
  void ArmRetry();
  void MarkOutbox(const std::string& key, const std::string& state, const std::string& error);
  void RefreshGauges();
  void GaugeLoop();
  std::string AlertJson(const engine::Alert& a, bool detail) const;

  boost::asio::io_context& ioc_;
  Strand& strand_;
  const Clock& clock_;
  metrics::Metrics& metrics_;
  RosterListener on_roster_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer gauge_timer_;
  boost::asio::steady_timer retry_timer_;
  std::optional<TimePoint> retry_armed_for_;
  std::optional<TimePoint> armed_for_;
  bool stopped_ = false;
  bool gauges_running_ = false;

  // Strand-owned state.
  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<const schedule::Roster> roster_;
  std::unique_ptr<engine::Engine> engine_;
  std::map<std::string, std::shared_ptr<notify::Channel>> channels_;
  std::vector<schedule::OverrideSpec> runtime_overrides_;
  std::uint64_t next_override_ = 1;
  bool silences_changed_ = false;
  bool overrides_changed_ = false;
  std::unique_ptr<store::Writer> writer_;
  std::atomic<bool> store_ok_{true};
  std::multimap<TimePoint, Outgoing> retries_;  // strand-owned
  std::mt19937_64 rng_{std::random_device{}()};

  // Read by HTTP threads for auth; replaced on the strand under its mutex.
  mutable std::mutex auth_mu_;
  config::Auth auth_;

  notify::Dispatcher dispatcher_;
};

}  // namespace rota::app
