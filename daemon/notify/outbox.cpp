#include "notify/outbox.h"

#include <algorithm>

namespace rota::notify {
namespace {

// How many (contact, alert) pairs whose alert notice failed are remembered.
constexpr std::size_t kUnreachedMemory = 10000;

std::string ContactOf(const Outgoing& o) {
  return o.message.recipient + '\x1f' + o.channel + '\x1f' + o.message.to;
}

bool IsAlertNotice(const std::string& kind) { return kind == "alert" || kind == "digest"; }

}  // namespace

std::string_view OutboxStateName(OutboxState s) {
  switch (s) {
    case OutboxState::kPending:
      return "pending";
    case OutboxState::kSending:
      return "sending";
    case OutboxState::kDelivered:
      return "delivered";
    case OutboxState::kFailed:
      return "failed";
  }
  return "failed";
}

Outbox::Outbox(Guard guard, ChannelKnown known, std::uint64_t seed)
    : guard_(std::move(guard)), known_(std::move(known)), rng_(seed) {}

void Outbox::Track(const Outgoing& o) {
  const std::uint64_t seq = next_seq_++;
  std::string contact = ContactOf(o);
  open_[contact][seq] = Open{o.message.alert_ids};
  where_[o.message.id] = Where{std::move(contact), seq, o.channel, o.message.created_ms};
}

bool Outbox::HeldBack(const std::string& contact, std::uint64_t seq,
                      const std::vector<std::uint64_t>& alerts) const {
  const auto it = open_.find(contact);
  if (it == open_.end()) {
    return false;
  }
  for (auto m = it->second.begin(); m != it->second.end() && m->first < seq; ++m) {
    for (std::uint64_t a : m->second.alerts) {
      if (std::find(alerts.begin(), alerts.end(), a) != alerts.end()) {
        return true;
      }
    }
  }
  return false;
}

bool Outbox::NeverReached(const std::string& contact, const Outgoing& o) const {
  if (o.message.kind != "resolved" || o.message.alert_ids.empty()) {
    return false;
  }
  return std::all_of(o.message.alert_ids.begin(), o.message.alert_ids.end(), [&](std::uint64_t a) {
    return unreached_.count({contact, a}) > 0;
  });
}

void Outbox::TryAttempt(Outgoing o, TimePoint now, bool retry) {
  const auto w = where_.find(o.message.id);
  if (w == where_.end()) {
    Attempt(std::move(o), now, retry);  // not tracked (cannot happen): no order to keep
    return;
  }
  const std::string contact = w->second.contact;
  const std::uint64_t seq = w->second.seq;
  if (NeverReached(contact, o)) {
    marks_.push_back({o.message.id,
                      OutboxState::kFailed,
                      o.message.attempts,
                      {},
                      "superseded: the alert notice before it never reached this contact"});
    Event(OutboxEvent::Kind::kSuperseded, o,
          "the alert notice before it never reached this contact");
    Finish(o, false, now);
    return;
  }
  if (HeldBack(contact, seq, o.message.alert_ids)) {
    // When it goes, the person's hours may have ended meanwhile: expected,
    // as for a retry.
    held_back_[contact].emplace(seq, Queued{std::move(o), true});
    return;
  }
  Attempt(std::move(o), now, retry);
}

void Outbox::Finish(const Outgoing& o, bool delivered, TimePoint now) {
  const auto w = where_.find(o.message.id);
  if (w == where_.end()) {
    return;
  }
  const std::string contact = w->second.contact;
  const std::uint64_t seq = w->second.seq;
  where_.erase(w);
  if (auto it = open_.find(contact); it != open_.end()) {
    it->second.erase(seq);
    if (it->second.empty()) {
      open_.erase(it);
    }
  }
  if (!delivered && IsAlertNotice(o.message.kind)) {
    for (std::uint64_t a : o.message.alert_ids) {
      if (unreached_.insert({contact, a}).second) {
        unreached_order_.emplace_back(contact, a);
      }
    }
    while (unreached_order_.size() > kUnreachedMemory) {
      unreached_.erase(unreached_order_.front());
      unreached_order_.pop_front();
    }
  }
  // Those waiting behind it may go now, in their order.
  auto hb = held_back_.find(contact);
  if (hb == held_back_.end()) {
    return;
  }
  std::vector<Queued> go;
  for (auto it = hb->second.begin(); it != hb->second.end();) {
    if (HeldBack(contact, it->first, it->second.o.message.alert_ids)) {
      ++it;
      continue;
    }
    go.push_back(std::move(it->second));
    it = hb->second.erase(it);
  }
  if (hb->second.empty()) {
    held_back_.erase(hb);
  }
  for (auto& g : go) {
    TryAttempt(std::move(g.o), now, g.retry);
  }
}

void Outbox::Add(std::vector<Outgoing> items, TimePoint now) {
  for (auto& o : items) {
    Track(o);
    const TimePoint not_before{std::chrono::milliseconds(o.message.not_before_ms)};
    if (not_before > now) {
      pending_.emplace(not_before, std::move(o));
      continue;
    }
    TryAttempt(std::move(o), now, /*retry=*/false);
  }
}

void Outbox::Restore(std::vector<Outgoing> items, const std::vector<TimePoint>& next_attempts,
                     TimePoint now) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    const TimePoint at = i < next_attempts.size() ? std::max(next_attempts[i], now) : now;
    Track(items[i]);
    pending_.emplace(at, std::move(items[i]));
  }
  Tick(now);
}

