// Pipeline: the strand loop around the engine. It owns the engine, the
// store, the outbox and the dispatcher, and implements api::Host for the
// HTTP handlers of api/.
//
// One strand turn: feed the engine (an event, an ack, a timer), then
// Commit(): the engine's changes, its new notifications (composed per
// contact by notify/) and the outbox's marks go to the store as one batch,
// one fsync; after COMMIT the new notifications go to the outbox, which
// checks hours once more and hands them to their channels. Delivery
// outcomes come back to the strand and ride with the next commit (or a
// short flush timer when nothing else commits), never a second fsync on the
// ingest path.
//
// Thread-safety: Post(), Current(), Now(), CountEvent(), StoreOk() and
// Prepare() from any thread; everything else on the strand.
#pragma once

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "api/host.h"
#include "config/config.h"
#include "core/clock.h"
#include "engine/engine.h"
#include "metrics/metrics.h"
#include "notify/dispatcher.h"
#include "notify/outbox.h"
#include "schedule/roster.h"
#include "store/store.h"

namespace rota::app {

class Pipeline final : public api::Host {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  // Called (on the strand) with each roster the pipeline builds, so the rest
  // of the app answers on-call questions with run-time overrides included.
  using RosterListener = std::function<void(std::shared_ptr<const schedule::Roster>)>;

  Pipeline(Strand& strand, const Clock& clock, metrics::Metrics& metrics, RosterListener on_roster);
  ~Pipeline() override;

  // api::Host.
  void Post(std::function<void()> fn) override;
  [[nodiscard]] Snapshot Current() const override;
  [[nodiscard]] TimePoint Now() const override { return clock_.Now(); }
  void CountEvent(const std::string& source, std::string_view outcome, std::size_t n) override;
  bool Forward(const http::Request& req, http::Reply& reply, const Accepted& accepted) override {
    return forward_ && forward_(req, reply, accepted);
  }
  using Forwarder = std::function<bool(const http::Request&, http::Reply&, const Accepted&)>;
  // Before serving: how a standby forwards ingest (the app's HA node).
  void SetForwarder(Forwarder f) { forward_ = std::move(f); }
  [[nodiscard]] const config::Config& Config() const override { return *config_; }
  engine::Engine& Engine() override { return *engine_; }
  void Commit(std::function<void(const Result<void>&)> then) override;
  void CommitAndAnswer(std::function<void(const Result<void>&)> answer) override;
  void SilencesChanged(const std::string& id) override { silences_changed_.insert(id); }
  void ReroutesChanged() override {
    reroutes_changed_ = true;
    std::lock_guard lock(snapshot_mu_);
    reroutes_snapshot_ = engine_->reroutes();
  }
  [[nodiscard]] std::vector<engine::Reroute> Reroutes() const override {
    std::lock_guard lock(snapshot_mu_);
    return reroutes_snapshot_;
  }
  [[nodiscard]] const std::vector<schedule::OverrideSpec>& RuntimeOverrides() const override {
    return runtime_overrides_;
  }
  Result<std::string> AddOverride(schedule::OverrideSpec spec) override;
  Result<void> RemoveOverride(const std::string& id) override;

