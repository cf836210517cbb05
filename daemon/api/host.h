// Host: what the HTTP handlers of api/ need from the shell that owns the
// engine, and nothing more. The app's pipeline implements it.
//
// Handlers run in two places. On the connection's thread they parse the
// request (bodies, query strings, ids) and answer malformed ones at once;
// then they Post() the rest to the engine's strand, where every other
// method of Host may be called. A change made there becomes durable with
// Commit(), whose callback (back on the strand) is where the answer goes
// out: 2xx only after the change is written (docs/architecture.md, "Nothing accepted is lost").
//
// Thread-safety: Post(), Current(), Now() and CountEvent() from any thread;
// everything else only on the strand.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/error.h"
#include "engine/engine.h"
#include "http/router.h"
#include "schedule/roster.h"

namespace rota::api {

class Host {
 public:
  virtual ~Host() = default;

  // Runs `fn` on the engine's strand.
  virtual void Post(std::function<void()> fn) = 0;

  // The config and roster in force, for read-only answers off the strand
  // (on-call, coverage). Any thread.
  struct Snapshot {
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const schedule::Roster> roster;
  };
  [[nodiscard]] virtual Snapshot Current() const = 0;
  // The run-time reroutes as of the last change on the strand. Any thread.
  [[nodiscard]] virtual std::vector<engine::Reroute> Reroutes() const { return {}; }
  // The shell's clock. Any thread.
  [[nodiscard]] virtual TimePoint Now() const = 0;
  // Counts `n` events by source and outcome (rota_events_received_total). Any thread.
  virtual void CountEvent(const std::string& source, std::string_view outcome, std::size_t n) = 0;
  // High availability: on an instance that does not lead, makes `req`
  // durable for the leader and answers it later (the leader's answer, or
  // what `accepted` makes when it does not come within a few seconds); true
  // when it took the request (and `reply`). `accepted` runs only then, before
  // Forward returns: the leader pays nothing for it. Connection's thread.
  using Accepted = std::function<http::Response()>;
  virtual bool Forward(const http::Request& /*req*/, http::Reply& /*reply*/,
                       const Accepted& /*accepted*/) {
    return false;
  }

  // The stored facts (review::EncodeFacts) of forgotten alerts received in
  // [from_ms, to_ms), for reports. Read on the worker thread ("worker"),
  // never the caller's, so a long read holds neither a connection thread nor
  // the strand; `done` runs on that thread. Any thread.
  using HistoryDone = std::function<void(Result<std::vector<std::string>>)>;
  virtual void ReadHistory(std::int64_t /*from_ms*/, std::int64_t /*to_ms*/, HistoryDone done) {
    done(std::vector<std::string>{});
  }

  // Runs `fn` on the worker thread (blocking side work: history reads, chat
  // message updates), never the caller's. Any thread.
  virtual void RunBlocking(std::function<void()> fn) { fn(); }

  // Runs `fn` on the pool for long reads (calendar feeds, coverage), never
  // an HTTP thread: kHeavyThreads threads ("heavy"), at most kHeavyJobs
  // jobs running or waiting. False, and `fn` dropped, when that many are
  // there already: the caller answers 503. Any thread.
  static constexpr int kHeavyThreads = 2;
  static constexpr int kHeavyJobs = 8;
  virtual bool RunHeavy(std::function<void()> fn) {
    fn();
    return true;
  }
  // True once rotad is stopping: long work gives up. Any thread.
  [[nodiscard]] virtual bool Stopping() const { return false; }
  // Counts one long read by outcome (rota_long_reads_total). Any thread.
  virtual void CountLongRead(std::string_view /*outcome*/) {}

  // --- On the strand only. ---
  // Review digests: per schedule (config::Review::key), the end of the last
  // period sent (or first seen), Unix ms.
  [[nodiscard]] virtual const std::map<std::string, std::int64_t>& ReviewsSent() const = 0;
  [[nodiscard]] virtual const config::Config& Config() const = 0;
  virtual engine::Engine& Engine() = 0;
  // Writes everything changed since the last commit in one group commit,
  // hands new notifications to their channels, re-arms the engine's timer,
  // then calls `then` on the strand with the write's result.
  virtual void Commit(std::function<void(const Result<void>&)> then) = 0;
  // The same, but `answer` runs on the store's thread the moment the write
  // is durable, before the strand hears of it: for answers made before the
  // commit that need nothing more from the engine (ingest). One thread hop
  // fewer on the path of every event. `answer` must not touch the engine.
  virtual void CommitAndAnswer(std::function<void(const Result<void>&)> answer) = 0;
  // A run-time silence changed in the engine (added, expired): write its row
  // with the next commit.
  virtual void SilencesChanged(const std::string& id) = 0;
  // Run-time reroutes changed in the engine: likewise.
  virtual void ReroutesChanged() = 0;
  // Run-time overrides, kept by the shell (they shape the roster).
  [[nodiscard]] virtual const std::vector<schedule::OverrideSpec>& RuntimeOverrides() const = 0;
  // Validates against the config, assigns an id ("o-N"), rebuilds the
  // roster and marks the overrides for the next commit; returns the id.
  virtual Result<std::string> AddOverride(schedule::OverrideSpec spec) = 0;
  // NotFound when no run-time override has that id.
  virtual Result<void> RemoveOverride(const std::string& id) = 0;
};

}  // namespace rota::api
