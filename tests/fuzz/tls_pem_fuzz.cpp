// http::MakeTlsContext on arbitrary PEM text: the certificate chain, the
// key and the client CA of server.tls, split from one input at NUL bytes
// (cert \0 key \0 ca; the first byte's low bit asks for client_auth:
// require). Every outcome is a context or an error naming the file that is
// wrong; none is a crash, a leak or an exception.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/tls.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  rota::http::TlsServerConfig c;
  c.require_client_cert = (data[0] & 1U) != 0;
  std::string* parts[] = {&c.cert_pem, &c.key_pem, &c.client_ca_pem};
  for (std::string* part : parts) {
    const auto nul = in.find('\0');
    *part = std::string(in.substr(0, nul));
    in = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);
  }
  c.cert_file = "cert.pem";
  c.key_file = "key.pem";
  c.client_ca_file = "ca.pem";
  const auto made = rota::http::MakeTlsContext(c);
  if (made) {
    ROTA_FUZZ_CHECK(*made != nullptr, "a context when it succeeds");
    ROTA_FUZZ_CHECK((*made)->RequiresClientCert() == c.require_client_cert, "client_auth as asked");
    return 0;
  }
  const std::string& msg = made.error().message();
  ROTA_FUZZ_CHECK(msg.starts_with("cert_file cert.pem") || msg.starts_with("key_file key.pem") ||
                      msg.starts_with("client_ca_file ca.pem"),
                  "an error names the file that is wrong");
  return 0;
}
