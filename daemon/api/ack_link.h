// Signed, expiring ack links: a person can acknowledge an alert from the
// notification with one click, without an API token. The link is a
// capability: /ack/{alert}/{expires}/{person}/{signature}, where the
// signature is HMAC-SHA256(key, "alert.expires.person") in hex. GET shows a
// confirmation page; only POST acts (so link previews never ack).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace rota::api {

std::string AckSignature(std::string_view key, std::uint64_t alert, std::int64_t expires_unix,
                         std::string_view person);

// The path part of a link valid until `expires`.
std::string AckPath(std::string_view key, std::uint64_t alert, TimePoint expires,
                    std::string_view person);

enum class AckCheck { kValid, kBadSignature, kExpired };
AckCheck VerifyAck(std::string_view key, std::uint64_t alert, std::int64_t expires_unix,
                   std::string_view person, std::string_view signature, TimePoint now);

}  // namespace rota::api
