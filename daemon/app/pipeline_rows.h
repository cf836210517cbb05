// What the pipeline's files share (pipeline.cpp, pipeline_store.cpp,
// pipeline_delivery.cpp, pipeline_roles.cpp, pipeline_reviews.cpp): instants
// as the store keeps them, and the outbox's states as stored rows. Internal to
// app/.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "core/clock.h"
#include "notify/outbox.h"
#include "store/store.h"

namespace rota::app::pipeline_rows {

// Delivery outcomes and retry schedules ride with the next commit; when
// nothing else commits for this long, they are written by themselves.
inline constexpr auto kMarkFlushDelay = std::chrono::milliseconds(200);

inline std::int64_t Ms(TimePoint t) { return t.time_since_epoch().count(); }
inline std::optional<std::int64_t> Ms(const std::optional<TimePoint>& t) {
  return t ? std::optional<std::int64_t>(Ms(*t)) : std::nullopt;
}

inline store::OutboxState StoredState(notify::OutboxState s) {
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

}  // namespace rota::app::pipeline_rows
