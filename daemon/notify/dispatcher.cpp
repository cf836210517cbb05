#include "notify/dispatcher.h"

#include <algorithm>
#include <optional>

#include "core/thread_name.h"

namespace rota::notify {

using SteadyClock = std::chrono::steady_clock;

Dispatcher::Dispatcher(int min_workers, Done done) : done_(std::move(done)) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < min_workers; ++i) {
    workers_.emplace_back([this] { Run(); });
  }
}

Dispatcher::~Dispatcher() { Stop(std::chrono::milliseconds(0)); }

void Dispatcher::GrowLocked() {
  // One more worker than the busiest lane may use, and enough for every
  // lane at its limit, within kMaxWorkers.
  std::size_t want = 0;
  std::size_t widest = 0;
  for (const auto& [name, lane] : lanes_) {
    const auto n = static_cast<std::size_t>(std::max(1, lane.limits.max_concurrency));
    want += n;
    widest = std::max(widest, n);
  }
  want = std::min<std::size_t>(std::max(want, widest + 1), kMaxWorkers);
  while (!stopping_ && workers_.size() < want) {
    workers_.emplace_back([this] { Run(); });
  }
}

void Dispatcher::Submit(Message m, std::shared_ptr<Channel> channel) {
  {
    std::lock_guard lock(mu_);
    const auto now = SteadyClock::now();
    const Limits& limits = channel->limits();
    auto [it, fresh] = lanes_.try_emplace(channel->name(), Lane{{}, limits,
                                                               TokenBucket(limits.rate, limits.burst, now)});
    Lane& lane = it->second;
    if (!fresh && (lane.limits.max_concurrency != limits.max_concurrency ||
                   lane.limits.rate != limits.rate || lane.limits.burst != limits.burst)) {
      lane.limits = limits;  // a reload changed them
      lane.bucket.Reset(limits.rate, limits.burst, now);
      fresh = true;
    }
    lane.queue.emplace_back(std::move(m), std::move(channel));
    ++queued_;
    if (fresh) {
      GrowLocked();
    }
  }
  cv_.notify_one();
}

std::size_t Dispatcher::Queued() const {
  std::lock_guard lock(mu_);
  return queued_;
}

std::size_t Dispatcher::Workers() const {
  std::lock_guard lock(mu_);
  return workers_.size();
}

void Dispatcher::Run() {
  // Idle workers are "notify"; a sending one carries its lane's name, so
  // `top -H` shows which channel's sends use the CPU.
  SetThreadName("notify");
  std::unique_lock lock(mu_);
  while (true) {
    if (stopping_ && queued_ == 0) {
      return;
    }
    // Next lane after the last one served that may send now; otherwise the
    // earliest instant a rate-limited lane gets a token.
    const auto now = SteadyClock::now();
    std::optional<SteadyClock::time_point> wake;
    Lane* pick = nullptr;
    std::string pick_name;
    auto consider = [&](std::map<std::string, Lane>::iterator it) {
      Lane& lane = it->second;
      if (lane.queue.empty() || lane.in_flight >= std::max(1, lane.limits.max_concurrency)) {
        return false;
      }
      if (!lane.bucket.TryTake(now)) {
        const auto at = lane.bucket.NextAt(now);
        wake = wake ? std::min(*wake, at) : at;
        return false;
      }
      pick = &lane;
      pick_name = it->first;
      return true;
    };
    auto start = lanes_.upper_bound(last_lane_);
    bool found = false;
    for (auto it = start; !found && it != lanes_.end(); ++it) {
      found = consider(it);
    }
    for (auto it = lanes_.begin(); !found && it != start; ++it) {
      found = consider(it);
    }
    if (!found) {
      if (wake) {
        cv_.wait_until(lock, *wake);
      } else {
        cv_.wait(lock);
      }
      continue;
    }
    last_lane_ = pick_name;
    auto item = std::move(pick->queue.front());
    pick->queue.pop_front();
    --queued_;
    ++pick->in_flight;
    lock.unlock();
    thread_local std::string named;
    if (named != pick_name) {
      named = pick_name;
      SetThreadName("n:" + pick_name);
    }
    const SendResult r = item.second->Send(item.first);
    if (done_) {
      done_(item.first, *item.second, r);
    }
    lock.lock();
    --lanes_.at(pick_name).in_flight;  // lanes are never erased
    // One lane slot is free: this worker loops and may take it itself; one
    // more wake-up covers a worker waiting for it. Waking them all (as this
    // did) cost a third of the CPU under load in futex storms.
    cv_.notify_one();
  }
}

void Dispatcher::Stop(std::chrono::milliseconds deadline) {
  const auto until = SteadyClock::now() + deadline;
  while (SteadyClock::now() < until && Queued() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    // What is left past the deadline is dropped here; it is still pending in
    // the outbox and is sent again after the restart.
    for (auto& [name, lane] : lanes_) {
      lane.queue.clear();
    }
    queued_ = 0;
    workers.swap(workers_);
  }
  cv_.notify_all();
  for (auto& t : workers) {
    if (t.joinable()) {
      t.join();
    }
  }
}

}  // namespace rota::notify
