#include "app/pipeline.h"

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <set>

#include "api/ack_link.h"
#include "config/roster_spec.h"
#include "core/thread_name.h"
#include "core/time.h"
#include "log/log.h"
#include "notify/compose.h"
#include "review/facts.h"
#include "store/alert_codec.h"

namespace rota::app {
namespace {

namespace asio = boost::asio;

// Delivery outcomes and retry schedules ride with the next commit; when
// nothing else commits for this long, they are written by themselves.
constexpr auto kMarkFlushDelay = std::chrono::milliseconds(200);

std::int64_t Ms(TimePoint t) { return t.time_since_epoch().count(); }
std::optional<std::int64_t> Ms(const std::optional<TimePoint>& t) {
  return t ? std::optional<std::int64_t>(Ms(*t)) : std::nullopt;
}

store::OutboxState StoredState(notify::OutboxState s) {
  switch (s) {
    case notify::OutboxState::kDelivered:
      return store::OutboxState::kDelivered;
    case notify::OutboxState::kFailed:
      return store::OutboxState::kFailed;
    case notify::OutboxState::kPending:
    case notify::OutboxState::kSending:
      break;
  }
  return store::OutboxState::kPending;
}

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

std::vector<notify::Outgoing> Pipeline::Compose(TimePoint now) {
  std::vector<notify::Outgoing> outgoing;
  std::set<engine::AlertId> timed;
  const std::string& key = config_->global.ack_key.Reveal();
  const notify::ComposeContext ctx{
      [this](engine::AlertId id) { return engine_->Find(id); },
      [&](engine::AlertId id, const std::string& person) {
        // A signed link when a key is configured; else the API (needs a token).
        return key.empty()
                   ? config_->global.external_url + "/api/v1/alerts/" + std::to_string(id) + "/ack"
                   : config_->global.external_url +
                         api::AckPath(key, id, now + config_->global.ack_link_ttl, person);
      },
      [this](const std::string& channel) { return channels_.count(channel) > 0; },
      [this](const std::string& channel) {
        const config::Channel* c = config_->FindChannel(channel);
        return c != nullptr && c->PerAlert();
      },
      [this](engine::AlertId id, const std::string& channel) {
        return engine_->ThreadOf(id, channel);
      }};
  for (auto& n : engine_->TakeNotifications()) {
    const config::Person* person = config_->FindPerson(n.person);
    // A channel target (channel:NAME) is reached on the channel itself, at
    // its own address: a recipient with one contact.
    config::Person channel_recipient;
    if (person == nullptr && config::IsChannelRecipient(n.person)) {
      if (const config::Channel* c = config_->FindChannel(n.person.substr(8))) {
        channel_recipient.id = n.person;
        channel_recipient.contacts.push_back({c->name, c->to, Duration(0), c->pos});
        person = &channel_recipient;
      }
    }
    if (person == nullptr) {
      continue;
    }
    if (n.kind == engine::NotificationKind::kAlert || n.kind == engine::NotificationKind::kDigest) {
      for (engine::AlertId id : n.alerts) {
        const engine::Alert* a = engine_->Find(id);
        if (a != nullptr && a->first_notified_at == n.at && timed.insert(id).second) {
          metrics_.ObserveTimeToNotification(
              std::chrono::duration<double>(n.at - a->created_at).count());
        }
      }
    }
    if (person->contacts.empty()) {
      log::Warn("person on duty has no contacts; notification dropped", {{"recipient", n.person}});
      continue;
    }
    auto composed = notify::Compose(n, *person, ctx);
    std::move(composed.begin(), composed.end(), std::back_inserter(outgoing));
  }
  return outgoing;
}

store::Batch Pipeline::MakeBatch(TimePoint now, const engine::Engine::Changes& changes,
                                 InFlight& flight) {
  // Everything the write needs is copied here, on the strand: the store's
  // thread never touches the engine.
  store::Batch batch;
  batch.alerts.reserve(changes.changed.size());
  for (engine::AlertId id : changes.changed) {
    if (const engine::Alert* a = engine_->Find(id)) {
      batch.alerts.push_back({id, a->key, a->state, Ms(a->updated_at), Ms(a->ends_at),
                              Ms(a->resolved_at), store::EncodeAlert(*a, *config_)});
    }
  }
  for (engine::AlertId id : changes.touched) {
    if (const engine::Alert* a = engine_->Find(id)) {
      batch.touches.push_back({id, Ms(a->updated_at), Ms(a->ends_at)});
    }
  }
  batch.forgotten = changes.forgotten;
  batch.history = std::exchange(pending_history_, {});
  // Only the rows of silences and overrides that changed: each id is
  // written as it is now, or deleted when it is gone.
  flight.silences = std::exchange(silences_changed_, {});
  for (const auto& id : flight.silences) {
    const auto& all = engine_->silences();
    const auto it = std::find_if(all.begin(), all.end(), [&](const auto& s) { return s.id == id; });
    if (it != all.end()) {
      batch.silences.push_back(*it);
    } else {
      batch.silences_deleted.push_back(id);
    }
  }
  if (!flight.silences.empty()) {
    batch.next_silence_id = engine_->NextSilenceId();
  }
  flight.overrides = std::exchange(overrides_changed_, {});
  for (const auto& id : flight.overrides) {
    const auto it = std::find_if(runtime_overrides_.begin(), runtime_overrides_.end(),
                                 [&](const auto& o) { return o.id == id; });
    if (it != runtime_overrides_.end()) {
      batch.overrides.push_back(*it);
    } else {
      batch.overrides_deleted.push_back(id);
    }
  }
  if (!flight.overrides.empty()) {
    batch.next_override_id = next_override_;
  }
  if ((flight.reroutes = std::exchange(reroutes_changed_, false))) {
    batch.reroutes = engine_->reroutes();
  }
  for (const auto& o : flight.outgoing) {
    batch.outbox.push_back({o.message.id, o.channel, o.message.recipient, o.message.kind,
                            o.message.body->json, o.message.created_ms,
                            std::max(Ms(now), o.message.not_before_ms), 0});
  }
  for (std::size_t i = 0; i < flight.deferred.size(); ++i) {
    const auto& o = flight.deferred[i];
    batch.outbox.push_back({o.message.id, o.channel, o.message.recipient, o.message.kind,
                            o.message.body->json, o.message.created_ms, Ms(flight.deferred_at[i]),
                            0});
  }
  batch.reviews = flight.reviews;
  flight.marks = std::exchange(unwritten_marks_, {});
  for (auto& m : outbox_.TakeMarks()) {
    flight.marks.push_back(std::move(m));
  }
  for (const auto& m : flight.marks) {
    batch.marks.push_back({m.key, StoredState(m.state), m.attempts, Ms(m.next_attempt), m.error});
  }
  // max(id) + 1 of the stored alerts is the next id unless the newest rows
  // are deleted: only then is the high-water mark written (one row fewer
  // per commit on the ingest path).
  if (!batch.forgotten.empty() && engine_->next_alert_id() > written_next_id_) {
    batch.next_alert_id = engine_->next_alert_id();
  }
  flight.next_id = batch.next_alert_id;
  flight.rewrite = changes.changed;
  flight.rewrite.insert(flight.rewrite.end(), changes.touched.begin(), changes.touched.end());
  return batch;
}

void Pipeline::Write(Done then, Done answer) {
  if (!leading_) {
    // A standby decides nothing: what reaches its engine (a follower's
    // refresh) is already stored by the leader.
    (void)engine_->TakeNotifications();
    (void)engine_->TakeChanges();
    const Result<void> no(Fail(Error::Unavailable("this instance does not lead")));
    if (answer) {
      answer(no);
    }
    if (then) {
      then(no);
    }
    return;
  }
  const TimePoint now = clock_.Now();
  InFlight flight;
  flight.from_request = then != nullptr || answer != nullptr;
  flight.outgoing = Compose(now);
  flight.deferred = std::exchange(review_outgoing_, {});
  flight.deferred_at = std::exchange(review_outgoing_at_, {});
  flight.reviews = std::exchange(review_marks_, {});
  const auto changes = engine_->TakeChanges();
  if (!store_) {
    Written({}, std::move(flight), answer);
    if (then) {
      then({});
    }
    return;
  }
  store::Batch batch = MakeBatch(now, changes, flight);
  store_->Write(std::move(batch), [this, flight = std::move(flight), then = std::move(then),
                                   answer = std::move(answer)](const Result<void>& r) mutable {
    // Readiness and the metric change before anyone hears the answer, so a
    // 503 is never followed by a /-/ready that still says 200.
    NoteStore(r);
    if (answer) {
      answer(r);
    }
    asio::post(strand_, [this, r, flight = std::move(flight), then = std::move(then)]() mutable {
      Written(r, std::move(flight), nullptr);
      if (then) {
        then(r);
      }
    });
  });
}

void Pipeline::ProbeLoop() {
  const auto steady_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  // PostgreSQL is asked every idle second (it can go away on its own);
  // SQLite only while its writes fail (a probe is a synced write).
  if (store_ && !probing_.load() && (probe_idle_ || !store_ok_.load()) &&
      steady_ms() - last_store_answer_ms_.load() >= 1000) {
    probing_ = true;
    if (!store_->Probe([this](const Result<void>& r) {
          NoteStore(r);
          probing_ = false;
        })) {
      probing_ = false;
    }
  }
  probe_timer_.expires_after(std::chrono::seconds(1));
  probe_timer_.async_wait(asio::bind_executor(strand_, [this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) {
      ProbeLoop();
    }
  }));
}

// From the writer's thread, or the strand without a store.
void Pipeline::NoteStore(const Result<void>& r) {
  last_store_answer_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now().time_since_epoch())
                              .count();
  // A fenced write is the store answering that this instance lost its
  // lease: the store is fine, and a standby serves from it.
  const bool up = r || r.error().code() == Error::Code::kFenced;
  if (up) {
    if (!store_ok_.exchange(true)) {
      log::Info("the store is writable again");
    }
  } else if (store_ok_.exchange(false)) {
    log::Error("cannot write to the store; answering 503 until it can",
               {{"error", r.error().message()}});
  }
  metrics_.SetStoreUp(up);
}

