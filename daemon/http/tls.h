// TLS for the listener and for rotactl: an OpenSSL server context built from
// PEM text (server.tls in rota.yaml), and the client settings rotactl uses.
//
// A TlsContext is built whole or not at all: certificate chain, private key
// (checked to match the certificate), TLS 1.2 as the lowest version, and, with
// client_auth: require, the CA that client certificates must chain to. The
// server holds the current one by shared_ptr and hands it to each new
// connection; a reload builds a new one and swaps it in (Server::SetTls), so
// connections already open keep the context they began with and nothing is
// dropped. A certificate that fails to build never replaces the running one.
//
// Thread-safety: a TlsContext is immutable once built; share it freely.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/error.h"

namespace boost::asio::ssl {
class context;
}

namespace rota::http {

struct TlsServerConfig {
  std::string cert_pem;       // the certificate chain, leaf first
  std::string key_pem;        // its private key
  std::string client_ca_pem;  // CA(s) for client certificates; required with require_client_cert
  bool require_client_cert = false;
  // The files they came from, only to name them in errors.
  std::string cert_file = "cert_file";
  std::string key_file = "key_file";
  std::string client_ca_file = "client_ca_file";
};

class TlsContext {
 public:
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // The leaf certificate's notAfter, in Unix seconds, and its subject.
  [[nodiscard]] std::int64_t NotAfter() const { return not_after_; }
  [[nodiscard]] const std::string& Subject() const { return subject_; }
  [[nodiscard]] bool RequiresClientCert() const { return require_client_cert_; }

  // For server.cpp: the OpenSSL context new connections use. A stream takes
  // its own reference to the SSL_CTX, so the context may be swapped while
  // connections made from it stay open.
  [[nodiscard]] boost::asio::ssl::context& Native() const { return *ctx_; }

 private:
  friend Result<std::shared_ptr<const TlsContext>> MakeTlsContext(const TlsServerConfig&);
  TlsContext();
  std::unique_ptr<boost::asio::ssl::context> ctx_;
  std::int64_t not_after_ = 0;
  std::string subject_;
  bool require_client_cert_ = false;
};

// Builds the server context, or says what is wrong and with which file.
Result<std::shared_ptr<const TlsContext>> MakeTlsContext(const TlsServerConfig& config);

// rotactl's side of an https:// URL: the CA to trust (empty: the system's),
// and a client certificate for a listener with client_auth: require.
struct TlsClientFiles {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

}  // namespace rota::http
