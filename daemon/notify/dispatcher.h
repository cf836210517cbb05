// Dispatcher: delivers Messages through their Channels off the engine's
// strand, one lane per channel, so a slow or rate-limited receiver never
// blocks the engine or the other channels.
//
// Each lane is one thread (named "n:<channel>" for `top -H`) driving one
// libcurl multi handle: up to the channel's max_concurrency sends in flight
// at once on kept-alive connections, and, with a rate limit, a token per
// send. A thread per lane rather than per send: under load one wake-up
// serves every transfer that finished meanwhile, and their results go back
// in one call.
//
// Results come back through a callback on the lane's thread, in batches.
//
// Thread-safety: Submit(), Queued(), InFlight() from any thread. Stop()
// lets what is queued and in flight finish until a deadline, then abandons
// the rest (it stays pending in the outbox) and joins the lanes.
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

struct Completed {
  Message message;
  std::string channel;
  SendResult result;
};

class Dispatcher {
 public:
  using Done = std::function<void(std::vector<Completed>)>;

  explicit Dispatcher(Done done);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // The channel stays alive until its messages are sent (the lane holds the
  // shared_ptr; a reload may replace the map of channels meanwhile). The
  // lane is the channel's name; its limits are those of the latest channel
  // object submitted under that name.
  void Submit(Message m, std::shared_ptr<Channel> channel);
  // Before the first Submit: an attempt starts only while `gate` returns
  // true (high availability: this instance's lease is live). While it is
  // false, queued messages are not sent: each completes as a failed
  // attempt ("withheld"), which the outbox retries later, when this
  // instance may lead again. Called by the lanes' threads.
  void SetGate(std::function<bool()> gate) { gate_ = std::move(gate); }
  void Stop(std::chrono::milliseconds deadline);
  [[nodiscard]] std::size_t Queued() const;    // waiting in a lane
  [[nodiscard]] std::size_t InFlight() const;  // being sent
  [[nodiscard]] std::size_t Lanes() const;

 private:
  struct Lane;
  // A lane's thread: take what its limits allow, start it, reap what ended,
  // deliver the results, sleep; until Stop's deadline.
  void Run(Lane& lane);
  // False once the lane must quit.
  // Messages the gate holds back go to `withheld`, as failed attempts.
  bool Take(Lane& lane, std::vector<std::pair<Message, std::shared_ptr<Channel>>>& into,
            std::vector<Completed>& withheld);
  void Deliver(Lane& lane, std::vector<Completed>& done);
  bool Sleep(Lane& lane);

  Done done_;
  std::function<bool()> gate_;
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;                     // a lane went empty (for Stop)
  std::map<std::string, std::unique_ptr<Lane>> lanes_;  // guarded by mu_; never erased
  std::size_t queued_ = 0;                              // guarded by mu_
  std::size_t in_flight_ = 0;                           // guarded by mu_
  bool stopping_ = false;                               // guarded by mu_
};

}  // namespace rota::notify