void Pipeline::Written(const Result<void>& r, InFlight flight, const Done& answer) {
  if (answer) {
    answer(r);
  }
  if (!r && flight.from_request && r.error().code() != Error::Code::kFenced && !stopped_ &&
      leading_) {
    // Answered 503: what it carried must not be in force.
    RevertToStored();
    return;
  }
  if (r) {
    written_next_id_ = std::max(written_next_id_, flight.next_id);
  } else {
    // Nothing of this was written: it goes out with the next commit.
    engine_->MarkChanged(flight.rewrite);
    silences_changed_.merge(flight.silences);
    overrides_changed_.merge(flight.overrides);
    reroutes_changed_ = reroutes_changed_ || flight.reroutes;
    std::move(flight.marks.begin(), flight.marks.end(), std::back_inserter(unwritten_marks_));
  }
  // A review digest goes out only once its mark is stored (else a restart
  // would send it again). Unwritten, it waits for the next write; an
  // instance that lost the lead drops it: the leader sends it.
  if (flight.deferred.empty() && flight.reviews.empty()) {
    // Nothing of a review digest in this write (the common case).
  } else if (r) {
    outbox_.Restore(std::move(flight.deferred), flight.deferred_at, clock_.Now());
  } else if (r.error().code() != Error::Code::kFenced) {
    std::move(flight.deferred.begin(), flight.deferred.end(), std::back_inserter(review_outgoing_));
    std::move(flight.deferred_at.begin(), flight.deferred_at.end(),
              std::back_inserter(review_outgoing_at_));
    std::move(flight.reviews.begin(), flight.reviews.end(), std::back_inserter(review_marks_));
  } else {
    for (const auto& m : flight.reviews) {
      reviews_sent_.erase(m.key);
    }
  }
  // Decisions are sent even when they could not be stored: told twice beats
  // never. But not by an instance that no longer leads: its decisions were
  // made on state the leader has moved on from, and the leader decides again.
  if (r || r.error().code() != Error::Code::kFenced) {
    outbox_.Add(std::move(flight.outgoing), clock_.Now());
  }
  Pump();
}

