#include "notify/dispatcher.h"

#include <curl/curl.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "core/thread_name.h"

namespace rota::notify {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How long an idle lane sleeps when nothing wakes it: a bound, not a
// heartbeat (Submit and Stop wake it, libcurl wakes it for its timeouts).
constexpr int kIdleWaitMs = 1000;

int Slots(const Limits& l) { return std::max(1, l.max_concurrency); }

}  // namespace

struct Dispatcher::Lane {
  Lane(std::string n, const Limits& l, SteadyClock::time_point now)
      : name(std::move(n)), limits(l), bucket(l.rate, l.burst, now), multi(curl_multi_init()) {}

  const std::string name;
  // Guarded by the dispatcher's mu_.
  std::deque<std::pair<Message, std::shared_ptr<Channel>>> queue;
  Limits limits;
  TokenBucket bucket;
  int in_flight = 0;
  bool sleeping = false;  // in curl_multi_poll: a Submit must wake it
  bool quit = false;      // Stop's deadline passed: abandon what is in flight
  // Set once, before the thread starts; curl_multi_wakeup is the one call
  // libcurl allows from another thread.
  CURLM* multi;
  std::thread thread;
};

Dispatcher::Dispatcher(Done done) : done_(std::move(done)) {}

Dispatcher::~Dispatcher() { Stop(std::chrono::milliseconds(0)); }

void Dispatcher::Submit(Message m, std::shared_ptr<Channel> channel) {
  std::lock_guard lock(mu_);
  if (stopping_) {
    return;  // still pending in the outbox: sent after the restart
  }
  const auto now = SteadyClock::now();
  const Limits& limits = channel->limits();
  auto& slot = lanes_[channel->name()];
  if (!slot) {
    slot = std::make_unique<Lane>(channel->name(), limits, now);
    Lane* lane = slot.get();
    lane->thread = std::thread([this, lane] { Run(*lane); });
  } else if (slot->limits.max_concurrency != limits.max_concurrency ||
             slot->limits.rate != limits.rate || slot->limits.burst != limits.burst) {
    slot->limits = limits;  // a reload changed them
    slot->bucket.Reset(limits.rate, limits.burst, now);
  }
  Lane& lane = *slot;
  lane.queue.emplace_back(std::move(m), std::move(channel));
  ++queued_;
  if (lane.sleeping && lane.multi != nullptr) {
    lane.sleeping = false;
    curl_multi_wakeup(lane.multi);  // under mu_, so Stop cannot free it meanwhile
  }
}

std::size_t Dispatcher::Queued() const {
  std::lock_guard lock(mu_);
  return queued_;
}

std::size_t Dispatcher::InFlight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

std::size_t Dispatcher::Lanes() const {
  std::lock_guard lock(mu_);
  return lanes_.size();
}

namespace {

using Item = std::pair<Message, std::shared_ptr<Channel>>;

struct Flight {
  std::shared_ptr<Channel> channel;  // outlives its attempt (declared first)
  std::unique_ptr<Attempt> attempt;
  Message message;
};
using Flights = std::unordered_map<CURL*, Flight>;

// Sets each item's attempt up and adds it to the multi handle; what has
// nothing to send (a log channel, a message that does not render) is done.
void StartAll(CURLM* multi, std::vector<Item>& items, Flights& flights,
              std::vector<Completed>& done) {
  for (auto& [m, channel] : items) {
    Started s = channel->Start(m);
    if (!s.attempt) {
      done.push_back({std::move(m), channel->name(), std::move(s.result)});
      continue;
    }
    CURL* easy = s.attempt->easy();
    if (multi == nullptr || curl_multi_add_handle(multi, easy) != CURLM_OK) {
      // No multi handle (out of memory at the lane's start): this one
      // attempt runs to its end here.
      const CURLcode rc = curl_easy_perform(easy);
      done.push_back({std::move(m), channel->name(), s.attempt->Finish(static_cast<int>(rc))});
      continue;
    }
    flights.emplace(easy, Flight{channel, std::move(s.attempt), std::move(m)});
  }
  items.clear();
}

// Moves every transfer along and collects those that ended.
void Reap(CURLM* multi, Flights& flights, std::vector<Completed>& done) {
  if (multi == nullptr) {
    return;
  }
  int running = 0;
  curl_multi_perform(multi, &running);
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) {
      continue;
    }
    CURL* easy = msg->easy_handle;
    const CURLcode rc = msg->data.result;  // msg is invalid after remove
    curl_multi_remove_handle(multi, easy);
    auto it = flights.find(easy);
    if (it == flights.end()) {
      continue;
    }
    SendResult r = it->second.attempt->Finish(static_cast<int>(rc));
    done.push_back({std::move(it->second.message), it->second.channel->name(), std::move(r)});
    flights.erase(it);
  }
}

}  // namespace

