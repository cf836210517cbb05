#include "app/pipeline.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <set>

#include "api/ack_link.h"
#include "api/views.h"
#include "store/alert_codec.h"
#include "store/load.h"
#include "store/outbox.h"
#include "store/migrate.h"
#include "config/roster_spec.h"
#include "core/time.h"
#include "ingest/decode.h"
#include "log/log.h"

namespace rota::app {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

std::string StringField(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
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
      dispatcher_(2, [this](const notify::Message& m, const notify::Channel& ch,
                            const notify::SendResult& r) {
        // Results are handled on the strand (retries, outbox, timelines).
        asio::post(strand_, [this, m, channel = ch.name(), r] { HandleResult(m, channel, r); });
      }) {
  notify::GlobalInit();
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
  config_ = std::move(p.config);
  channels_ = std::move(p.channels);
  std::uint64_t version = 0;
  {
    std::lock_guard lock(snapshot_mu_);
    version = overrides_version_;
  }
  if (version != p.overrides_version || !engine_) {
    // Overrides changed while the config was being prepared: build again here.
    std::erase_if(runtime_overrides_, [&](const auto& o) { return !OverrideStillValid(*config_, o); });
    Rebuild();
    return;
  }
  if (p.overrides.size() != runtime_overrides_.size()) {
    overrides_changed_ = true;  // some were dropped with the people they named
  }
  runtime_overrides_ = std::move(p.overrides);
  Swap(std::move(p.roster), std::move(p.model));
}

Result<void> Pipeline::OpenStore(const std::string& dir, std::int64_t max_db_bytes) {
  const std::string path = (std::filesystem::path(dir) / "rota.db").string();
  store::Db::Options options;
  options.max_page_count = max_db_bytes > 0 ? max_db_bytes / 4096 : 0;
  auto db = store::Db::Open(path, options);
  if (!db) {
    return Fail(db.error());
  }
  auto version = store::Migrate(**db);
  if (!version) {
    return Fail(version.error());
  }
  // Load what was committed before the last stop (or crash), decoding on
  // every core: start-up time grows with the stored alerts.
  const auto load_start = std::chrono::steady_clock::now();
  auto loaded = store::LoadAlerts(path, *config_);
  if (!loaded) {
    return Fail(loaded.error());
  }
  for (const auto& bad : loaded->skipped) {
    log::Error("skipping a stored alert that does not decode", {{"id", bad.id}, {"error", bad.error}});
  }
  std::vector<rules::Silence> silences;
  {
    auto rows = (*db)->Prepare("SELECT doc FROM silences");
    while (rows && rows->Step().value_or(false)) {
      if (auto s = store::DecodeSilence(rows->Text(0))) {
        silences.push_back(std::move(*s));
      }
    }
  }
  {
    auto rows = (*db)->Prepare("SELECT doc FROM overrides");
    while (rows && rows->Step().value_or(false)) {
      boost::system::error_code ec;
      const json::value v = json::parse(rows->Text(0), ec);
      if (ec || !v.is_object()) {
        continue;
      }
      const auto& o = v.as_object();
      schedule::OverrideSpec spec;
      spec.id = StringField(o, "id");
      spec.person = StringField(o, "person");
      spec.replaces = StringField(o, "replaces");
      spec.team = StringField(o, "team");
      spec.note = StringField(o, "note");
      spec.start = TimePoint{std::chrono::milliseconds(o.at("start").to_number<std::int64_t>())};
      spec.end = TimePoint{std::chrono::milliseconds(o.at("end").to_number<std::int64_t>())};
      if (spec.id.starts_with("o-")) {
        next_override_ = std::max<std::uint64_t>(next_override_, std::stoull(spec.id.substr(2)) + 1);
      }
      runtime_overrides_.push_back(std::move(spec));
    }
  }
  std::vector<Outgoing> pending;
  {
    auto rows = (*db)->Prepare(
        "SELECT idempotency_key, channel, recipient, kind, payload, created_at, attempts FROM outbox "
        "WHERE state = 'pending' ORDER BY id");
    while (rows && rows->Step().value_or(false)) {
      notify::Message m;
      m.id = rows->Text(0);
      m.recipient = rows->Text(2);
      m.kind = rows->Text(3);
      m.json = rows->Text(4);
      m.summary = m.kind + " (re-sent after restart)";
      m.created_ms = rows->Int(5);
      m.attempts = static_cast<int>(rows->Int(6));
      pending.push_back({std::move(m), rows->Text(1)});
    }
  }
  log::Info("store opened", {{"path", path}, {"schema", *version}, {"alerts", loaded->size()},
                             {"load_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - load_start)
                                             .count()},
                             {"silences", silences.size()}, {"overrides", runtime_overrides_.size()},
                             {"pending_notifications", pending.size()}});
  writer_ = std::make_unique<store::Writer>(std::move(*db), 1000, [this](std::size_t n, double s) {
    metrics_.StoreCommitted(n, s);
  });
  Rebuild();  // the roster with the restored run-time overrides
  engine_->Restore(std::move(loaded->parts), std::move(silences), clock_.Now());
  // Deadlines that passed while rota was down fire now, once.
  engine_->Tick(clock_.Now());
  Commit(nullptr);
  // Notifications decided but not confirmed sent before the stop go out again,
  // with the same Idempotency-Key (receivers drop repeats).
  Send(std::move(pending), /*retry=*/true);
  Arm();
  return {};
}

void Pipeline::Rebuild() {
  auto roster = std::make_shared<const schedule::Roster>(
      config::ToRosterSpec(*config_, runtime_overrides_));
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
        !std::equal(overrides_snapshot_.begin(), overrides_snapshot_.end(), runtime_overrides_.begin(),
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
  }
}

void Pipeline::GaugeLoop() {
  // Retention: resolved alerts and finished notifications older than
  // storage.retention are forgotten (in memory and in the store).
  const TimePoint horizon = clock_.Now() - config_->storage.retention;
  if (const auto pruned = engine_->PruneResolved(horizon); pruned > 0) {
    log::Debug("forgot resolved alerts", {{"count", pruned}});
    Commit(nullptr);
  }
  if (writer_) {
    writer_->Submit(
        [cutoff = horizon.time_since_epoch().count()](store::Db& db) -> Result<void> {
          return store::PruneFinishedOutbox(db, cutoff);
        },
        nullptr);
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
  if (stopped_ || !engine_) {
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

std::vector<Pipeline::Outgoing> Pipeline::Build(TimePoint now) {
  std::vector<Outgoing> outgoing;
  std::set<engine::AlertId> timed;
  for (auto& n : engine_->TakeNotifications()) {
    const config::Person* person = config_->FindPerson(n.person);
    if (person == nullptr) {
      continue;
    }
    if (n.kind != engine::NotificationKind::kResolved) {
      for (engine::AlertId id : n.alerts) {
        const engine::Alert* a = engine_->Find(id);
        if (a != nullptr && a->first_notified_at == n.at && timed.insert(id).second) {
          metrics_.ObserveTimeToNotification(
              std::chrono::duration<double>(n.at - a->created_at).count());
        }
      }
    }
    json::array alerts;
    std::string summary;
    const auto add_alert = [&](engine::AlertId id, json::array& into) {
      const engine::Alert* a = engine_->Find(id);
      if (a == nullptr) {
        return;
      }
      // A signed link when a key is configured; else the API (needs a token).
      const std::string& key = config_->global.ack_key.Reveal();
      const std::string ack_url =
          key.empty() ? config_->global.external_url + "/api/v1/alerts/" + std::to_string(a->id) + "/ack"
                      : config_->global.external_url +
                            api::AckPath(key, a->id, now + config_->global.ack_link_ttl, n.person);
      into.push_back(json::object{
          {"id", std::to_string(a->id)},
          {"fingerprint", a->key},
          {"status", engine::AlertStateName(a->state)},
          {"labels", api::LabelsJson(a->labels)},
          {"annotations", api::AnnotationsJson(a->annotations)},
          {"starts_at", FormatRfc3339(a->starts_at)},
          {"ack_url", ack_url}});
      if (summary.size() < 200) {
        summary += (summary.empty() ? "" : "; ") + std::string(a->labels.Get("alertname"));
      }
    };
    for (engine::AlertId id : n.alerts) {
      add_alert(id, alerts);
    }
    json::array resolved;
    for (engine::AlertId id : n.resolved) {
      add_alert(id, resolved);
    }
    const std::string first_ack =
        alerts.empty() ? std::string()
                       : std::string(alerts.front().as_object().at("ack_url").as_string());
    for (std::size_t c = 0; c < person->contacts.size(); ++c) {
      const auto& contact = person->contacts[c];
      auto ch = channels_.find(contact.channel);
      if (ch == channels_.end()) {
        continue;
      }
      notify::Message m;
      m.id = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                n.at.time_since_epoch())
                                .count()) +
             "-" + std::to_string(n.id) + "-" + std::to_string(c);
      m.recipient = n.person;
      m.to = contact.to;
      m.created_ms = n.at.time_since_epoch().count();
      m.alert_ids = n.alerts;
      m.alert_ids.insert(m.alert_ids.end(), n.resolved.begin(), n.resolved.end());
      m.kind = std::string(engine::NotificationKindName(n.kind));
      m.summary = m.kind + ": " + summary;
      m.json = json::serialize(json::object{
          {"notification_id", m.id},
          {"recipient", n.person},
          {"to", contact.to},
          {"kind", m.kind},
          {"alerts", alerts},
          {"resolved_alerts", resolved},
          {"route", n.route},
          {"step", n.step},
          {"reason", n.reason},
          {"held_seconds", std::chrono::duration_cast<std::chrono::seconds>(n.held).count()},
          {"ack_url", first_ack.empty() ? json::value(nullptr) : json::value(first_ack)}});
      outgoing.push_back({std::move(m), contact.channel});
    }
    if (person->contacts.empty()) {
      log::Warn("person on duty has no contacts; notification dropped", {{"recipient", n.person}});
    }
  }
  return outgoing;
}

void Pipeline::Send(std::vector<Outgoing> outgoing, bool retry) {
  const TimePoint now = clock_.Now();
  for (auto& o : outgoing) {
    // Hours are law: the final guard, at the instant of sending.
    if (!roster_->IsOnDuty(o.message.recipient, now)) {
      if (retry) {
        // Expected: the person's hours ended before the receiver came back.
        log::Warn("not retrying a notification: the person's hours have ended",
                  {{"recipient", o.message.recipient}, {"id", o.message.id}});
        metrics_.NotificationSent(o.channel, o.message.kind, "failed");
        for (auto id : o.message.alert_ids) {
          engine_->Annotate(id, now, "not delivered to " + o.message.recipient +
                                         ": their hours ended before " + o.channel + " answered");
        }
      } else {
        metrics_.NotificationRefusedOffDuty();
        log::Error("refused a notification outside the person's hours",
                   {{"recipient", o.message.recipient}, {"kind", o.message.kind}, {"id", o.message.id}});
      }
      MarkOutbox(o.message.id, "failed", "refused: the person is not on duty");
      continue;
    }
    auto ch = channels_.find(o.channel);
    if (ch == channels_.end()) {
      MarkOutbox(o.message.id, "failed", "channel " + o.channel + " is no longer configured");
      continue;
    }
    dispatcher_.Submit(std::move(o.message), ch->second);
  }
}

namespace {

struct AlertRow {
  engine::AlertId id;
  std::string key;
  std::string state;
  std::int64_t updated;
  std::optional<std::int64_t> resolved;
  std::string doc;
};

struct OutboxRow {
  std::string key;
  std::string channel;
  std::string recipient;
  std::string kind;
  std::string payload;
};

// (id, end in Unix ms, JSON document)
using Docs = std::vector<std::tuple<std::string, std::int64_t, std::string>>;

// Replaces a small table (silences, overrides) with `items`.
Result<void> ReplaceTable(store::Db& db, const std::string& table, const std::string& end_column,
                          const Docs& items) {
  if (auto r = db.Exec("DELETE FROM " + table); !r) {
    return r;
  }
  auto ins = db.Prepare("INSERT INTO " + table + "(id, " + end_column + ", doc) VALUES (?1, ?2, ?3)");
  if (!ins) {
    return Fail(ins.error());
  }
  for (const auto& [id, end, doc] : items) {
    if (auto r = ins->Bind(1, id).Bind(2, end).Bind(3, doc).Run(); !r) {
      return r;
    }
  }
  return {};
}

Result<void> WriteChanges(store::Db& db, const std::vector<AlertRow>& rows,
                          const std::vector<engine::AlertId>& forgotten,
                          const std::optional<Docs>& silences, const std::optional<Docs>& overrides,
                          const std::vector<OutboxRow>& outbox, std::int64_t now_ms) {
  auto up_ = db.Cached(
      "INSERT INTO alerts(id, key, state, updated_at, resolved_at, doc) VALUES (?1,?2,?3,?4,?5,?6) "
      "ON CONFLICT(id) DO UPDATE SET key=excluded.key, state=excluded.state, "
      "updated_at=excluded.updated_at, resolved_at=excluded.resolved_at, doc=excluded.doc");
  if (!up_) {
    return Fail(up_.error());
  }
  store::Statement* up = *up_;
  for (const auto& row : rows) {
    up->Bind(1, static_cast<std::int64_t>(row.id)).Bind(2, row.key).Bind(3, row.state);
    up->Bind(4, row.updated).Bind(6, row.doc);
    if (row.resolved) {
      up->Bind(5, *row.resolved);
    } else {
      up->BindNull(5);
    }
    if (auto r = up->Run(); !r) {
      return r;
    }
  }
  auto del_ = db.Cached("DELETE FROM alerts WHERE id = ?1");
  if (!del_) {
    return Fail(del_.error());
  }
  store::Statement* del = *del_;
  for (auto id : forgotten) {
    if (auto r = del->Bind(1, static_cast<std::int64_t>(id)).Run(); !r) {
      return r;
    }
  }
  if (silences) {
    if (auto r = ReplaceTable(db, "silences", "ends_at", *silences); !r) {
      return r;
    }
  }
  if (overrides) {
    if (auto r = ReplaceTable(db, "overrides", "end_at", *overrides); !r) {
      return r;
    }
  }
  auto ob_ = db.Cached(
      "INSERT OR IGNORE INTO outbox(idempotency_key, channel, recipient, kind, payload, created_at, "
      "next_attempt_at) VALUES (?1,?2,?3,?4,?5,?6,?6)");
  if (!ob_) {
    return Fail(ob_.error());
  }
  store::Statement* ob = *ob_;
  for (const auto& o : outbox) {
    ob->Bind(1, o.key).Bind(2, o.channel).Bind(3, o.recipient).Bind(4, o.kind).Bind(5, o.payload);
    if (auto r = ob->Bind(6, now_ms).Run(); !r) {
      return r;
    }
  }
  return {};
}

}  // namespace

void Pipeline::Write(std::function<void(const Result<void>&)> then) {
  const TimePoint now = clock_.Now();
  auto outgoing = Build(now);
  auto changes = engine_->TakeChanges();
  if (!writer_) {
    Send(std::move(outgoing));
    if (then) {
      then({});
    }
    return;
  }
  // Everything the write needs is copied here, on the strand: the writer
  // thread never touches the engine.
  std::vector<AlertRow> rows;
  for (engine::AlertId id : changes.changed) {
    if (const engine::Alert* a = engine_->Find(id)) {
      rows.push_back({id, a->key, std::string(engine::AlertStateName(a->state)),
                      a->updated_at.time_since_epoch().count(),
                      a->resolved_at ? std::optional<std::int64_t>(a->resolved_at->time_since_epoch().count())
                                     : std::nullopt,
                      store::EncodeAlert(*a, *config_)});
    }
  }
  std::optional<Docs> silences;
  if (silences_changed_) {
    silences.emplace();
    for (const auto& s : engine_->silences()) {
      silences->emplace_back(s.id, s.ends_at.time_since_epoch().count(), store::EncodeSilence(s));
    }
    silences_changed_ = false;
  }
  std::optional<Docs> overrides;
  if (overrides_changed_) {
    overrides.emplace();
    for (const auto& o : runtime_overrides_) {
      overrides->emplace_back(
          o.id, o.end.time_since_epoch().count(), json::serialize(json::object{{"id", o.id},
                                             {"person", o.person},
                                             {"replaces", o.replaces},
                                             {"team", o.team},
                                             {"start", o.start.time_since_epoch().count()},
                                             {"end", o.end.time_since_epoch().count()},
                                             {"note", o.note}}));
    }
    overrides_changed_ = false;
  }
  std::vector<OutboxRow> outbox;
  for (const auto& o : outgoing) {
    outbox.push_back({o.message.id, o.channel, o.message.recipient, o.message.kind, o.message.json});
  }
  const bool had_silences = silences.has_value();
  const bool had_overrides = overrides.has_value();
  auto work = [rows = std::move(rows), forgotten = changes.forgotten, silences = std::move(silences),
               overrides = std::move(overrides), outbox = std::move(outbox),
               now_ms = now.time_since_epoch().count()](store::Db& db) {
    return WriteChanges(db, rows, forgotten, silences, overrides, outbox, now_ms);
  };
  auto done = [this, outgoing = std::move(outgoing), changed = std::move(changes.changed),
               had_silences, had_overrides, then](const Result<void>& r) mutable {
    asio::post(strand_, [this, r, outgoing = std::move(outgoing), changed = std::move(changed),
                         had_silences, had_overrides, then]() mutable {
      if (r) {
        if (!store_ok_.exchange(true)) {
          log::Info("the store is writable again");
        }
        metrics_.SetStoreUp(true);
      } else {
        // Nothing of this was written: it goes out with the next commit.
        engine_->MarkChanged(changed);
        silences_changed_ = silences_changed_ || had_silences;
        overrides_changed_ = overrides_changed_ || had_overrides;
        if (store_ok_.exchange(false)) {
          log::Error("cannot write to the store; answering 503 until it can",
                     {{"error", r.error().message()}});
        }
        metrics_.SetStoreUp(false);
      }
      // Decisions are sent even when they could not be stored: told twice beats never.
      Send(std::move(outgoing));
      if (then) {
        then(r);
      }
    });
  };
  writer_->Submit(std::move(work), std::move(done));
}

void Pipeline::HandleResult(notify::Message m, const std::string& channel,
                            const notify::SendResult& r) {
  const TimePoint now = clock_.Now();
  m.attempts += 1;
  const char* outcome = r.outcome == notify::SendOutcome::kDelivered ? "delivered"
                        : r.outcome == notify::SendOutcome::kRejected ? "rejected"
                                                                       : "failed";
  metrics_.NotificationAttempt(channel, outcome);
  const config::Channel* cfg = config_->FindChannel(channel);
  const Duration max_age = cfg != nullptr ? cfg->retry_max_age : std::chrono::hours(1);
  const Duration age = now - TimePoint{std::chrono::milliseconds(m.created_ms)};
  if (r.outcome == notify::SendOutcome::kFailed && age < max_age) {
    // Exponential backoff with jitter: 1 s, 2 s, 4 s, ... at most 5 min, times 0.5-1.0.
    const auto base = std::min<std::int64_t>(300000, 1000LL << std::min(m.attempts - 1, 20));
    const auto delay = std::chrono::milliseconds(base / 2 + static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(base / 2 + 1)));
    const TimePoint next = now + delay;
    log::Warn("notification not delivered; will retry",
              {{"channel", channel}, {"recipient", m.recipient}, {"id", m.id},
               {"attempt", m.attempts}, {"error", r.detail}, {"retry_at", FormatRfc3339(next)}});
    if (writer_) {
      writer_->Submit(
          [key = m.id, attempts = m.attempts, next_ms = next.time_since_epoch().count(),
           error = r.detail](store::Db& db) -> Result<void> {
            auto s = db.Cached("UPDATE outbox SET attempts=?2, next_attempt_at=?3, last_error=?4 "
                               "WHERE idempotency_key=?1");
            if (!s) {
              return Fail(s.error());
            }
            return (*s)->Bind(1, key).Bind(2, static_cast<std::int64_t>(attempts)).Bind(3, next_ms)
                .Bind(4, error).Run();
          },
          nullptr);
    }
    retries_.emplace(next, Outgoing{std::move(m), channel});
    ArmRetry();
    return;
  }
  const std::string final_outcome = r.outcome == notify::SendOutcome::kDelivered ? "delivered"
                                    : r.outcome == notify::SendOutcome::kRejected ? "rejected"
                                                                                   : "failed";
  metrics_.NotificationSent(channel, m.kind, final_outcome);
  const std::string note = final_outcome + " to " + m.recipient + " via " + channel + " (" +
                           r.detail + ", " + std::to_string(m.attempts) + " attempt" +
                           (m.attempts == 1 ? ")" : "s)") +
                           (r.outcome == notify::SendOutcome::kFailed ? "; gave up after retry_max_age" : "");
  if (r.outcome != notify::SendOutcome::kDelivered) {
    log::Warn("notification not delivered", {{"channel", channel}, {"recipient", m.recipient},
                                             {"kind", m.kind}, {"id", m.id},
                                             {"attempts", m.attempts}, {"error", r.detail}});
  }
  for (auto id : m.alert_ids) {
    engine_->Annotate(id, now, note);
  }
  MarkOutbox(m.id, final_outcome == "delivered" ? "delivered" : "failed", r.detail);
  Commit(nullptr);
}

void Pipeline::ArmRetry() {
  if (stopped_ || retries_.empty()) {
    return;
  }
  const TimePoint first = retries_.begin()->first;
  if (retry_armed_for_ && *retry_armed_for_ <= first) {
    return;
  }
  retry_armed_for_ = first;
  retry_timer_.expires_after(std::max(Duration(0), first - clock_.Now()));
  retry_timer_.async_wait(asio::bind_executor(strand_, [this](const boost::system::error_code& ec) {
    if (ec || stopped_) {
      return;
    }
    retry_armed_for_.reset();
    const TimePoint now = clock_.Now();
    std::vector<Outgoing> due;
    while (!retries_.empty() && retries_.begin()->first <= now) {
      due.push_back(std::move(retries_.begin()->second));
      retries_.erase(retries_.begin());
    }
    Send(std::move(due), /*retry=*/true);
    ArmRetry();
  }));
}

void Pipeline::MarkOutbox(const std::string& key, const std::string& state, const std::string& error) {
  if (!writer_) {
    return;
  }
  writer_->Submit(
      [key, state, error](store::Db& db) -> Result<void> {
        auto s = db.Cached(
            "UPDATE outbox SET state=?2, attempts=attempts+1, last_error=?3 WHERE idempotency_key=?1");
        if (!s) {
          return Fail(s.error());
        }
        return (*s)->Bind(1, key).Bind(2, state).Bind(3, error).Run();
      },
      nullptr);
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
  for (const auto& c : config_->channels) {
    pending[c.name] = {0, 0};
  }
  const auto now_ms = clock_.Now().time_since_epoch().count();
  for (const auto& [at, o] : retries_) {
    auto& p = pending[o.channel];
    p.first += 1;
    p.second = std::max(p.second, static_cast<double>(now_ms - o.message.created_ms) / 1000.0);
  }
  metrics_.SetOutboxPending(pending);
  metrics_.SetEscalations(static_cast<double>(engine_->counters().escalations));
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

Result<std::string> Pipeline::AddOverride(schedule::OverrideSpec spec) {
  for (const auto& who : {spec.person, spec.replaces}) {
    if (!who.empty() && config_->FindPerson(who) == nullptr) {
      return Fail(Error::InvalidArgument("unknown person \"" + who + "\""));
    }
  }
  if (!spec.team.empty() && config_->FindTeam(spec.team) == nullptr) {
    return Fail(Error::InvalidArgument("unknown team \"" + spec.team + "\""));
  }
  spec.id = "o-" + std::to_string(next_override_++);
  std::string id = spec.id;
  runtime_overrides_.push_back(std::move(spec));
  Rebuild();
  overrides_changed_ = true;
  return id;
}

Result<void> Pipeline::RemoveOverride(const std::string& id) {
  const auto before = runtime_overrides_.size();
  std::erase_if(runtime_overrides_, [&](const auto& o) { return o.id == id; });
  if (runtime_overrides_.size() == before) {
    return Fail(Error::NotFound(id.starts_with("config-")
                                    ? "override " + id + " is in the config file; edit it there"
                                    : "no run-time override " + id));
  }
  Rebuild();
  overrides_changed_ = true;
  return {};
}

void Pipeline::CountEvent(const std::string& source, std::string_view outcome) {
  metrics_.EventReceived(source, std::string(outcome));
}

void Pipeline::Stop(std::chrono::milliseconds deadline) {
  stopped_ = true;
  timer_.cancel();
  gauge_timer_.cancel();
  retry_timer_.cancel();
  dispatcher_.Stop(deadline);
  if (writer_) {
    writer_->Stop();  // what is queued is written, then the database closes
  }
}

}  // namespace rota::app
