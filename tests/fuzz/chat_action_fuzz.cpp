// What a chat server sends when a rota button is pressed: Slack's
// form-encoded interactivity payload and Mattermost's action JSON. Nothing
// crashes or throws; an accepted action is always ack or resolve of a
// decimal alert id; an error says what is wrong; a signature depends on
// every byte of the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/chat_parse.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& parsed : {rota::api::ParseSlackAction(text), rota::api::ParseMattermostAction(text)}) {
    if (!parsed) {
      ROTA_FUZZ_CHECK(!parsed.error().message().empty(), "an error says what is wrong");
      continue;
    }
    ROTA_FUZZ_CHECK(parsed->verb == "ack" || parsed->verb == "resolve", "only ack or resolve");
    ROTA_FUZZ_CHECK(!parsed->alert.empty() &&
                        parsed->alert.find_first_not_of("0123456789") == std::string::npos,
                    "the alert is a decimal id");
  }
  if (size > 0) {
    std::string other(text);
    other[0] = static_cast<char>(other[0] ^ 1);
    ROTA_FUZZ_CHECK(rota::api::SlackSignature("secret", "1700000000", text) !=
                        rota::api::SlackSignature("secret", "1700000000", other),
                    "the signature covers the body");
  }
  return 0;
}