void Pipeline::RevertToStored() {
  auto state = LoadStored();
  if (!state) {
    log::Error(
        "cannot read the store to undo a write that failed; what it carried stays in force "
        "and is written with the next commit",
        {{"error", state.error().message()}});
    return;
  }
  log::Warn("a write failed: undoing what it carried (answered 503); the state is as stored",
            {{"alerts", state->AlertCount()}});
  // What was pending in memory is pending in the store too (or was never
  // stored, and is undone with the rest): resumed from there.
  outbox_.Clear();
  unwritten_marks_.clear();
  silences_changed_.clear();
  overrides_changed_.clear();
  reroutes_changed_ = false;
  pending_history_.clear();
  review_outgoing_.clear();
  review_outgoing_at_.clear();
  review_marks_.clear();
  Restore(std::move(*state), /*lead=*/true);
}

void Pipeline::Pump() {
  if (!leading_) {
    return;
  }
  for (auto& o : outbox_.TakeSends()) {
    auto ch = channels_.find(o.channel);
    if (ch != channels_.end()) {
      dispatcher_.Submit(std::move(o.message), ch->second);
    }
  }
  const TimePoint now = clock_.Now();
  for (const auto& e : outbox_.TakeEvents()) {
    Report(e, now);
  }
  if (outbox_.HasMarks()) {
    ArmFlush();
  }
  ArmRetry();
}

