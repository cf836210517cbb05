#include "api/ack_link.h"

#include "api/hmac.h"

namespace rota::api {

std::string AckSignature(std::string_view key, std::uint64_t alert, std::int64_t expires_unix,
                         std::string_view person) {
  return HmacSha256Hex(
      key, std::to_string(alert) + "." + std::to_string(expires_unix) + "." + std::string(person));
}

std::string AckPath(std::string_view key, std::uint64_t alert, TimePoint expires,
                    std::string_view person) {
  const auto unix =
      std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count();
  return "/ack/" + std::to_string(alert) + "/" + std::to_string(unix) + "/" + std::string(person) +
         "/" + AckSignature(key, alert, unix, person);
}

AckCheck VerifyAck(std::string_view key, std::uint64_t alert, std::int64_t expires_unix,
                   std::string_view person, std::string_view signature, TimePoint now) {
  const std::string want = AckSignature(key, alert, expires_unix, person);
  if (!SameDigest(signature, want)) {
    return AckCheck::kBadSignature;
  }
  const auto now_unix =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return now_unix < expires_unix ? AckCheck::kValid : AckCheck::kExpired;
}

}  // namespace rota::api
