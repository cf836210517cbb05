// What a browser sends the web console: form bodies, cookies, session
// cookies, instants typed into forms and places to go back to. Nothing
// crashes or throws; decoded forms re-encode to the same fields; a made-up
// session cookie is never accepted; a place to go back to is always one of
// the console's own pages.
#include <date/tz.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/session.h"
#include "fuzz_check.h"
#include "ui/form.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto fields = rota::ui::FormFields(text);
  std::string again;
  for (const auto& [k, v] : fields) {
    again += (again.empty() ? "" : "&") + rota::http::PercentEncode(k) + "=" +
             rota::http::PercentEncode(v);
  }
  ROTA_FUZZ_CHECK(rota::ui::FormFields(again) == fields, "decoded fields re-encode to themselves");

  const std::string back = rota::ui::SafeBack(text, "/ui/");
  ROTA_FUZZ_CHECK(
      back == "/ui/" || (back.starts_with("/ui/") && back.find("//") == std::string::npos &&
                         back.find_first_of("\r\n\\") == std::string::npos),
      "only the console's own pages are a place to go back to");

  static const auto* zone = date::locate_zone("Europe/Berlin");
  const auto when = rota::ui::ParseLocalInput(text, *zone);
  ROTA_FUZZ_CHECK(when.has_value() || !when.error().message().empty(),
                  "an error says what is wrong");

  rota::http::Request req;
  req.headers.emplace_back("cookie", std::string(text));
  const std::string cookie = rota::api::CookieValue(req, rota::api::kSessionCookie);
  static rota::api::Sessions sessions;
  const rota::TimePoint now{std::chrono::milliseconds(1'796'000'000'000)};
  ROTA_FUZZ_CHECK(!sessions.Verify(cookie, now).has_value(), "a made-up session is never accepted");
  ROTA_FUZZ_CHECK(!sessions.Verify(text, now).has_value(), "a made-up session is never accepted");
  ROTA_FUZZ_CHECK(!sessions.CheckFormToken("csrf", "00", text),
                  "a made-up form token is never accepted");
  return 0;
}
