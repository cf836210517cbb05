#include "api/session.h"

#include <doctest/doctest.h>

#include "../test_util.h"

using namespace rota::api;
using rota::testing::At;

TEST_CASE("a session cookie verifies until it expires, under the key that issued it") {
  Sessions s;
  s.Set({std::string(40, 'a'), std::string(40, 'b')});
  const auto now = At("2026-12-03T09:00:00Z");
  const std::string cookie = s.Issue(now, std::chrono::hours(12));
  CHECK(cookie.starts_with("v1."));
  const auto nonce = s.Verify(cookie, now + std::chrono::hours(11));
  REQUIRE(nonce.has_value());
  CHECK(nonce->size() == 32);
  CHECK_FALSE(s.Verify(cookie, now + std::chrono::hours(12)).has_value());
  // A token that stays valid keeps its sessions; a revoked one ends them.
  s.Set({std::string(40, 'b'), std::string(40, 'a')});
  CHECK(s.Verify(cookie, now).has_value());
  s.Set({std::string(40, 'b')});
  CHECK_FALSE(s.Verify(cookie, now).has_value());
}

TEST_CASE("a tampered session cookie is refused") {
  Sessions s;
  s.Set({std::string(40, 'a')});
  const auto now = At("2026-12-03T09:00:00Z");
  const std::string cookie = s.Issue(now, std::chrono::hours(1));
  REQUIRE(s.Verify(cookie, now).has_value());
  // A later expiry, another nonce, a flipped MAC digit, truncation, junk.
  const auto dot = cookie.rfind('.');
  const auto dot2 = cookie.rfind('.', dot - 1);
  std::string later = cookie.substr(0, dot2 + 1) + "9999999999" + cookie.substr(dot);
  CHECK_FALSE(s.Verify(later, now).has_value());
  std::string other = cookie;
  other[3] = other[3] == '0' ? '1' : '0';
  CHECK_FALSE(s.Verify(other, now).has_value());
  std::string mac = cookie;
  mac.back() = mac.back() == '0' ? '1' : '0';
  CHECK_FALSE(s.Verify(mac, now).has_value());
  CHECK_FALSE(s.Verify(cookie.substr(0, cookie.size() - 1), now).has_value());
  for (const char* junk :
       {"", "v1", "v1.", "v1...", "v1.zz.1.ab", "v2.00.99999999999.00", "v1.00.-1.00"}) {
    CHECK_FALSE(s.Verify(junk, now).has_value());
  }
  // Another instance with the same admin token accepts it (HA); a process
  // key (no auth) never accepts another process's cookie.
  Sessions peer;
  peer.Set({std::string(40, 'a')});
  CHECK(peer.Verify(cookie, now).has_value());
  Sessions anon1;
  Sessions anon2;
  CHECK_FALSE(anon2.Verify(anon1.Issue(now, std::chrono::hours(1)), now).has_value());
}

TEST_CASE("form tokens are bound to their session and purpose") {
  Sessions s;
  s.Set({std::string(40, 'a')});
  const std::string t = s.FormToken("csrf", "00112233");
  CHECK(s.CheckFormToken("csrf", "00112233", t));
  CHECK_FALSE(s.CheckFormToken("csrf", "00112234", t));
  CHECK_FALSE(s.CheckFormToken("login", "00112233", t));
  CHECK_FALSE(s.CheckFormToken("csrf", "00112233", t.substr(1)));
  CHECK_FALSE(s.CheckFormToken("csrf", "", s.FormToken("csrf", "")));
  CHECK_FALSE(s.CheckFormToken("csrf", "00112233", ""));
}

TEST_CASE("cookies are read from every Cookie header and written strict") {
  rota::http::Request req;
  req.headers = {{"cookie", "a=1; rota_session=v1.x"}, {"cookie", "rota_tz=Europe%2FBerlin"}};
  CHECK(CookieValue(req, "rota_session") == "v1.x");
  CHECK(CookieValue(req, "rota_tz") == "Europe%2FBerlin");
  CHECK(CookieValue(req, "rota") == "");
  CHECK(SetCookie("rota_session", "v", 60, true) ==
        "rota_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure");
  CHECK(SetCookie("rota_session", "", 0, false) ==
        "rota_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

TEST_CASE(
    "a session is bound to the admin token that signed in: removing it ends exactly its sessions") {
  Sessions s;
  const auto now = At("2026-11-23T09:00:00Z");
  s.Set({"first-admin-token-0123456789abcdef", "second-admin-token-0123456789abcdef"});
  const std::string by_first =
      s.Issue(now, std::chrono::hours(8), "first-admin-token-0123456789abcdef");
  const std::string by_second =
      s.Issue(now, std::chrono::hours(8), "second-admin-token-0123456789abcdef");
  CHECK(s.Verify(by_first, now).has_value());
  CHECK(s.Verify(by_second, now).has_value());
  // The second token is removed (a reload): its session ends, the first's does not.
  s.Set({"first-admin-token-0123456789abcdef"});
  CHECK_FALSE(s.Verify(by_second, now).has_value());
  CHECK(s.Verify(by_first, now).has_value());
  // And the other way round.
  s.Set({"second-admin-token-0123456789abcdef"});
  CHECK_FALSE(s.Verify(by_first, now).has_value());
  // A key that is not a current token does not sign anything.
  s.Set({"first-admin-token-0123456789abcdef"});
  const std::string forged = s.Issue(now, std::chrono::hours(8), "not-a-token");
  CHECK(s.Verify(forged, now).has_value());  // signed with the first key instead
  s.Set({"second-admin-token-0123456789abcdef"});
  CHECK_FALSE(s.Verify(forged, now).has_value());
}
