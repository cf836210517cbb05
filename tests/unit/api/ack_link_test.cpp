#include "api/ack_link.h"

#include <doctest/doctest.h>

#include "../test_util.h"

using namespace rota::api;
using rota::testing::At;

TEST_CASE("ack links verify, expire, and refuse any change") {
  const std::string key(40, 'k');
  const auto expires = At("2026-11-24T09:00:00Z");
  const std::string path = AckPath(key, 42, expires, "alice");
  CHECK(path.starts_with("/ack/42/1795510800/alice/"));
  const std::string sig = path.substr(path.rfind('/') + 1);
  CHECK(sig.size() == 64);
  CHECK(VerifyAck(key, 42, 1795510800, "alice", sig, At("2026-11-24T08:59:59Z")) ==
        AckCheck::kValid);
  CHECK(VerifyAck(key, 42, 1795510800, "alice", sig, At("2026-11-24T09:00:00Z")) ==
        AckCheck::kExpired);
  CHECK(VerifyAck(key, 43, 1795510800, "alice", sig, At("2026-11-24T08:00:00Z")) ==
        AckCheck::kBadSignature);
  CHECK(VerifyAck(key, 42, 1795510801, "alice", sig, At("2026-11-24T08:00:00Z")) ==
        AckCheck::kBadSignature);
  CHECK(VerifyAck(key, 42, 1795510800, "bob", sig, At("2026-11-24T08:00:00Z")) ==
        AckCheck::kBadSignature);
  CHECK(VerifyAck(std::string(40, 'x'), 42, 1795510800, "alice", sig, At("2026-11-24T08:00:00Z")) ==
        AckCheck::kBadSignature);
  CHECK(VerifyAck(key, 42, 1795510800, "alice", sig.substr(1), At("2026-11-24T08:00:00Z")) ==
        AckCheck::kBadSignature);
}

TEST_CASE("the signature is HMAC-SHA256 of alert.expires.person") {
  // Checked against an independent implementation (Python hmac):
  // python3 -c 'import
  // hmac,hashlib;print(hmac.new(b"k"*40,b"42.1795510800.alice",hashlib.sha256).hexdigest())'
  CHECK(AckSignature(std::string(40, 'k'), 42, 1795510800, "alice") ==
        "63d88beb7775c564db4126589db9f34b7fa839adaebffd79587c329cd4a87fb0");
}
