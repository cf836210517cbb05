// Outbox: what becomes of each notification once the decision that made it
// is durable. A pure state machine (time and randomness are injected); the
// shell feeds it, hands its sends to the Dispatcher and stores its marks
// with the next group commit.
//
//   pending    written, waiting for its next attempt (at next_attempt)
//   sending    handed to its channel
//   delivered  the receiver took it                         (final)
//   failed     rejected (4xx), out of retry_max_age, refused by the
//              send-time guard, or its channel is gone       (final)
//
// A failed attempt (5xx, 429, timeout, network) is retried with exponential
// backoff and jitter: 1 s, 2 s, 4 s, ... at most 5 min, each times 0.5-1.0,
// until the channel's retry_max_age after the decision. The next attempt's
// instant is stored, so a restart resumes the schedule instead of sending
// every pending notification at once.
//
// Order: a notification about an alert is never attempted while an earlier
// one about the same alert to the same contact (recipient, channel, address)
// is unfinished (pending a retry, or sending): it waits, then goes. A
// `resolved` notice whose alert notices to that contact all failed for good
// is not sent at all (superseded): nobody hears "resolved" about an alert
// they never heard of.
//
// Hours are law: every attempt, first or retry, asks the injected guard
// whether the recipient is on duty at that instant. A first attempt refused
// is a guard violation (the engine decided for someone off duty: a bug,
// counted); a retry refused is expected (their hours ended meanwhile).
//
// Thread-safety: none; it belongs to the engine's strand.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/duration.h"
#include "notify/channel.h"

namespace rota::notify {

enum class OutboxState { kPending, kSending, kDelivered, kFailed };
std::string_view OutboxStateName(OutboxState s);

// A notification for one contact, bound to its channel.
struct Outgoing {
  Message message;
  std::string channel;
};

// A change of a notification's stored row, to be written with the next commit.
struct OutboxMark {
  std::string key;  // the idempotency key (Message::id)
  OutboxState state = OutboxState::kPending;
  int attempts = 0;
  TimePoint next_attempt{};  // kPending only
  std::string error;
};

// What the shell reports: timelines, metrics, logs.
struct OutboxEvent {
  enum class Kind {
    kDelivered,   // final
    kRejected,    // final: the receiver refused it (4xx)
    kGaveUp,      // final: failures past retry_max_age
    kRetrying,    // will try again at `retry_at`
    kRefused,     // final: guard refused a first attempt (must never happen)
    kHoursEnded,  // final: guard refused a retry (the recipient went off duty)
    kNoChannel,   // final: the channel is no longer configured
    kNotNeeded,   // final: a delayed contact whose alerts were acknowledged meanwhile
    kSuperseded,  // final: a resolved notice whose alert notice never reached the contact
  };
  Kind kind;
  std::string id;
  std::string channel;
  std::string recipient;
  std::string message_kind;
  std::vector<std::uint64_t> alert_ids;
  int attempts = 0;
  std::string detail;
  TimePoint retry_at{};
};

class Outbox {
 public:
  // Nothing: the recipient is on duty at `now`; send.
  using Guard = std::function<bool(const std::string& recipient, TimePoint now)>;
  // Whether a channel of that name is configured now.
  using ChannelKnown = std::function<bool(const std::string& channel)>;

  Outbox(Guard guard, ChannelKnown known, std::uint64_t seed = std::random_device{}());

  // Whether a delayed contact's message is still wanted (its alerts still
  // unacknowledged); unset: always.
  using Wanted = std::function<bool(const Message& m)>;
  void SetWanted(Wanted wanted) { wanted_ = std::move(wanted); }
  // retry_max_age per channel (after a reload); unknown channels: 1 h.
  void SetMaxAges(std::map<std::string, Duration> max_age) { max_age_ = std::move(max_age); }

