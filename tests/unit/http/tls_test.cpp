// http::MakeTlsContext refusals that need no real certificate. Real
// certificates, keys that do not match, reload and handshakes are tested
// against rotad with a CA made by openssl (tests/integration/tls_test.py).
#include "http/tls.h"

#include <doctest/doctest.h>

using namespace rota::http;

TEST_CASE("a TLS context is not made from text that holds no certificate") {
  TlsServerConfig c;
  c.cert_file = "/etc/rota/tls/cert.pem";
  c.cert_pem = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
  c.key_pem = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
  auto made = MakeTlsContext(c);
  REQUIRE_FALSE(made);
  CHECK(made.error().message().find("cert_file /etc/rota/tls/cert.pem: no PEM certificate") !=
        std::string::npos);
  c.cert_pem.clear();
  CHECK_FALSE(MakeTlsContext(c));
}
