#include "api/listener_tls.h"

namespace rota::api {

tl::expected<std::shared_ptr<const http::TlsContext>, config::Diagnostic> ListenerTls(
    const config::ServerTls& tls) {
  http::TlsServerConfig c;
  c.cert_pem = tls.cert_pem;
  c.key_pem = tls.key_pem.Reveal();
  c.client_ca_pem = tls.client_ca_pem;
  c.require_client_cert = tls.client_auth == config::ClientAuth::kRequire;
  c.cert_file = tls.cert_file;
  c.key_file = tls.key_file;
  c.client_ca_file = tls.client_ca_file;
  auto made = http::MakeTlsContext(c);
  if (!made) {
    return tl::unexpected(config::Diagnostic{tls.pos, "server.tls: " + made.error().message()});
  }
  return *made;
}

}  // namespace rota::api
