// Decoders for the event formats rota accepts. Each turns a request body
// into engine events or says precisely what is wrong (the text of a 400),
// e.g. `alerts[2].labels: label name "1x" is not valid`.
//
//   DecodeAlertmanagerWebhook   POST /api/v1/alertmanager   Alertmanager webhook, version 4
//   DecodeAlertsV2              POST /api/v2/alerts         Alertmanager API v2 (Prometheus)
//   DecodePagerDuty             POST /v2/enqueue            PagerDuty Events API v2
//   DecodeGeneric               POST /api/v1/events         rota's own format
//
// JSON is parsed with Boost.JSON, which rejects invalid UTF-8. Limits bound
// what one request may carry.
//
// Pure ("now" is an argument); thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/duration.h"
#include "core/error.h"
#include "engine/types.h"

namespace rota::ingest {

struct Limits {
  std::size_t max_alerts = 1000;  // per request
  std::size_t max_labels = 64;    // per alert
  std::size_t max_label_name_bytes = 256;
  std::size_t max_label_value_bytes = 4096;
  std::size_t max_annotation_bytes = 64 * 1024;  // per annotation value
};

Result<std::vector<engine::Event>> DecodeAlertmanagerWebhook(std::string_view body,
                                                             const Limits& limits);

// Alertmanager's defaulting: a missing startsAt is now; a missing endsAt is
// startsAt + resolve_timeout (so an alert that is not re-sent resolves).
Result<std::vector<engine::Event>> DecodeAlertsV2(std::string_view body, const Limits& limits,
                                                  Duration resolve_timeout, TimePoint now);

// Routing keys map to labels added to the event; an unknown key is an error.
struct PagerDutyKeys {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> labels_by_key;
};

struct PagerDutyResult {
  engine::Event event;
  std::string dedup_key;
};

// On error, the message lists every problem, one per line (PagerDuty's "errors").
Result<PagerDutyResult> DecodePagerDuty(std::string_view body, const Limits& limits,
                                        const PagerDutyKeys& keys);

Result<std::vector<engine::Event>> DecodeGeneric(std::string_view body, const Limits& limits);

}  // namespace rota::ingest
