#include "app/ha.h"

#include <future>
#include <random>

#include "app/pipeline.h"
#include "core/thread_name.h"
#include "log/log.h"

namespace rota::app {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t Ns(Clock::time_point t) { return t.time_since_epoch().count(); }

// How often a standby refreshes its engine from the store for reads: every
// 2 s, or ten times what a load takes when that is longer (a standby of a
// large store spends at most a tenth of its time reloading).
constexpr auto kRefreshEvery = std::chrono::seconds(2);
constexpr int kRefreshLoadFactor = 10;
// Inbox requests read per pass.
constexpr std::size_t kInboxPage = 256;

}  // namespace

HaNode::HaNode(Options options, Pipeline& pipeline, const http::Router& router,
               metrics::Metrics& metrics, OnStrand on_strand)
    : options_(std::move(options)),
      pipeline_(pipeline),
      router_(router),
      metrics_(metrics),
      on_strand_(std::move(on_strand)) {}

HaNode::~HaNode() { Stop(); }

void HaNode::Start() {
  thread_ = std::thread([this] {
    SetThreadName("ha");
    Run();
  });
}

void HaNode::Stop() {
  if (stop_.exchange(true)) {
    return;
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool HaNode::Leads() const { return leading_.load() && Ns(Clock::now()) < lease_until_.load(); }

HaNode::Status HaNode::Current() const {
  std::lock_guard lock(mu_);
  return {leading_.load() ? "leader" : "standby", epoch_.load(), leader_};
}

bool HaNode::Forward(const http::Request& req, http::Reply& reply,
                     const std::function<http::Response()>& accepted) {
  if (leading_.load()) {
    return false;
  }
  store::Store* s = pipeline_.StoreHandle();
  if (s == nullptr) {
    return false;
  }
  std::string ref;
  {
    std::lock_guard lock(mu_);
    ref = options_.instance + "/" + std::to_string(Ns(Clock::now())) + "/" +
          std::to_string(++next_ref_);
  }
  store::Batch batch;
  batch.inbox.push_back({ref, options_.instance, req.method, req.target, req.body,
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count()});
  s->Write(std::move(batch), [this, ref, reply = std::move(reply),
                              accepted = accepted()](const Result<void>& r) mutable {
    if (!r) {
      http::Response no =
          http::Response::Error(503, "cannot store the request: " + r.error().message());
      no.headers.emplace_back("Retry-After", "1");
      reply(std::move(no));
      return;
    }
    // Durable: the leader will apply it. Its answer, if it comes in time.
    std::lock_guard lock(mu_);
    waiting_.emplace(ref,
                     Waiter{std::move(reply), std::move(accepted), Clock::now() + kAnswerWait});
  });
  return true;
}

void HaNode::Run() {
  std::unique_ptr<store::Coordinator> c;
  auto retry = Clock::now();
  while (!stop_.load()) {
    if (!c || !c->Ok()) {
      c.reset();
      // Every pass, not only while waiting to retry: an attempt to connect
      // to a stalled server takes its whole connect_timeout.
      if (leading_.load() && !Leads()) {
        StepDown("the lease ran out while PostgreSQL was unreachable");
      }
      if (Clock::now() < retry) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        Answer(nullptr);
        continue;
      }
      retry = Clock::now() + std::chrono::milliseconds(500);
      auto opened = store::Coordinator::Open(options_.dsn, options_.instance, options_.lease);
      if (!opened) {
        log::Warn("high availability: cannot reach PostgreSQL; retrying",
                  {{"error", opened.error().message()}});
        continue;
      }
      c = std::move(*opened);
    }
    const auto wait = Step(*c);
    auto fired = c->Wait(wait);
    if (!fired) {
      continue;  // the connection broke: reopened above
    }
    for (const auto& channel : *fired) {
      if (channel == "rota_inbox" && leading_.load()) {
        ApplyInbox(*c);
      }
    }
  }
  if (c && leading_.load()) {
    // A clean stop hands over at once instead of after the lease.
    (void)c->Release(epoch_.load());
    log::Info("released the leadership", {{"epoch", epoch_.load()}});
  }
  leading_ = false;
  std::lock_guard lock(mu_);
  for (auto& [ref, w] : waiting_) {
    w.reply(std::move(w.accepted));
  }
  waiting_.clear();
}

std::chrono::milliseconds HaNode::Step(store::Coordinator& c) {
  const auto now = Clock::now();
  if (now >= next_lease_step_) {
    next_lease_step_ = now + options_.lease / 3;
    if (leading_.load()) {
      Renew(c);
    } else {
      Acquire(c);
    }
  }
  if (leading_.load()) {
    ApplyInbox(c);  // also the fallback for a missed notification
  } else if (Clock::now() >= next_refresh_) {
    Refresh();
  }
  Answer(&c);
  // Inbox requests under way: look again soon, their answers are awaited.
  return std::chrono::milliseconds(applying_.empty() ? 100 : 2);
}

void HaNode::Acquire(store::Coordinator& c) {
  const auto asked = Clock::now();
  auto got = c.TryAcquire(options_.lease);
  if (!got) {
    log::Warn("high availability: cannot ask for the lease", {{"error", got.error().message()}});
    return;
  }
  if (!*got) {
    auto who = c.Leader();
    if (who) {
      bool changed = false;
      {
        std::lock_guard lock(mu_);
        changed = leader_ != who->holder || epoch_.load() != who->epoch;
        leader_ = who->holder;
      }
      epoch_ = who->epoch;
      metrics_.SetLeader(false, who->epoch);
      if (changed) {
        log::Info(
            "following",
            {{"instance", options_.instance}, {"leader", who->holder}, {"epoch", who->epoch}});
      }
    }
    return;
  }
  const std::int64_t epoch = **got;
  epoch_ = epoch;
  lease_until_ = Ns(asked + options_.lease);
  // Leading from here: the sends Lead resumes must find the gate open.
  leading_ = true;
  // Lead: reload, fire what fell due, resume pending sends (on the strand).
  std::promise<Result<void>> led;
  auto done = led.get_future();
  on_strand_([&] { led.set_value(pipeline_.Lead(epoch)); });
  const auto r = done.get();
  if (!r) {
    leading_ = false;
    lease_until_ = 0;
    log::Error("cannot take over as leader; releasing the lease", {{"error", r.error().message()}});
    (void)c.Release(epoch);
    on_strand_([&] { pipeline_.Follow({}); });
    next_refresh_ = {};
    return;
  }
  {
    std::lock_guard lock(mu_);
    leader_ = options_.instance;
  }
  metrics_.SetLeader(true, epoch);
  metrics_.LeaderChanged();
  log::Info("leading", {{"instance", options_.instance},
                        {"epoch", epoch},
                        {"lease_ms", static_cast<long long>(options_.lease.count())}});
  ApplyInbox(c);
}

void HaNode::Renew(store::Coordinator& c) {
  const auto asked = Clock::now();
  auto kept = c.Renew(epoch_.load(), options_.lease);
  if (kept && *kept) {
    lease_until_ = Ns(asked + options_.lease);
    (void)c.PruneAnswers(std::chrono::seconds(60));
    return;
  }
  if (kept) {
    StepDown("another instance took the lease over");
  } else if (!Leads()) {
    StepDown("the lease ran out: cannot renew it (" + kept.error().message() + ")");
  }
}

void HaNode::StepDown(const std::string& why) {
  leading_ = false;
  applying_.clear();  // the next leader applies what was not finished
  lease_until_ = 0;
  on_strand_([this] { pipeline_.Follow({}); });
  next_refresh_ = {};
  metrics_.SetLeader(false, epoch_.load());
  metrics_.LeaderChanged();
  log::Warn("stopped leading",
            {{"instance", options_.instance}, {"epoch", epoch_.load()}, {"reason", why}});
}

void HaNode::Refresh() {
  const auto start = Clock::now();
  auto state = pipeline_.LoadStored();
  next_refresh_ = Clock::now() + std::max<Clock::duration>(
                                     kRefreshEvery, kRefreshLoadFactor * (Clock::now() - start));
  if (!state) {
    log::Debug("standby: cannot refresh from the store", {{"error", state.error().message()}});
    return;
  }
  auto shared = std::make_shared<store::State>(std::move(*state));
  on_strand_([this, shared] {
    if (!pipeline_.Leading()) {
      pipeline_.Follow(std::move(*shared));
    }
  });
}

void HaNode::ApplyInbox(store::Coordinator& c) {
  // Never waits: answers that are ready are filed now, the others at a
  // later pass, so the lease is renewed on time however slow a request is.
  std::vector<std::int64_t> done;
  std::vector<store::InboxAnswer> filed;
  for (auto it = applying_.begin(); it != applying_.end();) {
    if (it->second.answer.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      ++it;
      continue;
    }
    http::Response resp = it->second.answer.get();
    if (resp.status != 503) {  // 503: not written; applied again at the next pass
      done.push_back(it->first);
      filed.push_back({it->second.ref, resp.status, std::move(resp.body)});
    }
    it = applying_.erase(it);
  }
  if (!done.empty()) {
    auto finished = c.FinishInbox(epoch_.load(), done, filed);
    if (finished && !*finished) {
      StepDown("another instance took the lease over");
      return;
    }
  }
  auto rows = c.TakeInbox(kInboxPage);
  if (!rows) {
    return;
  }
  // Dispatched in id order: each handler posts to the strand in that order.
  for (auto& r : *rows) {
    if (applying_.count(r.id) > 0) {
      continue;  // under way
    }
    auto promise = std::make_shared<std::promise<http::Response>>();
    applying_.emplace(r.id, Applying{r.row.ref, promise->get_future()});
    auto req = http::MakeRequest(r.row.method, r.row.target, r.row.body);
    if (!req) {
      promise->set_value(http::Response::Error(400, "malformed request target: " + r.row.target));
      continue;
    }
    router_.DispatchTrusted(std::move(*req), [promise](http::Response resp) {
      if (resp.render) {
        resp.body = resp.render();
      }
      promise->set_value(std::move(resp));
    });
  }
}

void HaNode::Answer(store::Coordinator* c) {
  std::vector<std::string> refs;
  std::vector<std::pair<http::Reply, http::Response>> out;
  {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (now >= it->second.until) {
        out.emplace_back(std::move(it->second.reply), std::move(it->second.accepted));
        it = waiting_.erase(it);
      } else {
        refs.push_back(it->first);
        ++it;
      }
    }
  }
  if (c != nullptr && !refs.empty()) {
    auto answers = c->Answers(refs);
    if (answers) {
      std::lock_guard lock(mu_);
      for (auto& a : *answers) {
        auto it = waiting_.find(a.ref);
        if (it == waiting_.end()) {
          continue;
        }
        http::Response r = http::Response::Json(a.status, std::move(a.body));
        out.emplace_back(std::move(it->second.reply), std::move(r));
        waiting_.erase(it);
      }
    }
  }
  for (auto& [reply, resp] : out) {
    reply(std::move(resp));
  }
}

}  // namespace rota::app
