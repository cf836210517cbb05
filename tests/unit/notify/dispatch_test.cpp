#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "notify/dispatcher.h"
#include "notify/rate.h"

using rota::notify::TokenBucket;
using namespace std::chrono_literals;

TEST_CASE("a token bucket allows its burst, then one per 1/rate") {
  const TokenBucket::Clock::time_point t0{};
  TokenBucket b(2.0, 3, t0);
  CHECK(b.TryTake(t0));
  CHECK(b.TryTake(t0));
  CHECK(b.TryTake(t0));
  CHECK_FALSE(b.TryTake(t0));
  CHECK(b.NextAt(t0) == t0 + 500ms);
  CHECK_FALSE(b.TryTake(t0 + 499ms));
  CHECK(b.TryTake(t0 + 500ms));
  CHECK_FALSE(b.TryTake(t0 + 500ms));
  // A long quiet spell refills to the burst, not beyond.
  CHECK(b.TryTake(t0 + 1h));
  CHECK(b.TryTake(t0 + 1h));
  CHECK(b.TryTake(t0 + 1h));
  CHECK_FALSE(b.TryTake(t0 + 1h));
  // Rate 0 is unlimited.
  TokenBucket open(0, 1, t0);
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(open.TryTake(t0));
  }
  CHECK(open.NextAt(t0) == t0);
  // Reset keeps what was saved, capped at the new burst.
  b.Reset(10.0, 1, t0 + 2h);
  CHECK(b.TryTake(t0 + 2h));
  CHECK_FALSE(b.TryTake(t0 + 2h));
  CHECK(b.NextAt(t0 + 2h) == t0 + 2h + 100ms);
}

namespace {

namespace asio = boost::asio;

rota::notify::Message Msg(std::string id) {
  rota::notify::Message m;
  m.id = std::move(id);
  m.body = rota::notify::MakeBody(boost::json::object{{"id", m.id}});
  return m;
}

// A real HTTP receiver on loopback that holds every request until Open(),
// counting how many it holds at once. One thread per connection.
class GatedReceiver {
 public:
  GatedReceiver() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    accept_ = std::thread([this] { AcceptLoop(); });
  }
  ~GatedReceiver() {
    Open();
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    // Unblocks accept(); the loop sees closing_ and ends.
    asio::ip::tcp::socket poke(io_);
    boost::system::error_code ec;
    poke.connect(acceptor_.local_endpoint(), ec);
    accept_.join();
    for (auto& t : connections_) {
      t.join();
    }
  }
  GatedReceiver(const GatedReceiver&) = delete;
  GatedReceiver& operator=(const GatedReceiver&) = delete;

  [[nodiscard]] std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/hook";
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool WaitHeld(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 30s, [&] { return held_ >= n; });
  }
  int Held() {
    std::lock_guard lock(mu_);
    return held_;
  }
  int Peak() {
    std::lock_guard lock(mu_);
    return peak_;
  }

 private:
  void AcceptLoop() {
    while (true) {
      asio::ip::tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      std::lock_guard lock(mu_);
      if (ec || closing_) {
        return;
      }
      connections_.emplace_back([this, s = std::move(s)]() mutable { Serve(std::move(s)); });
    }
  }
  void Serve(asio::ip::tcp::socket s) {
    std::string buf;
    while (true) {
      boost::system::error_code ec;
      const std::size_t head = asio::read_until(s, asio::dynamic_buffer(buf), "\r\n\r\n", ec);
      if (ec) {
        return;
      }
      std::size_t length = 0;
      const auto at = buf.find("Content-Length: ");
      if (at != std::string::npos && at < head) {
        length = std::stoul(buf.substr(at + 16));
      }
      if (buf.size() < head + length) {
        asio::read(s, asio::dynamic_buffer(buf), asio::transfer_exactly(head + length - buf.size()),
                   ec);
      }
      buf.erase(0, head + length);
      {
        std::unique_lock lock(mu_);
        ++held_;
        peak_ = std::max(peak_, held_);
        cv_.notify_all();
        cv_.wait(lock, [this] { return open_; });
        --held_;
      }
      asio::write(s, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")),
                  ec);
      if (ec) {
        return;
      }
    }
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread accept_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> connections_;  // guarded by mu_
  bool open_ = false;                     // guarded by mu_
  bool closing_ = false;                  // guarded by mu_
  int held_ = 0;                          // guarded by mu_
  int peak_ = 0;                          // guarded by mu_
};

