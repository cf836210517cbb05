// Dispatcher: worker threads that deliver Messages through their Channels,
// so a slow receiver never blocks the engine, and one lane per channel, so a
// slow or rate-limited receiver never blocks the others.
//
// Each lane runs at most its channel's max_concurrency sends at once and,
// with a rate limit, takes a token per send. There are always more workers
// than any one lane may use (the pool grows to the sum of the lanes' limits,
// at most kMaxWorkers), so a receiver that hangs until its timeout holds
// only its own lane. Lanes take turns (round robin) for fairness.
//
// Results come back through a callback (on a worker thread).
//
// Thread-safety: Submit() from any thread. Stop() drains what is queued, up
// to a deadline, then joins the workers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "notify/channel.h"
#include "notify/rate.h"

namespace rota::notify {

class Dispatcher {
 public:
  using Done = std::function<void(const Message&, const Channel&, const SendResult&)>;
  static constexpr int kMaxWorkers = 64;

  // `min_workers` threads start at once; more start as lanes need them.
  Dispatcher(int min_workers, Done done);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // The channel must stay alive until its messages are sent (hold it in the
  // shared_ptr; a reload may replace the map of channels meanwhile). The
  // lane is the channel's name; its limits are those of the latest channel
  // object submitted under that name.
  void Submit(Message m, std::shared_ptr<Channel> channel);
  void Stop(std::chrono::milliseconds deadline);
  [[nodiscard]] std::size_t Queued() const;
  [[nodiscard]] std::size_t Workers() const;

 private:
  struct Lane {
    std::deque<std::pair<Message, std::shared_ptr<Channel>>> queue;
    Limits limits;
    TokenBucket bucket;
    int in_flight = 0;
  };
  void Run();
  void GrowLocked();  // needs mu_

  Done done_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Lane> lanes_;  // guarded by mu_
  std::string last_lane_;              // guarded by mu_: where round robin resumes
  std::size_t queued_ = 0;             // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  std::vector<std::thread> workers_;   // guarded by mu_
};

}  // namespace rota::notify
