// Dispatcher: a small pool of worker threads that deliver Messages through
// their Channels, so a slow receiver never blocks the engine. Results come
// back through a callback (on a worker thread) for metrics and logs.
//
// Thread-safety: Submit() from any thread. Stop() drains what is queued, up
// to a deadline, then joins the workers.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "notify/channel.h"

namespace rota::notify {

class Dispatcher {
 public:
  using Done = std::function<void(const Message&, const Channel&, const SendResult&)>;

  Dispatcher(int threads, Done done);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // The channel must stay alive until its messages are sent (hold it in the
  // shared_ptr; a reload may replace the map of channels meanwhile).
  void Submit(Message m, std::shared_ptr<Channel> channel);
  void Stop(std::chrono::milliseconds deadline);
  [[nodiscard]] std::size_t Queued() const;

 private:
  void Run();

  Done done_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Message, std::shared_ptr<Channel>>> queue_;  // guarded by mu_
  bool stopping_ = false;                                           // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace rota::notify