void Outbox::Clear() {
  pending_.clear();
  open_.clear();
  where_.clear();
  held_back_.clear();
  unreached_.clear();
  unreached_order_.clear();
  sending_ = 0;
  sends_.clear();
  marks_.clear();
  events_.clear();
}

void Outbox::Attempt(Outgoing o, TimePoint now, bool retry) {
  const int attempts = o.message.attempts;
  // A delayed contact: only while its alerts are still unacknowledged.
  if (o.message.not_before_ms > 0 && attempts == 0 && wanted_ && !wanted_(o.message)) {
    marks_.push_back({o.message.id,
                      OutboxState::kFailed,
                      attempts,
                      {},
                      "not needed: acknowledged or resolved before this contact's turn"});
    Event(OutboxEvent::Kind::kNotNeeded, o, "acknowledged or resolved before this contact's turn");
    Finish(o, false, now);
    return;
  }
  // Hours are law: the final guard, at the instant of sending.
  if (!guard_(o.message.recipient, now)) {
    marks_.push_back(
        {o.message.id, OutboxState::kFailed, attempts, {}, "refused: the person is not on duty"});
    Event(retry ? OutboxEvent::Kind::kHoursEnded : OutboxEvent::Kind::kRefused, o,
          "the person is not on duty");
    Finish(o, false, now);
    return;
  }
  if (!known_(o.channel)) {
    marks_.push_back({o.message.id,
                      OutboxState::kFailed,
                      attempts,
                      {},
                      "channel " + o.channel + " is no longer configured"});
    Event(OutboxEvent::Kind::kNoChannel, o, "channel " + o.channel + " is no longer configured");
    Finish(o, false, now);
    return;
  }
  ++sending_;
  sends_.push_back(std::move(o));
}

Duration Outbox::Backoff(int attempts) {
  const std::int64_t base = std::min<std::int64_t>(300000, 1000LL << std::min(attempts - 1, 20));
  const auto half = static_cast<std::uint64_t>(base / 2);
  return std::chrono::milliseconds(base / 2 + static_cast<std::int64_t>(rng_() % (half + 1)));
}

Duration Outbox::MaxAge(const std::string& channel) const {
  const auto it = max_age_.find(channel);
  return it != max_age_.end() ? it->second : Duration(std::chrono::hours(1));
}

void Outbox::OnResult(Message m, const std::string& channel, const SendResult& r, TimePoint now) {
  sending_ = sending_ > 0 ? sending_ - 1 : 0;
  m.attempts += 1;
  Outgoing o{std::move(m), channel};
  const Duration age = now - TimePoint{std::chrono::milliseconds(o.message.created_ms)};
  if (r.outcome == SendOutcome::kFailed && age < MaxAge(channel)) {
    const TimePoint next = now + Backoff(o.message.attempts);
    marks_.push_back({o.message.id, OutboxState::kPending, o.message.attempts, next, r.detail});
    Event(OutboxEvent::Kind::kRetrying, o, r.detail, next);
    pending_.emplace(next, std::move(o));
    return;
  }
  const bool delivered = r.outcome == SendOutcome::kDelivered;
  marks_.push_back({o.message.id,
                    delivered ? OutboxState::kDelivered : OutboxState::kFailed,
                    o.message.attempts,
                    {},
                    r.detail});
  Event(delivered                             ? OutboxEvent::Kind::kDelivered
        : r.outcome == SendOutcome::kRejected ? OutboxEvent::Kind::kRejected
                                              : OutboxEvent::Kind::kGaveUp,
        o, r.detail);
  Finish(o, delivered, now);
}

void Outbox::Tick(TimePoint now) {
  while (!pending_.empty() && pending_.begin()->first <= now) {
    Outgoing o = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    TryAttempt(std::move(o), now, /*retry=*/true);
  }
}

std::optional<TimePoint> Outbox::NextDue() const {
  if (pending_.empty()) {
    return std::nullopt;
  }
  return pending_.begin()->first;
}

std::vector<Outgoing> Outbox::TakeSends() { return std::exchange(sends_, {}); }
std::vector<OutboxMark> Outbox::TakeMarks() { return std::exchange(marks_, {}); }
std::vector<OutboxEvent> Outbox::TakeEvents() { return std::exchange(events_, {}); }

std::map<std::string, Outbox::Waiting> Outbox::WaitingByChannel(TimePoint now) const {
  std::map<std::string, Waiting> out;
  for (const auto& [channel, age] : max_age_) {
    out[channel];
  }
  const auto now_ms = now.time_since_epoch().count();
  for (const auto& [id, where] : where_) {
    auto& w = out[where.channel];
    w.count += 1;
    w.oldest_seconds =
        std::max(w.oldest_seconds, static_cast<double>(now_ms - where.created_ms) / 1000.0);
  }
  return out;
}

void Outbox::Event(OutboxEvent::Kind kind, const Outgoing& o, std::string detail,
                   TimePoint retry_at) {
  events_.push_back({kind, o.message.id, o.channel, o.message.recipient, o.message.kind,
                     o.message.alert_ids, o.message.attempts, std::move(detail), retry_at});
}

}  // namespace rota::notify
