// JSON views of rota's state for the HTTP API (docs/api.md): alerts with
// their routes and timeline, silences, overrides, ingest answers. Handlers
// build data with these; one place (JsonResponse) serialises it.
//
// Pure; thread-safety: call with state the caller owns (the engine's strand).
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "engine/engine.h"
#include "http/router.h"
#include "rules/routing.h"
#include "schedule/roster.h"

namespace rota::api {

// `sp`: where the nodes live (default: the heap; an answer built in one go
// passes its arena).
boost::json::value Instant(const std::optional<TimePoint>& t,
                           const boost::json::storage_ptr& sp = {});
boost::json::array Strings(const std::vector<std::string>& v,
                           const boost::json::storage_ptr& sp = {});
boost::json::object LabelsJson(const LabelSet& l);
boost::json::object AnnotationsJson(const engine::Annotations& a);

// {"id", "fingerprint", "state", "status", "labels", ..., "routes": [...]}
// and, with `detail`, "timeline" and "deliveries".
boost::json::object AlertJson(const engine::Alert& a, const config::Config& config, bool detail);
// Every contact of everyone told about the alert, with what became of it:
// [{"person", "channel", "to", "state": pending|retrying|delivered|rejected|
// failed|hours_ended|skipped, "detail", "at", "after_s" (a delayed contact)}].
boost::json::array DeliveriesJson(const engine::Alert& a, const config::Config& config);
// A timeline entry: {"at", "kind", its fields ("route", "step", "people",
// "until", "person", "channel", "detail", "attempts", ...; skipped people as
// "skipped": [{"person", "reason_code", "reason"}]) and "what", the entry in
// English.
boost::json::object TimelineEntryJson(const engine::Timeline::Entry& e);
// One entry of an ingest answer (docs/api.md "Ingest").
// {"alerts": [one object per result]}, serialised: an ingest's 202 body.
std::string IngestResultsJson(const std::vector<engine::IngestResult>& results);
boost::json::object SilenceJson(const rules::Silence& s, TimePoint now);
// `source`: "config" or "api".
boost::json::object OverrideJson(const schedule::OverrideSpec& o, std::string_view source);

// Whether `a` is in `state`: open (not resolved), firing, acknowledged,
// resolved or all. REQUIRES: IsAlertStateFilter(state).
bool AlertInState(std::string_view state, const engine::Alert& a);
bool IsAlertStateFilter(std::string_view state);

http::Response JsonResponse(int status, const boost::json::value& v);
// 503 with Retry-After: the store cannot be written.
http::Response Unavailable();
// A run-time reroute as the API shows it: id, team, to ("escalation:NAME"),
// until (null: until cleared), reason, created_by, created_at.
boost::json::value RerouteJson(const engine::Reroute& r);

}  // namespace rota::api