void Pipeline::Report(const notify::OutboxEvent& e, TimePoint now) {
  using Kind = notify::OutboxEvent::Kind;
  using engine::EntryKind;
  using engine::Field;
  const auto annotate = [&](const engine::Note& note) {
    for (auto id : e.alert_ids) {
      engine_->Annotate(id, now, note);
    }
  };
  switch (e.kind) {
    case Kind::kRetrying:
      log::Warn("notification not delivered; will retry",
                {{"channel", e.channel},
                 {"recipient", e.recipient},
                 {"id", e.id},
                 {"attempt", e.attempts},
                 {"error", e.detail},
                 {"retry_at", FormatRfc3339(e.retry_at)}});
      if (e.attempts == 1) {
        // The first failure joins the timeline (what a drill reads); later
        // ones only the log, or an outage would fill it.
        annotate(engine::Note(EntryKind::kRetrying)
                     .Set(Field::kPerson, e.recipient)
                     .Set(Field::kChannel, e.channel)
                     .Set(Field::kDetail, e.detail)
                     .Set(Field::kAttempts, static_cast<std::int64_t>(e.attempts))
                     .Set(Field::kUntil, e.retry_at));
      }
      return;
    case Kind::kSuperseded:
      log::Info("resolved notice not sent: its alert notice never reached the contact",
                {{"channel", e.channel}, {"recipient", e.recipient}, {"id", e.id}});
      annotate(engine::Note(EntryKind::kSuperseded)
                   .Set(Field::kPerson, e.recipient)
                   .Set(Field::kChannel, e.channel));
      return;
    case Kind::kDelivered:
    case Kind::kRejected:
    case Kind::kGaveUp: {
      const std::string outcome = e.kind == Kind::kDelivered  ? "delivered"
                                  : e.kind == Kind::kRejected ? "rejected"
                                                              : "failed";
      metrics_.NotificationSent(e.channel, e.message_kind, outcome);
      if (e.kind != Kind::kDelivered) {
        log::Warn("notification not delivered", {{"channel", e.channel},
                                                 {"recipient", e.recipient},
                                                 {"kind", e.message_kind},
                                                 {"id", e.id},
                                                 {"attempts", e.attempts},
                                                 {"error", e.detail}});
      }
      engine::Note note(e.kind == Kind::kDelivered  ? EntryKind::kDelivered
                        : e.kind == Kind::kRejected ? EntryKind::kRejected
                                                    : EntryKind::kFailed);
      note.Set(Field::kPerson, e.recipient)
          .Set(Field::kChannel, e.channel)
          .Set(Field::kDetail, e.detail);
      note.Set(Field::kAttempts, static_cast<std::int64_t>(e.attempts));
      if (e.kind == Kind::kGaveUp) {
        note.Set(Field::kReason, "gave up after retry_max_age");
      }
      annotate(note);
      return;
    }
    case Kind::kRefused:
      metrics_.NotificationRefusedOffDuty();
      log::Error("refused a notification outside the person's hours",
                 {{"recipient", e.recipient}, {"kind", e.message_kind}, {"id", e.id}});
      return;
    case Kind::kHoursEnded:
      // Expected: the person's hours ended before the receiver came back.
      log::Warn("not retrying a notification: the person's hours have ended",
                {{"recipient", e.recipient}, {"id", e.id}});
      metrics_.NotificationSent(e.channel, e.message_kind, "failed");
      annotate(engine::Note(EntryKind::kHoursEnded)
                   .Set(Field::kPerson, e.recipient)
                   .Set(Field::kChannel, e.channel));
      return;
    case Kind::kNotNeeded:
      log::Info("delayed contact not needed: acknowledged or resolved meanwhile",
                {{"channel", e.channel}, {"recipient", e.recipient}, {"id", e.id}});
      annotate(engine::Note(EntryKind::kContactSkipped)
                   .Set(Field::kPerson, e.recipient)
                   .Set(Field::kChannel, e.channel));
      return;
    case Kind::kNoChannel:
      log::Warn("notification dropped: its channel is no longer configured",
                {{"channel", e.channel}, {"recipient", e.recipient}, {"id", e.id}});
      return;
  }
}

