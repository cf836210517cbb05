#include "notify/template.h"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "../test_util.h"
#include "notify/channel.h"

using rota::notify::DefaultTemplate;
using rota::notify::Render;

namespace {

boost::json::value Message(const char* kind) {
  return boost::json::parse(std::string(R"({"recipient":"alice","kind":")") + kind +
                            R"(","route":"pages","step":1,
    "alerts":[{"id":"7","status":"firing","labels":{"alertname":"PaymentsDown"},
               "annotations":{"summary":"checkout & refunds fail"},"ack_url":"https://rota.example/ack/7/1/alice/ab"}],
    "resolved_alerts":[{"labels":{"alertname":"OldThing"}}]})");
}

}  // namespace

TEST_CASE("the default Slack text names the alert, escapes, and links the ack") {
  auto text = Render(DefaultTemplate(rota::config::ChannelType::kSlack), Message("alert"));
  REQUIRE(text.has_value());
  CHECK(text->starts_with("*Alert* (route pages, step 1)\n"));
  CHECK(text->find("• *PaymentsDown* checkout &amp; refunds fail (firing) "
                   "<https://rota.example/ack/7/1/alice/ab|acknowledge>") != std::string::npos);
  CHECK(text->find("Held for you") == std::string::npos);
}

TEST_CASE("digests say so and list what resolved meanwhile") {
  auto text = Render(DefaultTemplate(rota::config::ChannelType::kSlack), Message("digest"));
  REQUIRE(text.has_value());
  CHECK(text->starts_with("*Held for you while you were off duty*\n"));
  CHECK(text->find("• resolved meanwhile: OldThing") != std::string::npos);
}

