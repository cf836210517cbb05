// Compose: the engine's decision to tell a person (engine::Notification)
// becomes one Message per contact of that person, each bound to its
// channel, with the notification's data built once (docs/api.md "The outgoing
// webhook"): recipient, to, kind, alerts (id, fingerprint, status, labels,
// annotations, starts_at, ack_url), resolved_alerts, route, step, reason,
// held_seconds, ack_url.
//
// Idempotency keys are stable per notification and contact:
// "<decided at, Unix ms>-<notification id>-<contact index>".
//
// Pure; thread-safety: call with state the caller owns (the engine's strand).
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "engine/engine.h"
#include "notify/outbox.h"
#include "schedule/roster.h"

namespace rota::notify {

struct ComposeContext {
  // The alert of an id, or null when it is gone.
  std::function<const engine::Alert*(engine::AlertId)> find;
  // The link that acknowledges `alert` as `person`.
  std::function<std::string(engine::AlertId alert, const std::string& person)> ack_url;
  // Whether a channel of that name is configured.
  std::function<bool(const std::string& channel)> has_channel;
  // Whether the channel takes one request per alert (config::Channel::PerAlert);
  // may be empty (none does).
  std::function<bool(const std::string& channel)> per_alert = nullptr;
  // The alert's thread in a chat channel ("": none); may be empty.
  std::function<std::string(engine::AlertId, const std::string& channel)> thread = nullptr;
};

// One Outgoing per contact of `person` whose channel exists (none when the
// person has no contacts).
std::vector<Outgoing> Compose(const engine::Notification& n, const config::Person& person,
                              const ComposeContext& ctx);

// A review digest (docs/reviews.md) for each recipient of `review`, made at
// `occurrence`: per person one per contact whose channel exists, per
// channel:NAME one to the channel's own address. Kind "review"; the body
// carries `review` (what templates render) and `report` (the API's JSON).
// Ids are stable per schedule, occurrence, recipient and contact, so a
// re-send after a crash carries the same Idempotency-Key.
//
// Hours are law for people: a person off duty at `now` gets it at the start
// of their next on-duty time (`at`); one with no on-duty time within the
// roster's horizon gets none (named in `unreachable`). Channels have no
// hours: at `now`.
struct ReviewDigest {
  std::vector<Outgoing> out;
  std::vector<TimePoint> at;  // each one's first attempt
  std::vector<std::string> unreachable;
};
ReviewDigest ComposeReview(const config::Config& config, const schedule::Roster& roster,
                           const config::Review& review, const boost::json::object& review_data,
                           const boost::json::object& report, TimePoint occurrence, TimePoint now,
                           const std::function<bool(const std::string&)>& has_channel);

}  // namespace rota::notify
