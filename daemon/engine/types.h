// The engine's vocabulary: events in, alerts kept, notifications out.
//
// Pure data; thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/duration.h"
#include "core/labels.h"

namespace rota::engine {

using AlertId = std::uint64_t;
using Annotations = std::vector<std::pair<std::string, std::string>>;

enum class Action { kTrigger, kAcknowledge, kResolve };

// One message from a source, already decoded and validated by ingest/.
struct Event {
  Action action = Action::kTrigger;
  std::string source;  // alertmanager | prometheus | pagerduty | generic
  LabelSet labels;
  Annotations annotations;
  std::string dedup_key;  // empty: the fingerprint of `labels`
  std::optional<TimePoint> starts_at;
  // Past: the alert is resolved. Future: it resolves then unless refreshed
  // (Alertmanager's resolve_timeout semantics).
  std::optional<TimePoint> ends_at;
  std::string generator_url;
  std::string actor;  // who acknowledged or resolved, when the source says
};

enum class AlertState { kFiring, kAcknowledged, kResolved };
std::string_view AlertStateName(AlertState s);

// What happened to an alert, as the 202 answer and the API report it.
enum class Outcome {
  kNotified,      // someone on duty was told
  kHeld,          // nobody on duty: waits for held_until
  kGrouped,       // waiting for its group (group_wait / group_interval)
  kSilenced,      // a silence matches
  kInhibited,     // an inhibit rule matches
  kMuted,         // the route's mute/active time intervals say not now
  kDuplicate,     // the same alert is already open; updated, not re-paged
  kResolved,      // resolved (by this event or before)
  kAcknowledged,  // someone took it
  kUnrouted,      // no route matches: counted and logged
  kDropped,       // nobody on duty and the policy says drop
  kUnknown,       // acknowledge/resolve for a key rota does not know
};
// How many outcomes there are (for tables indexed by Outcome).
inline constexpr std::size_t kOutcomeCount = static_cast<std::size_t>(Outcome::kUnknown) + 1;
std::string_view OutcomeName(Outcome o);
// The inverse of OutcomeName; kUnknown for a name it does not know.
Outcome OutcomeFromName(std::string_view name);

// kAcknowledged goes only to channel targets that were told (a 24/7
// provider hears that someone took it: PagerDuty's acknowledge).
enum class NotificationKind { kAlert, kDigest, kResolved, kAcknowledged };
std::string_view NotificationKindName(NotificationKind k);

// A decision to tell one person about some alerts. The shell resolves the
// person's contacts to channels and sends; it never decides who.
struct Notification {
  std::uint64_t id = 0;
  std::string person;
  NotificationKind kind = NotificationKind::kAlert;
  std::vector<AlertId> alerts;    // firing ones (resolved ones for kResolved)
  std::vector<AlertId> resolved;  // digest only: resolved while held
  std::string route;
  int step = 0;        // 1-based escalation step
  Duration held{0};    // digest: how long the longest was held
  std::string reason;  // "escalation step 1", "handover from alice", ...
  TimePoint at{};
};

// The per-alert answer of an ingest.
struct IngestResult {
  AlertId id = 0;
  std::string key;
  Outcome status = Outcome::kNotified;
  std::vector<std::string> notified;
  std::optional<TimePoint> held_until;
  std::vector<std::string> next_on_duty;
};

}  // namespace rota::engine