  // What a config needs before it is swapped in: its channels, the roster
  // with the run-time overrides as of now, the engine's compiled model. Any
  // thread: a reload builds it off the strand, so ingest never waits for a
  // large rule file.
  struct Prepared {
    std::shared_ptr<const config::Config> config;
    std::map<std::string, std::shared_ptr<notify::Channel>> channels;
    std::vector<schedule::OverrideSpec> overrides;
    std::shared_ptr<const schedule::Roster> roster;
    std::shared_ptr<const engine::Model> model;
    std::uint64_t overrides_version = 0;
  };
  [[nodiscard]] Prepared Prepare(std::shared_ptr<const config::Config> config) const;
  // On the strand (or before serving): swaps a prepared config in. If the
  // run-time overrides changed since Prepare, the roster is built again here.
  void Install(Prepared prepared);
  // Which store to open, and how.
  struct StoreSpec {
    config::StorageBackend backend = config::StorageBackend::kSqlite;
    std::string dir;  // sqlite
    std::int64_t max_db_bytes = 0;
    bool fresh = false;
    std::string dsn;  // postgres
    std::string instance;
    std::chrono::milliseconds write_timeout{5000};  // postgres: the lease
  };
  // At start, after the first Install: opens (creating or migrating) the
  // store. SQLite: this instance is the only one, and leads at once (Lead).
  // PostgreSQL: it follows until the app's HA node wins the lease.
  Result<void> OpenStore(const StoreSpec& spec);
  // On the strand (or before serving): this instance decides from now on.
  // Restores alerts, silences and run-time overrides from the store (rows
  // that do not decode are logged and skipped; their ids stay taken), fires
  // what fell due while nobody led, and resumes unconfirmed notifications
  // on their stored retry schedule. With PostgreSQL, every write from now
  // on is fenced by `epoch`.
  Result<void> Lead(std::int64_t epoch);
  // On the strand: this instance does not lead (or no longer). It stops
  // deciding and sending (nothing it still holds goes out; the leader has
  // it in the store) and its engine holds `state`, the store as loaded, for
  // reads.
  void Follow(store::State state);
  // Everything stored, decoded with the config in force. Any thread but the
  // strand (it waits on the store).
  Result<store::State> LoadStored();
  [[nodiscard]] bool Leading() const { return leading_flag_.load(); }
  // What a standby writes (inbox rows); null before OpenStore.
  [[nodiscard]] store::Store* StoreHandle() { return store_.get(); }
  void ReadHistory(std::int64_t from_ms, std::int64_t to_ms, HistoryDone done) override;
  void RunBlocking(std::function<void()> fn) override;
  bool RunHeavy(std::function<void()> fn) override;
  [[nodiscard]] bool Stopping() const override { return stopping_.load(); }
  // Shutdown has begun: long reads (feeds, coverage) stop at their next week
  // and new ones are refused. Any thread.
  void BeginStop() { stopping_ = true; }
  void CountLongRead(std::string_view outcome) override { metrics_.LongRead(outcome); }
  [[nodiscard]] const std::map<std::string, std::int64_t>& ReviewsSent() const override {
    return reviews_sent_;
  }
  // Before serving: sends start only while `gate` says so (the HA node's
  // lease; a leader that cannot renew stops sending before it can expire).
  void SetSendGate(std::function<bool()> gate);
  [[nodiscard]] bool StoreOk() const { return store_ok_.load(); }
  // Lets queued notifications go out until `deadline`, stores their
  // outcomes, stops the timers and closes the store. From any thread but
  // the strand's.
  void Stop(std::chrono::milliseconds deadline);

 private:
  void Rebuild();  // roster + model from config and run-time overrides
  // "The roster changed": the engine plans again what the change can touch
  // (holds, handovers) and the decisions are committed. Leader only.
  void Replan(engine::RosterChange change);
  // A write that carried a request's change failed: the engine, the
  // run-time objects and the outbox go back to what the store holds, so a
  // change answered 503 is not in force (and is not written later). When the
  // store cannot even be read, the change stays and is written with the
  // next commit (logged). Leader only.
  void RevertToStored();
  // Forgets run-time silences that ended and overrides that were over
  // longer than storage.retention ago (their rows deleted). Leader only.
  void PruneRuntime(TimePoint now);
  // Ends reroutes whose team or escalation the config lost (a reload, or
  // an edit while rotad was down), with a log line each. Leader only.
  void EndOrphanReroutes();
  void Swap(std::shared_ptr<const schedule::Roster> roster,
            std::shared_ptr<const engine::Model> model);
  void Arm();
  void OnTimer();
  // The engine's new notifications, one per contact.
  std::vector<notify::Outgoing> Compose(TimePoint now);
  // Everything changed since the last write, as one batch. After COMMIT,
  // `answer` runs on the store's thread; then, on the strand, the new
  // notifications go to the outbox and `then` runs.
  using Done = std::function<void(const Result<void>&)>;
  void Write(Done then, Done answer = nullptr);
  // What a write carries to its completion, to send or to retry.
  struct InFlight {
    bool from_request = false;  // someone waits for its answer (a request's change)
    std::vector<notify::Outgoing> outgoing;
    std::vector<engine::AlertId> rewrite;  // changed and touched: again if the write fails
    std::vector<notify::OutboxMark> marks;
    std::set<std::string> silences;   // ids written or deleted
    std::set<std::string> overrides;  // likewise
    bool reroutes = false;
    engine::AlertId next_id = 0;
    // Review digests: sent only once written, each at its first attempt.
    std::vector<notify::Outgoing> deferred;
    std::vector<TimePoint> deferred_at;
    std::vector<store::ReviewMark> reviews;
  };
  store::Batch MakeBatch(TimePoint now, const engine::Engine::Changes& changes, InFlight& flight);
  // On the strand, after the write: store health, retries of what failed,
  // and the new notifications to the outbox.
  // Store health (readiness, rota_store_up, the log line on each change).
  void NoteStore(const Result<void>& r);
  void Written(const Result<void>& r, InFlight flight, const Done& answer);
  // Hands the outbox's sends to the dispatcher and reports its events.
  void Pump();
  void Report(const notify::OutboxEvent& e, TimePoint now);
  void OnSendResults(std::vector<notify::Completed> done);
  void ArmRetry();
  void ArmFlush();
  void RefreshGauges();
  void GaugeLoop();
  // Review digests (app/pipeline_reviews.cpp): starts each one that is due
  // (reading its history off the strand), then composes it and writes it
  // with its mark, so it is sent once.
  void CheckReviews(TimePoint now);
  void SendReview(const config::Review& review, TimePoint from, TimePoint to,
                  const std::vector<std::string>& history);

