// What a chat server sends when a rota button is pressed: Slack's
// form-encoded interactivity payload and Mattermost's action JSON. Nothing
// crashes or throws; an accepted action is always ack or resolve of a
// decimal alert id; an error says what is wrong; a signature depends on
// every byte of the body. The user it names is looked up only among the
// contacts of the channel that signed (checked against a model here).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/chat_parse.h"
#include "fuzz_check.h"

namespace {

// People with contacts on channels a and b, in every form `to` takes.
const rota::config::Config& People() {
  static const rota::config::Config* c = [] {
    auto* made = new rota::config::Config();
    const std::pair<const char*, std::vector<std::pair<const char*, const char*>>> people[] = {
        {"ann", {{"a", "@U1"}, {"b", "U2"}}},
        {"bob", {{"b", "@U1"}, {"a", "bob"}}},
        {"cy", {{"a", "@"}, {"b", ""}, {"c", "@@U1"}}},
    };
    for (const auto& [id, contacts] : people) {
      rota::config::Person p;
      p.id = id;
      for (const auto& [channel, to] : contacts) {
        rota::config::Contact k;
        k.channel = channel;
        k.to = to;
        p.contacts.push_back(k);
      }
      made->people.push_back(std::move(p));
    }
    return made;
  }();
  return *c;
}

// The model: who has a contact on `channel` whose `to` is user or @user.
void CheckLookup(std::string_view user) {
  for (const char* channel : {"a", "b", "c", "d"}) {
    const rota::config::Person* got = rota::api::ChatPerson(People(), channel, user);
    const rota::config::Person* want = nullptr;
    for (const auto& p : People().people) {
      for (const auto& k : p.contacts) {
        if (want == nullptr && !user.empty() && k.channel == channel &&
            (k.to == user || k.to == "@" + std::string(user))) {
          want = &p;
        }
      }
    }
    ROTA_FUZZ_CHECK(got == want, "the person is the first with a contact on that channel only");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& parsed :
       {rota::api::ParseSlackAction(text), rota::api::ParseMattermostAction(text)}) {
    if (!parsed) {
      ROTA_FUZZ_CHECK(!parsed.error().message().empty(), "an error says what is wrong");
      continue;
    }
    ROTA_FUZZ_CHECK(parsed->verb == "ack" || parsed->verb == "resolve", "only ack or resolve");
    CheckLookup(parsed->user);
    ROTA_FUZZ_CHECK(!parsed->alert.empty() &&
                        parsed->alert.find_first_not_of("0123456789") == std::string::npos,
                    "the alert is a decimal id");
  }
  CheckLookup(text.substr(0, 64));
  if (size > 0) {
    std::string other(text);
    other[0] = static_cast<char>(other[0] ^ 1);
    ROTA_FUZZ_CHECK(rota::api::SlackSignature("secret", "1700000000", text) !=
                        rota::api::SlackSignature("secret", "1700000000", other),
                    "the signature covers the body");
  }
  return 0;
}
