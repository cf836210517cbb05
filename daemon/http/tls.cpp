#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <ctime>
#include <vector>

namespace rota::http {
namespace {

namespace ssl = boost::asio::ssl;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// Every certificate in a PEM text, in order (none if there is none): the
// client CAs.
std::vector<X509Ptr> ReadCertificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return out;
  }
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(x);
  }
  ERR_clear_error();  // the end of the text reads as "no start line"
  return out;
}

// OpenSSL's reason for its last failure (from its error queue, which this
// clears), else "unknown".
std::string OpenSslReason() {
  std::string reason = "unknown";
  if (const unsigned long e = ERR_get_error(); e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    reason = buf;
  }
  ERR_clear_error();
  return reason;
}

std::string Subject(const X509* x) {
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof buf);
  return buf;
}

std::int64_t NotAfter(const X509* x) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1) {
    return 0;
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

TlsContext::TlsContext() : ctx_(std::make_unique<ssl::context>(ssl::context::tls_server)) {}
TlsContext::~TlsContext() = default;

Result<std::shared_ptr<const TlsContext>> MakeTlsContext(const TlsServerConfig& config) {
  std::shared_ptr<TlsContext> t(new TlsContext());
  ssl::context& ctx = *t->ctx_;
  SSL_CTX* native = ctx.native_handle();
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);

  boost::system::error_code ec;
  ctx.use_certificate_chain(boost::asio::buffer(config.cert_pem), ec);
  const X509* leaf = SSL_CTX_get0_certificate(native);
  if (ec || leaf == nullptr) {
    return Fail(Error::InvalidArgument("cert_file " + config.cert_file +
                                       ": no PEM certificate could be read (" + OpenSslReason() +
                                       ")"));
  }
  std::unique_ptr<BIO, BioFree> key_bio(
      BIO_new_mem_buf(config.key_pem.data(), static_cast<int>(config.key_pem.size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    return Fail(Error::InvalidArgument("key_file " + config.key_file + ": not a PEM private key (" +
                                       OpenSslReason() + ")"));
  }
  if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return Fail(Error::InvalidArgument("key_file " + config.key_file +
                                       " is not the private key of cert_file " + config.cert_file));
  }
  t->subject_ = Subject(leaf);
  t->not_after_ = NotAfter(leaf);

  if (config.require_client_cert) {
    auto cas = ReadCertificates(config.client_ca_pem);
    if (cas.empty()) {
      return Fail(Error::InvalidArgument("client_ca_file " + config.client_ca_file +
                                         ": no PEM certificate could be read"));
    }
    X509_STORE* store = SSL_CTX_get_cert_store(native);
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    for (const auto& ca : cas) {
      X509_STORE_add_cert(store, ca.get());
      sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(ca.get())));
    }
    SSL_CTX_set_client_CA_list(native, names);  // takes ownership
    ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    // Resumed sessions must carry the same verified client.
    static constexpr unsigned char kSessionContext[] = "rotad";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
    t->require_client_cert_ = true;
  } else {
    ctx.set_verify_mode(ssl::verify_none);
  }
  ERR_clear_error();
  return std::shared_ptr<const TlsContext>(std::move(t));
}

}  // namespace rota::http
