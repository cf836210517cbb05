#include "app/pipeline.h"

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <set>

#include "app/pipeline_rows.h"
#include "config/roster_spec.h"
#include "core/thread_name.h"
#include "core/time.h"
#include "log/log.h"
#include "notify/compose.h"
#include "review/facts.h"

namespace rota::app {
namespace {

namespace asio = boost::asio;
using pipeline_rows::Ms;

}  // namespace

Pipeline::Pipeline(Strand& strand, const Clock& clock, metrics::Metrics& metrics,
                   RosterListener on_roster)
    : strand_(strand),
      clock_(clock),
      metrics_(metrics),
      on_roster_(std::move(on_roster)),
      timer_(strand),
      gauge_timer_(strand),
      retry_timer_(strand),
      flush_timer_(strand),
      probe_timer_(strand),
      // Hours are law for people; a channel (a review digest to
      // channel:NAME) has none.
      outbox_(
          [this](const std::string& recipient, TimePoint now) {
            return config::IsChannelRecipient(recipient) || roster_->IsOnDuty(recipient, now);
          },
          [this](const std::string& channel) { return channels_.count(channel) > 0; }),
      dispatcher_([this](std::vector<notify::Completed> done) {
        // Results are handled on the strand (outbox, timelines, metrics),
        // each lane's batch in one turn.
        asio::post(strand_,
                   [this, done = std::move(done)]() mutable { OnSendResults(std::move(done)); });
      }) {
  notify::GlobalInit();
  asio::post(history_pool_, [] { SetThreadName("worker"); });
  // A delayed contact (after:) goes out only while one of its alerts is
  // still firing: an ack or a resolve meanwhile makes it unneeded.
  outbox_.SetWanted([this](const notify::Message& m) {
    return std::any_of(m.alert_ids.begin(), m.alert_ids.end(), [&](engine::AlertId id) {
      const engine::Alert* a = engine_->Find(id);
      return a != nullptr && a->state == engine::AlertState::kFiring;
    });
  });
}

Pipeline::~Pipeline() { dispatcher_.Stop(std::chrono::milliseconds(0)); }

namespace {

bool OverrideStillValid(const config::Config& c, const schedule::OverrideSpec& o) {
  return c.FindPerson(o.person) != nullptr &&
         (o.replaces.empty() || c.FindPerson(o.replaces) != nullptr) &&
         (o.team.empty() || c.FindTeam(o.team) != nullptr);
}

}  // namespace

Pipeline::Prepared Pipeline::Prepare(std::shared_ptr<const config::Config> config) const {
  Prepared p;
  for (const auto& c : config->channels) {
    p.channels[c.name] = notify::MakeChannel(c);
  }
  {
    std::lock_guard lock(snapshot_mu_);
    p.overrides = overrides_snapshot_;
    p.overrides_version = overrides_version_;
  }
  // Run-time overrides naming people or teams that are gone are dropped.
  std::erase_if(p.overrides, [&](const auto& o) { return !OverrideStillValid(*config, o); });
  p.roster = std::make_shared<const schedule::Roster>(config::ToRosterSpec(*config, p.overrides));
  p.model = engine::Model::Build(config, p.roster);
  p.config = std::move(config);
  return p;
}

void Pipeline::Install(Prepared p) {
  const bool reload = engine_ != nullptr;
  config_ = std::move(p.config);
  channels_ = std::move(p.channels);
  std::map<std::string, Duration> max_age;
  for (const auto& c : config_->channels) {
    max_age[c.name] = c.retry_max_age;
  }
  outbox_.SetMaxAges(std::move(max_age));
  std::uint64_t version = 0;
  {
    std::lock_guard lock(snapshot_mu_);
    version = overrides_version_;
  }
  if (version != p.overrides_version || !engine_) {
    // Overrides changed while the config was being prepared: build again here.
    std::erase_if(runtime_overrides_, [&](const auto& o) {
      const bool gone = !OverrideStillValid(*config_, o);
      if (gone) {
        overrides_changed_.insert(o.id);  // dropped with the people or team it named
      }
      return gone;
    });
    Rebuild();
  } else {
    for (const auto& o : runtime_overrides_) {
      if (std::none_of(p.overrides.begin(), p.overrides.end(),
                       [&](const auto& kept) { return kept.id == o.id; })) {
        overrides_changed_.insert(o.id);  // dropped with the people or team it named
      }
    }
    runtime_overrides_ = std::move(p.overrides);
    Swap(std::move(p.roster), std::move(p.model));
  }
  if (reload) {
    EndOrphanReroutes();
    // Hours, members, escalations may all have moved.
    Replan({"config reloaded", {}, {}, true});
  }
}

void Pipeline::PruneRuntime(TimePoint now) {
  const TimePoint cutoff = now - config_->storage.retention;
  for (auto& id : engine_->PruneSilences(cutoff)) {
    silences_changed_.insert(std::move(id));
  }
  const auto before = runtime_overrides_.size();
  std::erase_if(runtime_overrides_, [&](const auto& o) {
    if (o.end > cutoff) {
      return false;
    }
    overrides_changed_.insert(o.id);
    return true;
  });
  if (runtime_overrides_.size() != before) {
    Rebuild();  // the roster no longer carries them (they were all past)
  }
  if (!silences_changed_.empty() || !overrides_changed_.empty()) {
    Commit(nullptr);
  }
}

void Pipeline::EndOrphanReroutes() {
  if (!engine_ || !leading_ || stopped_) {
    return;
  }
  const auto ended = engine_->EndOrphanReroutes(clock_.Now());
  for (const auto& r : ended) {
    log::Warn("reroute ended: its team or escalation is no longer in the config",
              {{"id", r.id}, {"team", r.team}, {"escalation", r.escalation}});
  }
  if (!ended.empty()) {
    ReroutesChanged();
    Commit(nullptr);
  }
}

void Pipeline::Replan(engine::RosterChange change) {
  if (!engine_ || !leading_ || stopped_) {
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const std::size_t looked_at = engine_->RosterChanged(change, clock_.Now());
  log::Info("roster changed; plans made again",
            {{"reason", change.reason},
             {"alerts", looked_at},
             {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count()}});
  Commit(nullptr);
}

void Pipeline::Rebuild() {
  auto roster =
      std::make_shared<const schedule::Roster>(config::ToRosterSpec(*config_, runtime_overrides_));
  auto model = engine::Model::Build(config_, roster);
  Swap(std::move(roster), std::move(model));
}

void Pipeline::Swap(std::shared_ptr<const schedule::Roster> roster,
                    std::shared_ptr<const engine::Model> model) {
  roster_ = std::move(roster);
  if (!engine_) {
    engine_ = std::make_unique<engine::Engine>(std::move(model));
  } else {
    engine_->SetModel(std::move(model));
  }
  {
    std::lock_guard lock(snapshot_mu_);
    snapshot_ = {config_, roster_};
    if (overrides_snapshot_.size() != runtime_overrides_.size() ||
        !std::equal(overrides_snapshot_.begin(), overrides_snapshot_.end(),
                    runtime_overrides_.begin(),
                    [](const auto& x, const auto& y) { return x.id == y.id; })) {
      overrides_snapshot_ = runtime_overrides_;
      ++overrides_version_;
    }
  }
  if (on_roster_) {
    on_roster_(roster_);
  }
  Arm();
  if (!gauges_running_) {
    gauges_running_ = true;
    GaugeLoop();
    ProbeLoop();
  }
}

void Pipeline::RunBlocking(std::function<void()> fn) { asio::post(history_pool_, std::move(fn)); }

bool Pipeline::RunHeavy(std::function<void()> fn) {
  if (heavy_jobs_.fetch_add(1) >= kHeavyJobs || stopping_.load()) {
    heavy_jobs_.fetch_sub(1);
    return false;
  }
  asio::post(heavy_pool_, [this, fn = std::move(fn)] {
    SetThreadName("heavy");
    fn();
    heavy_jobs_.fetch_sub(1);
  });
  return true;
}

void Pipeline::ReadHistory(std::int64_t from_ms, std::int64_t to_ms, HistoryDone done) {
  asio::post(history_pool_, [this, from_ms, to_ms, done = std::move(done)] {
    store::Store* s = StoreHandle();
    if (s == nullptr) {
      done(std::vector<std::string>{});
      return;
    }
    auto rows = s->History(from_ms, to_ms);
    if (!rows) {
      done(Fail(rows.error()));
      return;
    }
    std::vector<std::string> docs;
    docs.reserve(rows->size());
    for (auto& r : *rows) {
      docs.push_back(std::move(r.doc));
    }
    done(std::move(docs));
  });
}

void Pipeline::GaugeLoop() {
  // Retention: resolved alerts and finished notifications older than
  // storage.retention are forgotten (in memory and in the store).
  // What reviews need of each is kept as history (docs/reviews.md).
  const TimePoint now = clock_.Now();
  const TimePoint horizon = now - config_->storage.retention;
  const auto keep = [this](const engine::Alert& a) {
    if (leading_) {
      pending_history_.push_back(
          {a.id, Ms(a.created_at), review::EncodeFacts(review::FactsOf(engine_->model(), a))});
    }
  };
  if (const auto pruned = engine_->PruneResolved(horizon, keep); pruned > 0 && leading_) {
    log::Debug("forgot resolved alerts", {{"count", pruned}});
    Commit(nullptr);
  }
  if (store_ && leading_) {
    store_->PruneFinished(Ms(horizon), Ms(now - config_->storage.history_retention));
  }
  if (leading_) {
    CheckReviews(now);
    PruneRuntime(now);
    if (const auto ended = engine_->EndReroutes(now); !ended.empty()) {
      for (const auto& r : ended) {
        log::Info("reroute ended", {{"id", r.id}, {"team", r.team}, {"escalation", r.escalation}});
      }
      ReroutesChanged();
      Commit(nullptr);
    }
  }
  RefreshGauges();
  gauge_timer_.expires_after(std::chrono::seconds(5));
  gauge_timer_.async_wait(asio::bind_executor(strand_, [this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) {
      GaugeLoop();
    }
  }));
}

void Pipeline::Arm() {
  if (stopped_ || !engine_ || !leading_) {
    return;
  }
  const auto next = engine_->NextDeadline();
  if (!next) {
    if (armed_for_) {
      timer_.cancel();
      armed_for_.reset();
    }
    return;
  }
  if (armed_for_ && *armed_for_ <= *next) {
    return;  // already armed for this or an earlier deadline
  }
  armed_for_ = *next;
  const auto delay = std::max(Duration(0), *next - clock_.Now());
  timer_.expires_after(delay);
  timer_.async_wait(asio::bind_executor(strand_, [this](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    armed_for_.reset();
    OnTimer();
  }));
}

void Pipeline::OnTimer() {
  if (stopped_) {
    return;
  }
  const TimePoint now = clock_.Now();
  engine_->Tick(now);
  Commit(nullptr);
  RefreshGauges();
  Arm();
}

void Pipeline::RefreshGauges() {
  double firing = 0;
  double acked = 0;
  double resolved = 0;
  double held = 0;
  engine_->ForEachAlert([&](const engine::Alert& a) {
    switch (a.state) {
      case engine::AlertState::kFiring:
        firing += 1;
        held += a.Status() == engine::Outcome::kHeld ? 1 : 0;
        break;
      case engine::AlertState::kAcknowledged:
        acked += 1;
        break;
      case engine::AlertState::kResolved:
        resolved += 1;
        break;
    }
  });
  metrics_.SetAlerts(firing, acked, resolved, held);
  std::map<std::string, std::pair<double, double>> pending;
  for (const auto& [channel, w] : outbox_.WaitingByChannel(clock_.Now())) {
    pending[channel] = {w.count, w.oldest_seconds};
  }
  metrics_.SetOutboxPending(pending);
  metrics_.SetEscalations(static_cast<double>(engine_->counters().escalations));
  metrics_.SetReroutes(static_cast<double>(engine_->reroutes().size()),
                       static_cast<double>(engine_->counters().rerouted));
}

void Pipeline::Post(std::function<void()> fn) { asio::post(strand_, std::move(fn)); }

api::Host::Snapshot Pipeline::Current() const {
  std::lock_guard lock(snapshot_mu_);
  return snapshot_;
}

Result<std::string> Pipeline::AddOverride(schedule::OverrideSpec spec) {
  for (const auto& who : {spec.person, spec.replaces}) {
    if (!who.empty() && config_->FindPerson(who) == nullptr) {
      return Fail(Error::InvalidArgument("unknown person \"" + who + "\""));
    }
  }
  if (!spec.team.empty() && config_->FindTeam(spec.team) == nullptr) {
    return Fail(Error::InvalidArgument("unknown team \"" + spec.team + "\""));
  }
  if (spec.end <= clock_.Now()) {
    return Fail(Error::InvalidArgument("end: the override would be over already (" +
                                       FormatRfc3339(spec.end) + " is in the past)"));
  }
  spec.id = "o-" + std::to_string(next_override_++);
  std::string id = spec.id;
  engine::RosterChange change{"override " + id + " added", {spec.person}, {}, false};
  if (!spec.replaces.empty()) {
    change.people.push_back(spec.replaces);
    change.reason += " (" + spec.person + " covers for " + spec.replaces + ")";
  } else {
    change.reason +=
        " (" + spec.person + " on duty" + (spec.team.empty() ? "" : " for team " + spec.team) + ")";
  }
  if (!spec.team.empty()) {
    change.teams.push_back(spec.team);
  }
  runtime_overrides_.push_back(std::move(spec));
  Rebuild();
  overrides_changed_.insert(id);
  Replan(std::move(change));
  return id;
}

Result<void> Pipeline::RemoveOverride(const std::string& id) {
  const auto before = runtime_overrides_.size();
  engine::RosterChange change{"override " + id + " removed", {}, {}, false};
  for (const auto& o : runtime_overrides_) {
    if (o.id == id) {
      change.people = {o.person};
      if (!o.replaces.empty()) {
        change.people.push_back(o.replaces);
      }
      if (!o.team.empty()) {
        change.teams.push_back(o.team);
      }
    }
  }
  std::erase_if(runtime_overrides_, [&](const auto& o) { return o.id == id; });
  if (runtime_overrides_.size() == before) {
    return Fail(Error::NotFound(id.starts_with("config-")
                                    ? "override " + id + " is in the config file; edit it there"
                                    : "no run-time override " + id));
  }
  Rebuild();
  overrides_changed_.insert(id);
  Replan(std::move(change));
  return {};
}

void Pipeline::CountEvent(const std::string& source, std::string_view outcome, std::size_t n) {
  metrics_.EventReceived(source, std::string(outcome), static_cast<double>(n));
}

void Pipeline::Stop(std::chrono::milliseconds deadline) {
  stopping_ = true;  // long reads give up at their next week
  const auto until = std::chrono::steady_clock::now() + deadline;
  dispatcher_.Stop(deadline);  // queued sends go out until the deadline
  // Their outcomes are written before the store closes, so a clean stop
  // does not send them again after the restart.
  auto flushed = std::make_shared<std::promise<void>>();
  auto written = flushed->get_future();
  asio::post(strand_, [this, flushed] {
    stopped_ = true;
    timer_.cancel();
    gauge_timer_.cancel();
    probe_timer_.cancel();
    retry_timer_.cancel();
    flush_timer_.cancel();
    Write([flushed](const Result<void>&) { flushed->set_value(); });
  });
  written.wait_until(std::max(until, std::chrono::steady_clock::now() + std::chrono::seconds(1)));
  history_pool_.join();  // a read in progress ends before the store closes
  heavy_pool_.join();
  if (store_) {
    store_->Stop();  // what is queued is written, then the database closes
  }
}

}  // namespace rota::app