std::shared_ptr<rota::notify::Channel> Webhook(const std::string& name, const std::string& url,
                                               int max_concurrency) {
  rota::config::Channel c;
  c.name = name;
  c.type = rota::config::ChannelType::kWebhook;
  c.url = rota::config::Secret(url);
  c.max_concurrency = max_concurrency;
  c.timeout = 60s;
  return rota::notify::MakeChannel(c);
}

}  // namespace

TEST_CASE("each channel is its own lane: a blocked channel holds only itself") {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, int> done;
  std::map<std::string, int> delivered;
  rota::notify::GlobalInit();
  rota::notify::Dispatcher d([&](std::vector<rota::notify::Completed> results) {
    std::lock_guard lock(mu);
    for (const auto& r : results) {
      ++done[r.channel];
      delivered[r.channel] += r.result.outcome == rota::notify::SendOutcome::kDelivered ? 1 : 0;
    }
    cv.notify_all();
  });
  GatedReceiver slow_receiver;
  GatedReceiver fast_receiver;
  fast_receiver.Open();
  auto slow = Webhook("slow", slow_receiver.Url(), 3);
  auto fast = Webhook("fast", fast_receiver.Url(), 1);
  for (int i = 0; i < 10; ++i) {
    d.Submit(Msg(std::to_string(i)), slow);
  }
  // Three requests held at the receiver at once: max_concurrency, on one
  // lane's thread.
  REQUIRE(slow_receiver.WaitHeld(3));
  d.Submit(Msg("f"), fast);
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 30s, [&] { return done["fast"] == 1; }));
  }
  CHECK(delivered["fast"] == 1);
  CHECK(slow_receiver.Held() == 3);
  CHECK(d.Queued() == 7);
  // The fast lane counts its send done just after handing the result over.
  for (int i = 0; i < 500 && d.InFlight() != 3; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(d.InFlight() == 3);
  CHECK(d.Lanes() == 2);
  slow_receiver.Open();
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 30s, [&] { return done["slow"] == 10; }));
  }
  CHECK(delivered["slow"] == 10);
  CHECK(slow_receiver.Peak() == 3);
  d.Stop(0ms);
}

TEST_CASE("Stop lets sends in flight finish until the deadline, then abandons them") {
  std::atomic<int> done{0};
  rota::notify::GlobalInit();
  GatedReceiver receiver;
  rota::notify::Dispatcher d([&](std::vector<rota::notify::Completed> results) {
    done += static_cast<int>(results.size());
  });
  auto hook = Webhook("hook", receiver.Url(), 2);
  for (int i = 0; i < 4; ++i) {
    d.Submit(Msg(std::to_string(i)), hook);
  }
  REQUIRE(receiver.WaitHeld(2));
  // Held past the deadline: Stop returns without their results, and what
  // is queued is dropped (the outbox still has it, to send after restart).
  d.Stop(50ms);
  CHECK(done.load() == 0);
  CHECK(d.InFlight() == 0);
  CHECK(d.Queued() == 0);
  d.Submit(Msg("late"), hook);  // after Stop: ignored
  CHECK(d.Queued() == 0);
}

TEST_CASE(
    "a closed gate withholds queued sends (failed attempts, to retry); an open one lets them "
    "through") {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<rota::notify::Completed> done;
  rota::notify::GlobalInit();
  rota::notify::Dispatcher d([&](std::vector<rota::notify::Completed> results) {
    std::lock_guard lock(mu);
    std::move(results.begin(), results.end(), std::back_inserter(done));
    cv.notify_all();
  });
  std::atomic<bool> leads{false};  // as a leader whose lease ran out
  d.SetGate([&] { return leads.load(); });
  GatedReceiver receiver;
  auto hook = Webhook("hook", receiver.Url(), 4);
  for (int i = 0; i < 3; ++i) {
    d.Submit(Msg("withheld-" + std::to_string(i)), hook);
  }
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 30s, [&] { return done.size() == 3; }));
    for (const auto& c : done) {
      CHECK(c.result.outcome == rota::notify::SendOutcome::kFailed);
      CHECK(c.result.detail.find("withheld") != std::string::npos);
    }
  }
  CHECK(receiver.Peak() == 0);  // nothing reached the receiver
  leads = true;
  d.Submit(Msg("sent"), hook);
  REQUIRE(receiver.WaitHeld(1));
  receiver.Open();
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 30s, [&] { return done.size() == 4; }));
    CHECK(done.back().message.id == "sent");
    CHECK(done.back().result.outcome == rota::notify::SendOutcome::kDelivered);
  }
  // The lane counts its sends done just after handing the results over.
  for (int i = 0; i < 500 && d.InFlight() != 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(d.Queued() == 0);
  CHECK(d.InFlight() == 0);
  d.Stop(0ms);
}
