// The pipeline's side of delivery: decisions become messages (Compose), the
// outbox hands what is due to the dispatcher's lanes (Pump), and each
// outcome comes back to the strand as a timeline entry, a metric and a mark
// written with the next commit (OnSendResults, Report); retries and marks
// have timers of their own.
#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <set>

#include "api/ack_link.h"
#include "app/pipeline.h"
#include "app/pipeline_rows.h"
#include "core/time.h"
#include "log/log.h"
#include "notify/compose.h"

namespace rota::app {

namespace asio = boost::asio;
using pipeline_rows::kMarkFlushDelay;
using pipeline_rows::Ms;
using pipeline_rows::StoredState;

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

}  // namespace rota::app
