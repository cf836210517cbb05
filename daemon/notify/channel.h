// Channels: how a notification reaches a person. The engine decides who and
// what; the app renders a Message per contact; a Channel delivers it.
//
//   log      one log line per notification (for trying rules without a receiver)
//   webhook  one HTTP POST of the DESIGN.md JSON, with Idempotency-Key
//   slack    one HTTP POST of {"text": ...} rendered from a Mustache template
//
// Each Send() is one attempt; the pipeline's outbox retries. Email is not
// deliverable yet (it logs and reports failure).
//
// Thread-safety: Send() may be called from several worker threads at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"

namespace rota::notify {

struct Message {
  std::string id;         // stable per notification and contact: the Idempotency-Key
  std::string recipient;  // person id
  std::string to;         // the contact's address
  std::string kind;       // alert | digest | resolved
  std::string json;       // the webhook body (DESIGN.md "The outgoing webhook")
  std::string summary;    // one line, for the log channel and logs
  std::vector<std::uint64_t> alert_ids;  // the alerts it is about (for timelines)
  std::int64_t created_ms = 0;           // when decided: retries stop after retry_max_age
  int attempts = 0;                      // made so far
};

// kFailed may pass later (5xx, 429, timeouts, network): the outbox retries it.
// kRejected is final (4xx other than 429).
enum class SendOutcome { kDelivered, kFailed, kRejected };

struct SendResult {
  SendOutcome outcome = SendOutcome::kDelivered;
  int attempts = 0;
  std::string detail;  // e.g. "HTTP 503", "timeout"
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual SendResult Send(const Message& m) = 0;
  [[nodiscard]] virtual const std::string& name() const = 0;
  [[nodiscard]] virtual std::string_view type() const = 0;
};

// Builds the channel for a config entry. Slack and email are not yet
// deliverable: they log that they were skipped (counted as failed).
std::unique_ptr<Channel> MakeChannel(const config::Channel& c);

// One-time libcurl set-up; call before any thread sends.
void GlobalInit();

}  // namespace rota::notify
