// An outbox payload read back after a restart: parsed once (notify::ParseBody)
// and rendered by the built-in Slack and email templates, then made into
// email headers. A stored row may be anything; none may crash a channel, and
// no header may carry a line break (header injection).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "notify/channel.h"
#include "notify/template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rota;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  const auto body = notify::ParseBody(json);
  ROTA_FUZZ_CHECK(body != nullptr && body->data.is_object(), "a body is always an object");
  for (auto [tmpl, escape] :
       {std::pair{notify::DefaultTemplate(config::ChannelType::kSlack), notify::Escape::kHtml},
        std::pair{notify::DefaultTemplate(config::ChannelType::kEmail), notify::Escape::kNone},
        std::pair{notify::DefaultEmailHtml(), notify::Escape::kHtml}}) {
    (void)notify::Render(tmpl, body->data, escape);
  }
  if (auto subject =
          notify::Render(notify::DefaultEmailSubject(), body->data, notify::Escape::kNone)) {
    const std::string header = notify::EmailHeaderValue(*subject);
    ROTA_FUZZ_CHECK(header.find_first_of("\r\n") == std::string::npos, "no line break in a header");
  }
  const std::string raw_header = notify::EmailHeaderValue(json);
  ROTA_FUZZ_CHECK(raw_header.find_first_of("\r\n") == std::string::npos,
                  "no line break in a header");
  const std::string address = notify::EmailAddress(json);
  ROTA_FUZZ_CHECK(address.size() <= json.size(), "an address is part of its mailbox");
  return 0;
}