TEST_CASE("custom templates see every field; broken ones are errors") {
  auto text = Render(
      "{{recipient}}: "
      "{{#alerts}}{{labels.alertname}}={{status}};{{/alerts}}{{#is_resolved}}R{{/is_resolved}}",
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
  CHECK(r.errors[1].ToString().find("key \"template_file\" is only for slack, email, mattermost, "
                                    "msteams, telegram and ntfy channels, not webhook") !=
        std::string::npos);
}

TEST_CASE("plain-text rendering does not HTML-escape; the default email parts") {
  using rota::notify::Escape;
  auto plain =
      Render("{{#alerts}}{{annotations.summary}}{{/alerts}}", Message("alert"), Escape::kNone);
  REQUIRE(plain.has_value());
  CHECK(*plain == "checkout & refunds fail");
  auto subject = Render(rota::notify::DefaultEmailSubject(), Message("alert"), Escape::kNone);
  REQUIRE(subject.has_value());
  CHECK(*subject == "[rota] Alert: PaymentsDown");
  auto digest = Render(rota::notify::DefaultEmailSubject(), Message("digest"), Escape::kNone);
  REQUIRE(digest.has_value());
  CHECK(*digest == "[rota] Held while you were off duty: PaymentsDown");
  auto text =
      Render(DefaultTemplate(rota::config::ChannelType::kEmail), Message("alert"), Escape::kNone);
  REQUIRE(text.has_value());
  CHECK(text->starts_with("An alert for you (route pages, step 1; "));
  CHECK(text->find(
            "  checkout & refunds fail\n  Acknowledge: https://rota.example/ack/7/1/alice/ab\n") !=
        std::string::npos);
  auto html = Render(rota::notify::DefaultEmailHtml(), Message("alert"));
  REQUIRE(html.has_value());
  CHECK(html->find(
            "checkout &amp; refunds fail<br><a href=\"https://rota.example/ack/7/1/alice/ab\">") !=
        std::string::npos);
}

TEST_CASE("email header values cannot inject headers and non-ASCII is RFC 2047 encoded") {
  using rota::notify::EmailHeaderValue;
  CHECK(EmailHeaderValue("Disk full") == "Disk full");
  CHECK(EmailHeaderValue("a\r\nBcc: evil@example.com") == "a  Bcc: evil@example.com");
  CHECK(EmailHeaderValue("für alice") == "=?UTF-8?Q?f=C3=BCr_alice?=");
  // Long text is split into encoded words of at most 75 characters, never
  // inside a UTF-8 sequence.
  std::string long_text;
  for (int i = 0; i < 40; ++i) {
    long_text += "ü";
  }
  const std::string enc = EmailHeaderValue(long_text);
  std::size_t start = 0;
  int words = 0;
  while (start < enc.size()) {
    auto end = enc.find(' ', start);
    end = end == std::string::npos ? enc.size() : end;
    const std::string word = enc.substr(start, end - start);
    CHECK(word.size() <= 75);
    CHECK(word.starts_with("=?UTF-8?Q?"));
    CHECK(word.ends_with("?="));
    CHECK(word.find("=C3?=") == std::string::npos);  // a lead byte never ends a word
    ++words;
    start = end + 1;
  }
  CHECK(words > 1);
  CHECK(rota::notify::EmailAddress("Rota <rota@example.com>") == "rota@example.com");
  CHECK(rota::notify::EmailAddress("rota@example.com") == "rota@example.com");
}

TEST_CASE("email and pacing keys are checked at load") {
  rota::testing::TempDir dir;
  dir.Write("pw", "secret\n");
  dir.Write("ca.pem", "not really a certificate, but readable\n");
  const auto path = dir.Write("rota.yaml", R"(channels:
  - {name: a, type: email, smarthost: 'mail.example.com:587', from: r@x, auth_username: u, auth_password_file: pw, require_tls: false}
  - {name: b, type: email, smarthost: '127.0.0.1:25', from: r@x, auth_username: u, auth_password_file: pw, require_tls: false}
  - {name: c, type: email, smarthost: 'mail.example.com:587', from: r@x, auth_username: u}
  - {name: d, type: webhook, url: 'http://x', rate_burst: 5}
  - {name: e, type: webhook, url: 'http://x', max_concurrency: 0}
  - {name: f, type: slack, url: 'http://x', html_template_file: x.mustache, ca_file: ca.pem}
  - {name: g, type: email, smarthost: 'm:25', from: r@x, ca_file: missing.pem, subject: '{{#a}}'}
  - {name: h, type: webhook, url: 'http://x', rate_limit: 2.5, max_concurrency: 8, ca_file: ca.pem}
)");
  auto r = rota::config::Load(path);
  std::vector<std::string> got;
  for (const auto& e : r.errors) {
    got.push_back(e.ToString());
  }
  REQUIRE(got.size() == 7);
  CHECK(got[0].find(
            "rota.yaml:2:129: require_tls: false with SMTP AUTH is only allowed for a loopback") !=
        std::string::npos);
  CHECK(got[1].find("rota.yaml:4:89: auth_username needs auth_password_file") != std::string::npos);
  CHECK(got[2].find("rota.yaml:5:59: rate_burst needs rate_limit") != std::string::npos);
  CHECK(got[3].find("rota.yaml:6:64: max_concurrency must be between 1 and 64, got 0") !=
        std::string::npos);
  CHECK(got[4].find(
            "rota.yaml:7:65: key \"html_template_file\" is only for email channels, not slack") !=
        std::string::npos);
  CHECK(got[5].find("rota.yaml:8:89: subject template: ") != std::string::npos);
  CHECK(got[6].find("rota.yaml:8:67: ") != std::string::npos);
  CHECK(got[6].find("missing.pem") != std::string::npos);
}

TEST_CASE("a stored payload whose kind is not a string renders as no kind, not an exception") {
  // Found by tests/fuzz/outbox_body_fuzz: a restarted outbox row is whatever the disk holds.
  for (const char* doc : {R"({"kind":12222222222222222222222,"alerts":[]})",
                          R"({"kind":["alert"]})", R"({"kind":null,"alerts":{"x":1}})"}) {
    CAPTURE(doc);
    auto text = Render(DefaultTemplate(rota::config::ChannelType::kSlack), boost::json::parse(doc));
    REQUIRE(text.has_value());
    CHECK(text->find("*Alert*") == std::string::npos);
  }
}
