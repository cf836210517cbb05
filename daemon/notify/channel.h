// Channels: how a notification reaches a person. The engine decides who and
// what; the app renders a Message per contact; a Channel delivers it.
//
//   log      one log line per notification (for trying rules without a receiver)
//   webhook  one HTTP POST of docs/api.md's JSON, with Idempotency-Key
//   slack    one HTTP POST of {"text": ...} rendered from a Mustache template
//   email    one SMTP submission (STARTTLS, AUTH), text + HTML from templates
//
// Each attempt is one try; the pipeline's outbox retries. Start() sets an
// attempt up without sending: the Dispatcher runs every attempt of a channel
// on one curl multi handle (one thread per channel, many sends in flight on
// kept-alive connections).
//
// Thread-safety: Start() may be called from several threads at once; an
// Attempt belongs to the thread that started it.
#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"

namespace rota::notify {

// A notification's data (docs/api.md "The outgoing webhook"), made once per
// notification and contact: the tree that Slack and email templates render
// from, and its serialisation that the webhook posts and the outbox stores.
// Shared, immutable: retries and channels never copy or re-parse it.
struct Body {
  boost::json::value data;
  std::string json;
};
// Serialises `data` once.
std::shared_ptr<const Body> MakeBody(boost::json::value data);
// A stored payload (the outbox after a restart), parsed once.
std::shared_ptr<const Body> ParseBody(std::string_view json);

struct Message {
  std::string id;                        // stable per notification and contact: the Idempotency-Key
  std::string recipient;                 // person id
  std::string to;                        // the contact's address
  std::string kind;                      // alert | digest | resolved
  std::shared_ptr<const Body> body;      // never null once composed
  std::string summary;                   // one line, for the log channel and logs
  std::vector<std::uint64_t> alert_ids;  // the alerts it is about (for timelines)
  std::int64_t created_ms = 0;           // when decided: retries stop after retry_max_age
  int attempts = 0;                      // made so far
  // A contact with `after:`: the first attempt is not before this instant
  // (Unix ms; 0: at once), and only if its alerts are still unacknowledged
  // (the outbox's Wanted) and the person still on duty.
  std::int64_t not_before_ms = 0;
};

// kFailed may pass later (5xx, 429, timeouts, network): the outbox retries it.
// kRejected is final (4xx other than 429).
enum class SendOutcome { kDelivered, kFailed, kRejected };

struct SendResult {
  SendResult() = default;
  SendResult(SendOutcome o, int n, std::string d, std::string ref = {})
      : outcome(o), attempts(n), detail(std::move(d)), reference(std::move(ref)) {}
  SendOutcome outcome = SendOutcome::kDelivered;
  int attempts = 0;
  std::string detail;  // e.g. "HTTP 503", "timeout"
  // What the receiver calls the message, when it says (a Slack bot's "ts"):
  // later messages about the same alerts reply in its thread.
  std::string reference;
};

// How the Dispatcher paces one channel's sends.
struct Limits {
  int max_concurrency = 4;  // sends in flight at once
  double rate = 0;          // sends per second; 0 = unlimited
  int burst = 1;            // sends allowed at once when rate-limited
};

// One attempt set up and not yet sent: a libcurl easy handle with every
// option set, and what turns its completion into a SendResult. It owns what
// the transfer reads (body, header lists, MIME parts) until it is destroyed.
class Attempt {
 public:
  virtual ~Attempt() = default;
  // The CURL* easy handle to perform (add it to a multi handle, or run
  // curl_easy_perform on it); void* keeps libcurl out of this header.
  [[nodiscard]] virtual void* easy() const = 0;
  // After the transfer ended with libcurl's `code` (a CURLcode).
  virtual SendResult Finish(int code) = 0;
};

// What Start() gives: an attempt to perform, or, when there is nothing to
// send (a log channel, a message that does not render), the final result.
struct Started {
  std::unique_ptr<Attempt> attempt;
  SendResult result;
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual Started Start(const Message& m) = 0;
  [[nodiscard]] virtual const std::string& name() const = 0;
  [[nodiscard]] virtual std::string_view type() const = 0;
  [[nodiscard]] const Limits& limits() const { return limits_; }
  void set_limits(const Limits& l) { limits_ = l; }

 private:
  Limits limits_;
};

// Builds the channel for a config entry, with its limits.
std::unique_ptr<Channel> MakeChannel(const config::Channel& c);

// Email pieces, exposed for tests. A header value safe to send: CR and LF
// become spaces; non-ASCII text becomes RFC 2047 encoded words.
std::string EmailHeaderValue(std::string_view text);
// The address inside "Name <addr>" (or the whole string).
std::string EmailAddress(std::string_view mailbox);

// One-time libcurl set-up; call before any thread sends.
void GlobalInit();

}  // namespace rota::notify