void Dispatcher::Run(Lane& lane) {
  SetThreadName("n:" + lane.name);
  Flights flights;
  std::vector<Item> starting;
  std::vector<Completed> done;
  while (Take(lane, starting, done)) {
    StartAll(lane.multi, starting, flights, done);
    Reap(lane.multi, flights, done);
    if (!done.empty()) {
      Deliver(lane, done);
      continue;  // slots were freed: take more before sleeping
    }
    if (!Sleep(lane)) {
      break;
    }
  }
  // Past Stop's deadline: what is still in flight is abandoned. It stays
  // pending in the outbox and goes out again, same Idempotency-Key, after
  // the restart.
  for (auto& [easy, flight] : flights) {
    curl_multi_remove_handle(lane.multi, easy);
  }
  std::lock_guard lock(mu_);
  in_flight_ -= flights.size();
  lane.in_flight -= static_cast<int>(flights.size());
  flights.clear();
}

bool Dispatcher::Take(Lane& lane, std::vector<std::pair<Message, std::shared_ptr<Channel>>>& into,
                      std::vector<Completed>& withheld) {
  std::lock_guard lock(mu_);
  if (lane.quit) {
    return false;
  }
  if (gate_ && !lane.queue.empty() && !gate_()) {
    // Not sent: each comes back as a failed attempt, so the outbox retries
    // it if this instance still leads then (and forgets it if not).
    for (auto& [m, channel] : lane.queue) {
      withheld.push_back(
          {std::move(m),
           channel->name(),
           {SendOutcome::kFailed, 0, "withheld: this instance's lease is not live"}});
    }
    queued_ -= lane.queue.size();
    lane.in_flight += static_cast<int>(lane.queue.size());  // Deliver counts them done
    in_flight_ += lane.queue.size();
    lane.queue.clear();
    return true;
  }
  const auto now = SteadyClock::now();
  while (!lane.queue.empty() && lane.in_flight < Slots(lane.limits) && lane.bucket.TryTake(now)) {
    into.push_back(std::move(lane.queue.front()));
    lane.queue.pop_front();
    --queued_;
    ++lane.in_flight;
    ++in_flight_;
  }
  return true;
}

void Dispatcher::Deliver(Lane& lane, std::vector<Completed>& done) {
  const auto n = static_cast<int>(done.size());
  if (done_) {
    done_(std::exchange(done, {}));
  }
  done.clear();
  {
    std::lock_guard lock(mu_);
    lane.in_flight -= n;
    in_flight_ -= static_cast<std::size_t>(n);
  }
  idle_cv_.notify_all();
}

bool Dispatcher::Sleep(Lane& lane) {
  // Until a transfer moves, libcurl's next timeout, the next token, or a
  // Submit. The check and the flag are under one lock, so a Submit either
  // is seen here or wakes the poll.
  int wait_ms = kIdleWaitMs;
  {
    std::lock_guard lock(mu_);
    if (lane.quit) {
      return false;
    }
    const auto now = SteadyClock::now();
    if (!lane.queue.empty() && lane.in_flight < Slots(lane.limits)) {
      const auto at = lane.bucket.NextAt(now);
      if (at <= now) {
        return true;  // a token is there: take it without sleeping
      }
      const auto ms = std::chrono::ceil<std::chrono::milliseconds>(at - now).count();
      wait_ms = static_cast<int>(std::clamp<std::int64_t>(ms, 1, kIdleWaitMs));
    }
    lane.sleeping = true;
  }
  if (lane.multi != nullptr) {
    curl_multi_poll(lane.multi, nullptr, 0, wait_ms, nullptr);
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(wait_ms, 10)));
  }
  std::lock_guard lock(mu_);
  lane.sleeping = false;
  return true;
}

void Dispatcher::Stop(std::chrono::milliseconds deadline) {
  const auto until = SteadyClock::now() + deadline;
  std::vector<Lane*> lanes;
  {
    std::unique_lock lock(mu_);
    idle_cv_.wait_until(lock, until, [this] { return queued_ == 0 && in_flight_ == 0; });
    stopping_ = true;
    for (auto& [name, lane] : lanes_) {
      lane->quit = true;
      if (lane->multi != nullptr) {
        curl_multi_wakeup(lane->multi);
      }
      lanes.push_back(lane.get());
    }
  }
  for (Lane* lane : lanes) {
    if (lane->thread.joinable()) {
      lane->thread.join();
    }
  }
  std::lock_guard lock(mu_);
  for (Lane* lane : lanes) {
    // What is left past the deadline is dropped here; it is still pending in
    // the outbox and is sent again after the restart.
    queued_ -= lane->queue.size();
    lane->queue.clear();
    if (lane->multi != nullptr) {
      curl_multi_cleanup(lane->multi);
      lane->multi = nullptr;
    }
  }
}

}  // namespace rota::notify
