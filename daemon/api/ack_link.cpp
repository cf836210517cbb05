#include "api/ack_link.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace rota::api {

std::string AckSignature(std::string_view key, std::uint64_t alert, std::int64_t expires_unix,
                         std::string_view person) {
  const std::string payload =
      std::to_string(alert) + "." + std::to_string(expires_unix) + "." + std::string(person);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac.data(), &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4U];
    out += kHex[mac[i] & 0xFU];
  }
  return out;
}

std::string AckPath(std::string_view key, std::uint64_t alert, TimePoint expires,
                    std::string_view person) {
  const auto unix = std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count();
  return "/ack/" + std::to_string(alert) + "/" + std::to_string(unix) + "/" + std::string(person) +
         "/" + AckSignature(key, alert, unix, person);
}

AckCheck VerifyAck(std::string_view key, std::uint64_t alert, std::int64_t expires_unix,
                   std::string_view person, std::string_view signature, TimePoint now) {
  const std::string want = AckSignature(key, alert, expires_unix, person);
  if (signature.size() != want.size() ||
      CRYPTO_memcmp(signature.data(), want.data(), want.size()) != 0) {
    return AckCheck::kBadSignature;
  }
  const auto now_unix = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return now_unix < expires_unix ? AckCheck::kValid : AckCheck::kExpired;
}

}  // namespace rota::api
