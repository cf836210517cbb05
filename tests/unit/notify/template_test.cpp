#include "notify/template.h"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "../test_util.h"

using rota::notify::DefaultTemplate;
using rota::notify::Render;

namespace {

boost::json::value Message(const char* kind) {
  return boost::json::parse(std::string(R"({"recipient":"alice","kind":")") + kind + R"(","route":"pages","step":1,
    "alerts":[{"id":"7","status":"firing","labels":{"alertname":"PaymentsDown"},
               "annotations":{"summary":"checkout & refunds fail"},"ack_url":"https://rota.example/ack/7/1/alice/ab"}],
    "resolved_alerts":[{"labels":{"alertname":"OldThing"}}]})");
}

}  // namespace

TEST_CASE("the default Slack text names the alert, escapes, and links the ack") {
  auto text = Render(DefaultTemplate(rota::config::ChannelType::kSlack), Message("alert"));
  REQUIRE(text.has_value());
  CHECK(text->starts_with("*Alert* (route pages, step 1)\n"));
  CHECK(text->find("• *PaymentsDown* checkout &amp; refunds fail (firing) <https://rota.example/ack/7/1/alice/ab|acknowledge>") !=
        std::string::npos);
  CHECK(text->find("Held for you") == std::string::npos);
}

TEST_CASE("digests say so and list what resolved meanwhile") {
  auto text = Render(DefaultTemplate(rota::config::ChannelType::kSlack), Message("digest"));
  REQUIRE(text.has_value());
  CHECK(text->starts_with("*Held for you while you were off duty*\n"));
  CHECK(text->find("• resolved meanwhile: OldThing") != std::string::npos);
}

TEST_CASE("custom templates see every field; broken ones are errors") {
  auto text = Render("{{recipient}}: {{#alerts}}{{labels.alertname}}={{status}};{{/alerts}}{{#is_resolved}}R{{/is_resolved}}",
                     Message("resolved"));
  REQUIRE(text.has_value());
  CHECK(*text == "alice: PaymentsDown=firing;R");
  auto bad = Render("{{#alerts}}unclosed", Message("alert"));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message().starts_with("template: "));
}

TEST_CASE("template_file is checked at load, with its position") {
  rota::testing::TempDir dir;
  dir.Write("bad.mustache", "{{#alerts}}never closed");
  dir.Write("good.mustache", "{{recipient}}");
  const auto path = dir.Write("rota.yaml", R"(channels:
  - {name: s, type: slack, url: 'http://x', template_file: bad.mustache}
  - {name: w, type: webhook, url: 'http://x', template_file: good.mustache}
  - {name: ok, type: slack, url: 'http://x', template_file: good.mustache}
)");
  auto r = rota::config::Load(path);
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].ToString().find("rota.yaml:2:60: template ") != std::string::npos);
  CHECK(r.errors[1].ToString().find("key \"template_file\" is only for slack channels, not webhook") !=
        std::string::npos);
}
