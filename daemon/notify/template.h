// Message text from Mustache templates (kainjow/mustache), over the same data
// as the webhook body: recipient, to, kind, route, step, reason,
// held_seconds, ack_url, alerts[] (id, fingerprint, status, labels.*,
// annotations.*, starts_at, ack_url) and resolved_alerts[]; a review digest
// carries review.* (review::DigestData) and report.*; plus is_alert,
// is_digest, is_resolved and is_review for sections. Documented in docs/channels.md.
//
// Pure; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/error.h"

namespace rota::notify {

// The built-in text template of a channel type (Slack's and Mattermost's
// message, email's plain-text part, the text of Teams, Telegram and ntfy);
// empty for the others.
std::string_view DefaultTemplate(config::ChannelType type);
// Email's built-in subject line and HTML part.
std::string_view DefaultEmailSubject();
std::string_view DefaultEmailHtml();

// How {{var}} is escaped: HTML entities (Slack, HTML mail) or not at all
// (plain-text mail, subjects).
enum class Escape { kHtml, kNone };

// Renders `tmpl` over `data` (a JSON object as above).
Result<std::string> Render(std::string_view tmpl, const boost::json::value& data,
                           Escape escape = Escape::kHtml);

}  // namespace rota::notify
