// server.tls (config) → the listener's TLS context (http), one function so
// that rotad (at start and at every reload) and `rotactl check config` judge
// a certificate the same way.
//
// Thread-safety: reentrant.
#pragma once

#include <memory>

#include "config/config.h"
#include "config/loader.h"
#include "core/error.h"
#include "http/tls.h"

namespace rota::api {

// The context for `tls`, or a diagnostic at the tls: node naming the file
// that is wrong (not a certificate, a key that does not match, ...).
tl::expected<std::shared_ptr<const http::TlsContext>, config::Diagnostic> ListenerTls(
    const config::ServerTls& tls);

}  // namespace rota::api