  Strand& strand_;
  const Clock& clock_;
  metrics::Metrics& metrics_;
  RosterListener on_roster_;
  Forwarder forward_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer gauge_timer_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer flush_timer_;
  // Readiness follows the database by itself: when nothing was written for
  // a second, the store is asked (PostgreSQL), at most once a second.
  boost::asio::steady_timer probe_timer_;
  std::atomic<std::int64_t> last_store_answer_ms_{0};  // steady clock
  std::atomic<bool> probing_{false};
  void ProbeLoop();
  std::optional<TimePoint> retry_armed_for_;
  bool flush_armed_ = false;
  std::optional<TimePoint> armed_for_;
  bool stopped_ = false;
  bool gauges_running_ = false;
  bool leading_ = false;                   // strand-owned
  std::atomic<bool> leading_flag_{false};  // its copy for other threads
  // PostgreSQL's fence: the epoch this instance leads with, -1 while it does not.
  std::shared_ptr<std::atomic<std::int64_t>> epoch_ =
      std::make_shared<std::atomic<std::int64_t>>(-1);
  void Restore(store::State state, bool lead);

  // Strand-owned state.
  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<const schedule::Roster> roster_;
  std::unique_ptr<engine::Engine> engine_;
  std::map<std::string, std::shared_ptr<notify::Channel>> channels_;
  std::vector<schedule::OverrideSpec> runtime_overrides_;
  std::uint64_t next_override_ = 1;
  // Ids of run-time silences and overrides added, changed or gone since the
  // last write: only their rows are written.
  std::set<std::string> silences_changed_;
  bool reroutes_changed_ = false;
  std::set<std::string> overrides_changed_;
  std::unique_ptr<store::Store> store_;
  std::atomic<bool> store_ok_{true};
  bool probe_idle_ = false;  // probe the store even while writes succeed (PostgreSQL)
  notify::Outbox outbox_;
  std::vector<store::HistoryRow> pending_history_;   // forgotten alerts' facts, for the next write
  std::vector<notify::OutboxMark> unwritten_marks_;  // a failed write's, for the next
  // Review digests: what was sent (or first seen) per schedule key, the
  // ones being composed, and what the next write carries.
  std::map<std::string, std::int64_t> reviews_sent_;
  std::set<std::string> reviews_busy_;
  std::map<std::string, TimePoint> reviews_retry_at_;
  std::vector<store::ReviewMark> review_marks_;
  std::vector<notify::Outgoing> review_outgoing_;
  std::vector<TimePoint> review_outgoing_at_;
  // Blocking side work (history reads for reports and digests, chat
  // message updates), on a thread of its own ("worker").
  boost::asio::thread_pool history_pool_{1};
  boost::asio::thread_pool heavy_pool_{kHeavyThreads};
  std::atomic<int> heavy_jobs_{0};  // running or waiting in heavy_pool_
  std::atomic<bool> stopping_{false};
  engine::AlertId written_next_id_ = 0;

  // The config and roster in force, for readers off the strand.
  mutable std::mutex snapshot_mu_;
  Snapshot snapshot_;  // guarded by snapshot_mu_
  // A copy of runtime_overrides_ for Prepare(), and a count of its changes.
  std::vector<schedule::OverrideSpec> overrides_snapshot_;  // guarded by snapshot_mu_
  std::uint64_t overrides_version_ = 0;                     // guarded by snapshot_mu_
  std::vector<engine::Reroute> reroutes_snapshot_;          // guarded by snapshot_mu_

  notify::Dispatcher dispatcher_;
};

}  // namespace rota::app
