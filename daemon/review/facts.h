// What a review needs to know of one alert (docs/reviews.md):
// when it came, who it concerned, when it was first seen and acknowledged,
// how long it was held and how that ended. Read once from the alert's
// timeline, so a report never keeps timelines in memory, and small enough
// to be kept as history after the alert itself is pruned.
//
// Pure; thread-safety: plain values and functions of their arguments.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/duration.h"
#include "core/error.h"
#include "engine/engine.h"
#include "schedule/spans.h"

namespace rota::review {

struct AlertFacts {
  engine::AlertId id = 0;
  std::string route;               // the first route it matched; empty: unrouted
  std::vector<std::string> teams;  // the teams its routes' escalations page, sorted
  TimePoint received{};
  std::optional<TimePoint> first_notified;  // first seen by a person
  std::optional<TimePoint> acked;
  std::optional<TimePoint> resolved;
  // Held: each stretch from a hold until someone was told or acknowledged
  // it, it resolved or was dropped; the last may still be open (held_since).
  std::vector<schedule::Span> holds;
  std::optional<TimePoint> held_since;
  bool was_held = false;
  bool resolved_while_held = false;
  bool dropped = false;
  bool capped = false;  // a step's max_hold woke it before anyone's hours
  bool escalated_beyond_first_step = false;
  int failed_notifications = 0;  // failed or rejected deliveries
  int refused_off_duty = 0;      // sends withheld because the person's hours ended
  bool drill = false;            // alertname RotaDrill (rotactl drill)
};

// Every stretch held, the open one closed at `until` (when later than its start).
std::vector<schedule::Span> HoldsUntil(const AlertFacts& f, TimePoint until);

// The teams `a`'s routes page: team targets of their escalations' steps and
// the teams of person targets.
std::vector<std::string> TeamsOfAlert(const engine::Model& model, const engine::Alert& a);

AlertFacts FactsOf(const engine::Model& model, const engine::Alert& a);

// The facts as a small JSON document (the stored history, docs/reviews.md),
// and back. Decoding checks every field; a bad document is an error, never
// a crash (tests/fuzz/store_rows_fuzz).
std::string EncodeFacts(const AlertFacts& f);
Result<AlertFacts> DecodeFacts(std::string_view doc);

// `live` with the decoded `history` of alerts not in it (an id in both is
// the live one: it is newer). Undecodable history is skipped and counted.
std::vector<AlertFacts> WithHistory(std::vector<AlertFacts> live,
                                    const std::vector<std::string>& history,
                                    std::size_t* skipped = nullptr);

// The facts of every alert `engine` keeps that was received in [from, to).
// On the engine's strand.
std::vector<AlertFacts> FactsReceivedIn(const engine::Engine& engine, TimePoint from, TimePoint to);

}  // namespace rota::review