void Pipeline::OnSendResults(std::vector<notify::Completed> done) {
  const TimePoint now = clock_.Now();
  for (auto& d : done) {
    const auto outcome = d.result.outcome;
    metrics_.NotificationAttempt(d.channel, outcome == notify::SendOutcome::kDelivered ? "delivered"
                                            : outcome == notify::SendOutcome::kRejected ? "rejected"
                                                                                        : "failed");
    if (outcome == notify::SendOutcome::kDelivered && !d.result.reference.empty()) {
      // The message's thread: follow-ups about these alerts reply in it.
      for (engine::AlertId id : d.message.alert_ids) {
        engine_->SetThread(id, d.channel, d.result.reference);
      }
    }
    outbox_.OnResult(std::move(d.message), d.channel, d.result, now);
  }
  Pump();
}

void Pipeline::ArmRetry() {
  const auto first = outbox_.NextDue();
  if (stopped_ || !first) {
    return;
  }
  if (retry_armed_for_ && *retry_armed_for_ <= *first) {
    return;
  }
  retry_armed_for_ = *first;
  retry_timer_.expires_after(std::max(Duration(0), *first - clock_.Now()));
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) {
      return;
    }
    retry_armed_for_.reset();
    outbox_.Tick(clock_.Now());
    Pump();
  });
}

void Pipeline::ArmFlush() {
  if (stopped_ || flush_armed_) {
    return;
  }
  flush_armed_ = true;
  flush_timer_.expires_after(kMarkFlushDelay);
  flush_timer_.async_wait([this](const boost::system::error_code& ec) {
    flush_armed_ = false;
    if (!ec && !stopped_ && (outbox_.HasMarks() || !unwritten_marks_.empty())) {
      Commit(nullptr);
    }
  });
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

void Pipeline::Commit(std::function<void(const Result<void>&)> then) {
  Write(std::move(then));
  Arm();
}

void Pipeline::CommitAndAnswer(std::function<void(const Result<void>&)> answer) {
  Write(nullptr, std::move(answer));
  Arm();
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
