#include "api/access.h"

#include <cctype>

namespace rota::api {

bool SameSecret(std::string_view a, std::string_view b) {
  unsigned diff = static_cast<unsigned>(a.size() ^ b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const unsigned other = b.empty() ? 0U : static_cast<unsigned char>(b[i % b.size()]);
    diff |= static_cast<unsigned char>(a[i]) ^ other;
  }
  return diff == 0;
}

void Authorizer::Set(const config::Auth& auth, const config::Ui& ui) {
  std::vector<std::string> keys;
  for (const auto& t : auth.admin_tokens) {
    keys.push_back(t.Reveal());
  }
  sessions_.Set(std::move(keys));
  std::lock_guard lock(mu_);
  auth_ = auth;
  ui_ = ui;
}

bool Authorizer::IsAdminToken(std::string_view token) const {
  std::lock_guard lock(mu_);
  return IsAdminTokenLocked(token);
}

bool Authorizer::IsAdminTokenLocked(std::string_view token) const {
  bool admin = false;
  for (const auto& t : auth_.admin_tokens) {
    admin |= SameSecret(token, t.Reveal());
  }
  return admin && !token.empty();
}

bool Authorizer::AuthEnabled() const {
  std::lock_guard lock(mu_);
  return auth_.enabled;
}

namespace {

// The token of "Bearer <token>", the scheme in any case; empty if absent.
std::string_view BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() + 1 || header[kScheme.size()] != ' ') {
    return {};
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) {
      return {};
    }
  }
  std::string_view token = header.substr(kScheme.size() + 1);
  while (!token.empty() && token.front() == ' ') {
    token.remove_prefix(1);
  }
  return token;
}

}  // namespace

std::optional<http::Response> Authorizer::Check(const http::Request& req,
                                                http::Access access) const {
  if (access == http::Access::kOpen) {
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  if (access == http::Access::kSupport && ui_.public_support_page) {
    return std::nullopt;
  }
  if (auth_.enabled && (access == http::Access::kUi || access == http::Access::kSupport)) {
    return CheckUi(req);
  }
  if (!auth_.enabled) {
    if (req.remote_is_loopback) {
      return std::nullopt;
    }
    return http::Response::Error(
        403, "rota accepts only loopback clients until auth: is configured (see docs/api.md)");
  }
  const std::string_view token = BearerToken(req.Header("authorization"));
  if (token.empty()) {
    http::Response r =
        http::Response::Error(401, "missing bearer token (Authorization: Bearer ...)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  const bool admin = IsAdminTokenLocked(token);
  bool ingest = false;
  for (const auto& t : auth_.ingest_tokens) {
    ingest |= SameSecret(token, t.Reveal());
  }
  if (admin || (ingest && access == http::Access::kIngest)) {
    return std::nullopt;
  }
  return http::Response::Error(403, access == http::Access::kIngest
                                        ? "token may not post events"
                                        : "token may not do this (needs an admin token)");
}

std::optional<http::Response> Authorizer::CheckUi(const http::Request& req) const {
  const SystemClock clock;
  if (sessions_.Verify(CookieValue(req, kSessionCookie), clock.Now())) {
    return std::nullopt;
  }
  if (IsAdminTokenLocked(BearerToken(req.Header("authorization")))) {
    return std::nullopt;
  }
  // A browser: to the login form, and back here afterwards.
  http::Response r;
  r.status = 303;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "Sign in at /ui/login\n";
  r.headers.emplace_back("Location", "/ui/login?next=" + http::PercentEncode(req.target, true));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace rota::api
