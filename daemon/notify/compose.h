// Compose: the engine's decision to tell a person (engine::Notification)
// becomes one Message per contact of that person, each bound to its
// channel, with the notification's data built once (DESIGN.md "The outgoing
// webhook"): recipient, to, kind, alerts (id, fingerprint, status, labels,
// annotations, starts_at, ack_url), resolved_alerts, route, step, reason,
// held_seconds, ack_url.
//
// Idempotency keys are stable per notification and contact:
// "<decided at, Unix ms>-<notification id>-<contact index>".
//
// Pure; thread-safety: call with state the caller owns (the engine's strand).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "engine/engine.h"
#include "notify/outbox.h"

namespace rota::notify {

struct ComposeContext {
  // The alert of an id, or null when it is gone.
  std::function<const engine::Alert*(engine::AlertId)> find;
  // The link that acknowledges `alert` as `person`.
  std::function<std::string(engine::AlertId alert, const std::string& person)> ack_url;
  // Whether a channel of that name is configured.
  std::function<bool(const std::string& channel)> has_channel;
};

// One Outgoing per contact of `person` whose channel exists (none when the
// person has no contacts).
std::vector<Outgoing> Compose(const engine::Notification& n, const config::Person& person,
                              const ComposeContext& ctx);

}  // namespace rota::notify
