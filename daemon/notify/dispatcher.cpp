#include "notify/dispatcher.h"

#include <chrono>

namespace rota::notify {

Dispatcher::Dispatcher(int threads, Done done) : done_(std::move(done)) {
  for (int i = 0; i < threads; ++i) {
    workers_.emplace_back([this] { Run(); });
  }
}

Dispatcher::~Dispatcher() { Stop(std::chrono::milliseconds(0)); }

void Dispatcher::Submit(Message m, std::shared_ptr<Channel> channel) {
  {
    std::lock_guard lock(mu_);
    queue_.emplace_back(std::move(m), std::move(channel));
  }
  cv_.notify_one();
}

std::size_t Dispatcher::Queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Dispatcher::Run() {
  while (true) {
    std::pair<Message, std::shared_ptr<Channel>> item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping and drained
      }
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    const SendResult r = item.second->Send(item.first);
    if (done_) {
      done_(item.first, *item.second, r);
    }
  }
}

void Dispatcher::Stop(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until && Queued() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_ && workers_.empty()) {
      return;
    }
    stopping_ = true;
    queue_.clear();  // what is left past the deadline is dropped (and was logged as queued)
  }
  cv_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) {
      t.join();
    }
  }
  workers_.clear();
}

}  // namespace rota::notify
