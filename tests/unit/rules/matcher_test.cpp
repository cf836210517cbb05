#include "rules/matcher.h"

#include <doctest/doctest.h>

using rota::rules::MatchOp;
using rota::rules::ParseMatchers;

TEST_CASE("ParseMatchers reads the four operators, quoted and unquoted") {
  struct Case {
    const char* text;
    const char* name;
    MatchOp op;
    const char* value;
  };
  const Case cases[] = {
      {"service=\"payments\"", "service", MatchOp::kEqual, "payments"},
      {"service = payments", "service", MatchOp::kEqual, "payments"},
      {"env!=\"dev\"", "env", MatchOp::kNotEqual, "dev"},
      {"severity=~\"critical|page\"", "severity", MatchOp::kRegex, "critical|page"},
      {"team!~\"ops.*\"", "team", MatchOp::kNotRegex, "ops.*"},
      {"msg=\"say \\\"hi\\\", ok\"", "msg", MatchOp::kEqual, "say \"hi\", ok"},
      {"empty=\"\"", "empty", MatchOp::kEqual, ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto ms = ParseMatchers(c.text);
    REQUIRE(ms.has_value());
    REQUIRE(ms->size() == 1);
    CHECK((*ms)[0].name() == c.name);
    CHECK((*ms)[0].op() == c.op);
    CHECK((*ms)[0].value() == c.value);
  }
}

TEST_CASE("ParseMatchers reads a brace list with commas inside quotes") {
  auto ms = ParseMatchers(R"({a="b", c=~"d,e", f!="g",})");
  REQUIRE(ms.has_value());
  REQUIRE(ms->size() == 3);
  CHECK((*ms)[1].value() == "d,e");
  CHECK((*ms)[2].op() == MatchOp::kNotEqual);
}

TEST_CASE("regex matchers are fully anchored") {
  auto ms = ParseMatchers(R"(severity=~"crit")");
  REQUIRE(ms.has_value());
  const auto& m = (*ms)[0];
  CHECK(m.Matches("crit"));
  CHECK_FALSE(m.Matches("critical"));
  CHECK_FALSE(m.Matches("subcrit"));
  auto alt = ParseMatchers(R"(severity=~"critical|page")");
  REQUIRE(alt.has_value());
  CHECK((*alt)[0].Matches("page"));
  CHECK_FALSE((*alt)[0].Matches("pager"));
  auto neg = ParseMatchers(R"(env!~"dev|test")");
  REQUIRE(neg.has_value());
  CHECK((*neg)[0].Matches("prod"));
  CHECK_FALSE((*neg)[0].Matches("dev"));
}

TEST_CASE("a regex dot does not match a newline, as in Alertmanager; (?s) makes it") {
  auto plain = ParseMatchers(R"(summary=~"disk.full")");
  REQUIRE(plain.has_value());
  CHECK((*plain)[0].Matches("disk full"));
  CHECK_FALSE((*plain)[0].Matches("disk\nfull"));
  auto star = ParseMatchers(R"(summary=~".*")");
  REQUIRE(star.has_value());
  CHECK_FALSE((*star)[0].Matches("two\nlines"));
  auto dotall = ParseMatchers(R"(summary=~"(?s)disk.full")");
  REQUIRE(dotall.has_value());
  CHECK((*dotall)[0].Matches("disk\nfull"));
}

TEST_CASE("a missing label matches as the empty string") {
  auto ms = ParseMatchers(R"(env!="prod")");
  REQUIRE(ms.has_value());
  CHECK((*ms)[0].Matches(""));
}

TEST_CASE("ParseMatchers rejects bad input with a reason") {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "empty"},
      {"=x", "label name"},
      {"1abc=x", "label name"},
      {"a~x", "expected =, !=, =~ or !~"},
      {"a=\"unterminated", "unterminated"},
      {"a=~\"(\"", "invalid regular expression"},
      {"{a=\"b\"", "missing closing }"},
      {"a=b\"c", "quote"},
      {"a=\"x\\q\"", "unknown escape"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto ms = ParseMatchers(c.text);
    REQUIRE_FALSE(ms.has_value());
    CHECK(ms.error().message().find(c.reason) != std::string::npos);
  }
}

TEST_CASE("ToString gives a form ParseMatchers reads back") {
  auto ms = ParseMatchers(R"(msg=~"a\"b\\.c")");
  REQUIRE(ms.has_value());
  auto again = ParseMatchers((*ms)[0].ToString());
  REQUIRE(again.has_value());
  CHECK((*again)[0].value() == (*ms)[0].value());
  CHECK((*again)[0].op() == MatchOp::kRegex);
}
