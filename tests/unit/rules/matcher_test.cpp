#include "rules/matcher.h"

#include <doctest/doctest.h>

#include <vector>

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
      {"=x", "unexpected ="},
      {"a~x", "~: invalid input"},
      {"a=\"unterminated", "missing end"},
      {"a=~\"(\"", "invalid regular expression"},
      {"{\"a\"=\"b\"", "expected a matcher, a comma or }"},
      {"a=b\"c", "missing end"},
      {"{\"a\"=\"x\\q\"}", "unknown escape"},
      {"{,}", "unexpected ,"},
      {"{\"\"=\"x\"}", "a label name is non-empty UTF-8"},
      {"{\"a\"=b} c", "unexpected c"},
  };
  for (const auto& c : cases) {
    const std::string text = c.text;
    CAPTURE(text);
    auto ms = ParseMatchers(c.text);
    REQUIRE_FALSE(ms.has_value());
    CHECK(ms.error().message().find(c.reason) != std::string::npos);
  }
}

// What Alertmanager >= 0.27 reads for each input (its fallback mode: the
// classic parser's reading wins; what only the UTF-8 grammar reads, it reads).
TEST_CASE("errors of the UTF-8 grammar name the column in characters") {
  // "\u00e9" is two bytes but one character: the stray } is the 8th character.
  auto utf8 = ParseMatchers("{\"\u00e9\"=x}}");
  REQUIRE_FALSE(utf8.has_value());
  CHECK(utf8.error().message().find("column 8: unexpected }") != std::string::npos);
  // An escape is two characters: here the stray } is the 9th.
  auto escaped = ParseMatchers("{\"\\\"\"=x}}");
  REQUIRE_FALSE(escaped.has_value());
  CHECK(escaped.error().message().find("column 9: unexpected }") != std::string::npos);
}

TEST_CASE("ParseMatchers reads what Alertmanager reads") {
  struct Want {
    const char* name;
    MatchOp op;
    const char* value;
  };
  struct Case {
    const char* text;
    std::vector<Want> want;
  };
  const Case cases[] = {
      {"", {}},
      {"{}", {}},
      {" { } ", {}},
      {"foo=bar", {{"foo", MatchOp::kEqual, "bar"}}},
      {"foo=bar,dings!=bums",
       {{"foo", MatchOp::kEqual, "bar"}, {"dings", MatchOp::kNotEqual, "bums"}}},
      {"{foo = \"bar\", dings != \"bums\", }",
       {{"foo", MatchOp::kEqual, "bar"}, {"dings", MatchOp::kNotEqual, "bums"}}},
      {"foo=bar,", {{"foo", MatchOp::kEqual, "bar"}}},
      {"{\"foo\"=\"bar\"}", {{"foo", MatchOp::kEqual, "bar"}}},
      {"{\"service.name\"=~\"api|web\"}", {{"service.name", MatchOp::kRegex, "api|web"}}},
      {"service.name=api", {{"service.name", MatchOp::kEqual, "api"}}},
      {"{h\u00f6he=\"1\"}", {{"h\u00f6he", MatchOp::kEqual, "1"}}},
      {"{\"foo bar\"!~\"x\"}", {{"foo bar", MatchOp::kNotRegex, "x"}}},
      {"__name__=up", {{"__name__", MatchOp::kEqual, "up"}}},
      {"job:rate=x", {{"job:rate", MatchOp::kEqual, "x"}}},
      // Escapes in bare values, as the classic parser reads them.
      {"foo=bar\\nbaz", {{"foo", MatchOp::kEqual, "bar\nbaz"}}},
      {"foo=a\\\\b", {{"foo", MatchOp::kEqual, "a\\b"}}},
      {"foo=a\\\"b", {{"foo", MatchOp::kEqual, "a\"b"}}},
      {"foo=a\\qb", {{"foo", MatchOp::kEqual, "a\\qb"}}},  // a spurious escape stays
      // Braces, each trimmed on its own by the classic parser.
      {"{foo=", {{"foo", MatchOp::kEqual, ""}}},
      {"{foo=}b", {{"foo", MatchOp::kEqual, "}b"}}},
      {"foo=a{b", {{"foo", MatchOp::kEqual, "a{b"}}},
      {"{a=b} c", {{"a", MatchOp::kEqual, "b} c"}}},
      {"{a=\"b\"", {{"a", MatchOp::kEqual, "b"}}},
      {"foo=\"a,b\"", {{"foo", MatchOp::kEqual, "a,b"}}},
      {"quote=\"She said: \\\"Hi, ladies!\\\"\"",
       {{"quote", MatchOp::kEqual, "She said: \"Hi, ladies!\""}}},
      // \u is not a classic escape, so the classic reading (literal) wins...
      {"foo=\"\\u00e9\"", {{"foo", MatchOp::kEqual, "\\u00e9"}}},
      // ... unless only the UTF-8 grammar reads the input (a quoted name).
      {"{\"foo\"=\"\\u00e9\\t\"}", {{"foo", MatchOp::kEqual, "\u00e9\t"}}},
      {"statuscode=~\"5..\"", {{"statuscode", MatchOp::kRegex, "5.."}}},
  };
  for (const auto& c : cases) {
    const std::string text = c.text;
    CAPTURE(text);
    auto ms = ParseMatchers(c.text);
    REQUIRE(ms.has_value());
    REQUIRE(ms->size() == c.want.size());
    for (std::size_t i = 0; i < c.want.size(); ++i) {
      CHECK((*ms)[i].name() == c.want[i].name);
      CHECK((*ms)[i].op() == c.want[i].op);
      CHECK((*ms)[i].value() == c.want[i].value);
    }
  }
}

TEST_CASE("ToString gives a form ParseMatchers reads back") {
  for (const char* text : {R"(msg=~"a\"b\\.c")", R"({"service.name"="x\ny"})", R"(a="t\tb")"}) {
    CAPTURE(text);
    auto ms = ParseMatchers(text);
    REQUIRE(ms.has_value());
    auto again = ParseMatchers((*ms)[0].ToString());
    REQUIRE(again.has_value());
    CHECK((*again)[0].name() == (*ms)[0].name());
    CHECK((*again)[0].value() == (*ms)[0].value());
    CHECK((*again)[0].op() == (*ms)[0].op());
  }
  CHECK((*ParseMatchers(R"({"service.name"="x"})"))[0].ToString() == R"("service.name"="x")");
}
