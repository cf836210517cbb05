// HaNode: this rotad's part in a group of instances on one PostgreSQL
// database (storage.backend: postgres; docs/ha.md).
//
// Its thread ("ha") holds a connection of its own (store::Coordinator) and,
// every lease / 3:
//   - as a standby, tries to take the lease; on success the pipeline leads
//     (Pipeline::Lead: reload, fire what fell due, resume pending sends).
//     Meanwhile it refreshes the standby's engine from the store, for reads;
//   - as the leader, renews the lease. Sends start only while the lease,
//     counted from before the renewal was asked for, has not run out
//     (Leads()); so a leader that cannot renew, or was frozen, stops sending
//     before any standby can take over. When the lease is lost the pipeline
//     follows again.
// The leader applies the inbox (requests that other instances accepted and
// made durable) in id order through the router, as if they had come to it,
// then removes them and files their answers in one transaction that checks
// its epoch. It never waits for them: answers are collected at later passes
// (every 2 ms while some are under way), so renewals are never late. An instance that forwarded a
// request waits up to kAnswerWait for that answer, else answers 202 "accepted".
//
// Thread-safety: Forward(), Leads(), Status() from any thread; Start and
// Stop from the app's main thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "http/router.h"
#include "metrics/metrics.h"
#include "store/ha.h"

namespace rota::app {

class Pipeline;

class HaNode {
 public:
  static constexpr auto kAnswerWait = std::chrono::seconds(2);

  struct Options {
    std::string dsn;
    std::string instance;
    std::chrono::milliseconds lease{5000};
  };
  // Runs `fn` on the pipeline's strand and waits for it.
  using OnStrand = std::function<void(std::function<void()>)>;

  HaNode(Options options, Pipeline& pipeline, const http::Router& router, metrics::Metrics& metrics,
         OnStrand on_strand);
  ~HaNode();
  HaNode(const HaNode&) = delete;
  HaNode& operator=(const HaNode&) = delete;

  void Start();
  // Stops the thread; a leader releases its lease so a standby leads at once.
  void Stop();

  // Whether this instance leads and its lease is live right now.
  [[nodiscard]] bool Leads() const;
  // A standby: makes `req` durable in the inbox, then answers with the
  // leader's answer or what `accepted` makes (called only here, at once).
  // False (the caller handles the request) while this instance leads.
  bool Forward(const http::Request& req, http::Reply& reply,
               const std::function<http::Response()>& accepted);

  struct Status {
    std::string role;  // leader | standby
    std::int64_t epoch = 0;
    std::string leader;
  };
  [[nodiscard]] Status Current() const;

 private:
  void Run();
  // One pass of the loop; returns how long to wait for notifications.
  std::chrono::milliseconds Step(store::Coordinator& c);
  void Acquire(store::Coordinator& c);
  void Renew(store::Coordinator& c);
  void StepDown(const std::string& why);
  void Refresh();
  void ApplyInbox(store::Coordinator& c);
  // Answers the forwarded requests whose answer was filed (asks `c`; none
  // when null) or whose wait is over.
  void Answer(store::Coordinator* c);

  Options options_;
  Pipeline& pipeline_;
  const http::Router& router_;
  metrics::Metrics& metrics_;
  OnStrand on_strand_;

  std::atomic<bool> stop_{false};
  std::atomic<bool> leading_{false};
  std::atomic<std::int64_t> epoch_{0};
  // Steady-clock ns until which the lease is surely ours.
  std::atomic<std::int64_t> lease_until_{0};
  std::chrono::steady_clock::time_point next_lease_step_{};
  std::chrono::steady_clock::time_point next_refresh_{};
  // Inbox requests dispatched and not yet finished, by inbox id (ha thread).
  struct Applying {
    std::string ref;
    std::future<http::Response> answer;
  };
  std::map<std::int64_t, Applying> applying_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::string leader_;  // guarded by mu_
  struct Waiter {
    http::Reply reply;
    http::Response accepted;
    std::chrono::steady_clock::time_point until;
  };
  std::map<std::string, Waiter> waiting_;  // by inbox ref; guarded by mu_
  std::uint64_t next_ref_ = 0;             // guarded by mu_
};

}  // namespace rota::app