  // New notifications whose rows are durable: attempted now (a delayed
  // contact's at its not_before_ms).
  void Add(std::vector<Outgoing> items, TimePoint now);
  // Pending rows found at start-up: each attempted at its stored instant
  // (now, if that has passed). Attempts made before the restart count.
  void Restore(std::vector<Outgoing> items, const std::vector<TimePoint>& next_attempts,
               TimePoint now);
  // Forgets everything it holds (this instance stopped leading: the store
  // keeps what was pending, for the leader). Results of sends in flight
  // that arrive later are ignored like any unknown one.
  void Clear();
  // A channel's answer to one attempt.
  void OnResult(Message m, const std::string& channel, const SendResult& r, TimePoint now);
  // Attempts what is due at `now`.
  void Tick(TimePoint now);
  [[nodiscard]] std::optional<TimePoint> NextDue() const;

  // Effects, in order, since the last call.
  std::vector<Outgoing> TakeSends();
  std::vector<OutboxMark> TakeMarks();
  std::vector<OutboxEvent> TakeEvents();
  [[nodiscard]] bool HasMarks() const { return !marks_.empty(); }

  // Not yet finished, per channel (pending a retry, waiting behind an earlier
  // message to the same contact, or handed to a receiver that has not
  // answered): count and age of the oldest. Every configured channel has an
  // entry.
  struct Waiting {
    double count = 0;
    double oldest_seconds = 0;
  };
  [[nodiscard]] std::map<std::string, Waiting> WaitingByChannel(TimePoint now) const;
  [[nodiscard]] std::size_t Sending() const { return sending_; }
  // Notifications not yet finished (pending, waiting their turn, sending).
  [[nodiscard]] std::size_t Unfinished() const { return where_.size(); }

 private:
  void Attempt(Outgoing o, TimePoint now, bool retry);
  // Attempts now unless an earlier message of the same contact about one of
  // its alerts is unfinished; then it waits for that one.
  void TryAttempt(Outgoing o, TimePoint now, bool retry);
  void Track(const Outgoing& o);
  // A final mark for `o`: it no longer holds back later ones.
  void Finish(const Outgoing& o, bool delivered, TimePoint now);
  [[nodiscard]] bool HeldBack(const std::string& contact, std::uint64_t seq,
                              const std::vector<std::uint64_t>& alerts) const;
  [[nodiscard]] bool NeverReached(const std::string& contact, const Outgoing& o) const;
  Duration Backoff(int attempts);
  [[nodiscard]] Duration MaxAge(const std::string& channel) const;
  void Event(OutboxEvent::Kind kind, const Outgoing& o, std::string detail,
             TimePoint retry_at = {});

  Guard guard_;
  ChannelKnown known_;
  Wanted wanted_;
  std::mt19937_64 rng_;
  std::map<std::string, Duration> max_age_;
  std::multimap<TimePoint, Outgoing> pending_;  // by next attempt
  // Unfinished messages per contact, by the order they were added.
  struct Open {
    std::vector<std::uint64_t> alerts;
  };
  std::unordered_map<std::string, std::map<std::uint64_t, Open>> open_;
  struct Where {
    std::string contact;
    std::uint64_t seq = 0;
    std::string channel;
    std::int64_t created_ms = 0;
  };
  std::unordered_map<std::string, Where> where_;  // by message id
  struct Queued {
    Outgoing o;
    bool retry = false;
  };
  std::unordered_map<std::string, std::map<std::uint64_t, Queued>> held_back_;
  std::uint64_t next_seq_ = 1;
  // (contact, alert) whose alert notice failed for good: a later resolved
  // notice for it is superseded. Bounded: the oldest are forgotten.
  std::set<std::pair<std::string, std::uint64_t>> unreached_;
  std::deque<std::pair<std::string, std::uint64_t>> unreached_order_;
  std::size_t sending_ = 0;
  std::vector<Outgoing> sends_;
  std::vector<OutboxMark> marks_;
  std::vector<OutboxEvent> events_;
};

}  // namespace rota::notify
