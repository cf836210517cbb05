#include "rules/matcher.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace rota::rules {
namespace {

// ---- shared ---------------------------------------------------------------

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The length of the valid UTF-8 sequence at s[i], or 0.
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c < 0x80) {
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (d & 0x3F);
  }
  const bool overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

bool IsValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = Utf8Length(s, i);
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

// Bytes of the Unicode white space (Go's unicode.IsSpace) at s[i], or 0.
std::size_t SpaceAt(std::string_view s, std::size_t i) {
  if (IsAsciiSpace(s[i])) {
    return 1;
  }
  static constexpr std::string_view kWide[] = {"\u0085", "\u00a0", "\u1680", "\u2000", "\u2001",
                                               "\u2002", "\u2003", "\u2004", "\u2005", "\u2006",
                                               "\u2007", "\u2008", "\u2009", "\u200a", "\u2028",
                                               "\u2029", "\u202f", "\u205f", "\u3000"};
  for (std::string_view w : kWide) {
    if (s.substr(i, w.size()) == w) {
      return w.size();
    }
  }
  return 0;
}

MatchOp OpOf(std::string_view op) {
  if (op == "=~") {
    return MatchOp::kRegex;
  }
  if (op == "!~") {
    return MatchOp::kNotRegex;
  }
  return op == "!=" ? MatchOp::kNotEqual : MatchOp::kEqual;
}

// ---- the classic parser (Alertmanager's pkg/labels, matcher/oldparse) -----

bool IsClassicNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
}

bool IsClassicNameChar(char c) {
  return IsClassicNameStart(c) || std::isdigit(static_cast<unsigned char>(c)) != 0;
}

bool IsClassicName(std::string_view name) {
  return !name.empty() && IsClassicNameStart(name[0]) &&
         std::all_of(name.begin(), name.end(), IsClassicNameChar);
}

// One matcher: spaces, a classic name, spaces, an operator, spaces, then the
// value up to trailing spaces, with the OpenMetrics escapes \" \n \\ (any
// other backslash is literal) and optional surrounding double quotes.
Result<Matcher> ParseClassicOne(std::string_view s) {
  const auto bad = [&s](std::string_view why) {
    return Fail(
        Error::InvalidArgument("bad matcher \"" + std::string(s) + "\": " + std::string(why)));
  };
  std::size_t i = 0;
  while (i < s.size() && IsAsciiSpace(s[i])) {
    ++i;
  }
  const std::size_t name_start = i;
  if (i >= s.size() || !IsClassicNameStart(s[i])) {
    return bad("expected a label name followed by =, !=, =~ or !~");
  }
  while (i < s.size() && IsClassicNameChar(s[i])) {
    ++i;
  }
  const std::string_view name = s.substr(name_start, i - name_start);
  while (i < s.size() && IsAsciiSpace(s[i])) {
    ++i;
  }
  std::string_view op;
  for (std::string_view candidate : {"=~", "=", "!=", "!~"}) {
    if (s.substr(i).starts_with(candidate)) {
      op = candidate;
      break;
    }
  }
  if (op.empty()) {
    return bad("expected =, !=, =~ or !~ after " + std::string(name));
  }
  i += op.size();
  while (i < s.size() && IsAsciiSpace(s[i])) {
    ++i;
  }
  std::string_view raw = s.substr(i);
  while (!raw.empty() && IsAsciiSpace(raw.back())) {
    raw.remove_suffix(1);
  }
  bool expect_trailing_quote = false;
  if (raw.starts_with('"')) {
    raw.remove_prefix(1);
    expect_trailing_quote = true;
  }
  if (!IsValidUtf8(raw)) {
    return bad("value is not valid UTF-8");
  }
  std::string value;
  bool escaped = false;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    const char c = raw[k];
    if (escaped) {
      escaped = false;
      if (c == 'n') {
        value += '\n';
      } else if (c == '"' || c == '\\') {
        value += c;
      } else {
        value += '\\';
        value += c;
      }
    } else if (c == '\\') {
      if (k + 1 < raw.size()) {
        escaped = true;
      } else {
        value += '\\';
      }
    } else if (c == '"') {
      if (!expect_trailing_quote || k + 1 < raw.size()) {
        return bad("unescaped double quote in the value");
      }
      expect_trailing_quote = false;
    } else {
      value += c;
    }
  }
  if (expect_trailing_quote) {
    return bad("unterminated quoted value (or an unescaped double quote)");
  }
  auto m = Matcher::Create(std::string(name), OpOf(op), std::move(value));
  if (!m) {
    return bad(m.error().message());
  }
  return m;
}

// An optional leading { and trailing } (each on its own), then matchers
// split on commas outside double quotes; a trailing comma is dropped.
Result<std::vector<Matcher>> ParseClassic(std::string_view s) {
  if (s.starts_with('{')) {
    s.remove_prefix(1);
  }
  if (s.ends_with('}')) {
    s.remove_suffix(1);
  }
  std::vector<std::string_view> tokens;
  bool in_quotes = false;
  bool escaped = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ',') {
      if (!in_quotes) {
        tokens.push_back(s.substr(start, i - start));
        start = i + 1;
      }
    } else if (c == '"') {
      if (!escaped) {
        in_quotes = !in_quotes;
      } else {
        escaped = false;
      }
    } else if (c == '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
  }
  std::string_view last = s.substr(start);
  while (!last.empty() && IsAsciiSpace(last.front())) {
    last.remove_prefix(1);
  }
  while (!last.empty() && IsAsciiSpace(last.back())) {
    last.remove_suffix(1);
  }
  if (!last.empty()) {
    tokens.push_back(last);
  }
  std::vector<Matcher> out;
  for (std::string_view token : tokens) {
    auto m = ParseClassicOne(token);
    if (!m) {
      return Fail(m.error());
    }
    out.push_back(std::move(*m));
  }
  return out;
}

// ---- the UTF-8 grammar (Alertmanager's matcher/parse) ----------------------

enum class Tok { kEnd, kOpen, kClose, kComma, kOp, kQuoted, kUnquoted };

struct Token {
  Tok kind = Tok::kEnd;
  std::string_view text;
  std::size_t column = 0;  // in characters, from 0, as Alertmanager counts
};

bool IsReserved(char c) {
  static constexpr std::string_view kReserved = "{}!=~,\\\"'`";
  return kReserved.find(c) != std::string_view::npos;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Result<Token> Next() {
    while (i_ < s_.size()) {
      const std::size_t n = SpaceAt(s_, i_);
      if (n == 0) {
        break;
      }
      Advance(n);
    }
    if (i_ >= s_.size()) {
      return Token{Tok::kEnd, {}, column_};
    }
    const std::size_t begin = i_;
    const std::size_t col = column_;
    const char c = s_[i_];
    const auto token = [&](Tok kind) { return Token{kind, s_.substr(begin, i_ - begin), col}; };
    if (c == '{' || c == '}' || c == ',') {
      Advance(1);
      return token(c == '{' ? Tok::kOpen : c == '}' ? Tok::kClose : Tok::kComma);
    }
    if (c == '=' || c == '!') {
      Advance(1);
      if (i_ < s_.size() && (s_[i_] == '~' || (c == '!' && s_[i_] == '='))) {
        Advance(1);
      } else if (c == '!') {
        return Error(col, "'!' must be followed by = or ~");
      }
      return token(Tok::kOp);
    }
    if (c == '"') {
      Advance(1);
      while (i_ < s_.size() && s_[i_] != '"') {
        Advance(s_[i_] == '\\' && i_ + 1 < s_.size() ? 2 : 1);
      }
      if (i_ >= s_.size()) {
        return Error(col, std::string(s_.substr(begin)) + ": missing end \"");
      }
      Advance(1);
      return token(Tok::kQuoted);
    }
    if (IsReserved(c)) {
      return Error(col, std::string(1, c) + ": invalid input");
    }
    while (i_ < s_.size() && !IsReserved(s_[i_]) && SpaceAt(s_, i_) == 0) {
      const std::size_t n = Utf8Length(s_, i_);
      if (n == 0) {
        return Error(column_, "invalid UTF-8");
      }
      Advance(n);
    }
    return token(Tok::kUnquoted);
  }

 private:
  // Columns count characters: a UTF-8 continuation byte adds none.
  void Advance(std::size_t bytes) {
    for (std::size_t k = 0; k < bytes && i_ < s_.size(); ++k, ++i_) {
      if ((static_cast<unsigned char>(s_[i_]) & 0xC0U) != 0x80U) {
        ++column_;
      }
    }
  }
  static Result<Token> Error(std::size_t column, const std::string& what) {
    return Fail(Error::InvalidArgument("column " + std::to_string(column + 1) + ": " + what));
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::size_t column_ = 0;
};

// Go's strconv.Unquote of a double-quoted literal: \a \b \f \n \r \t \v \\ \"
// \xHH \ooo \uHHHH \UHHHHHHHH; no raw newline.
Result<std::string> UnquoteGo(std::string_view q) {
  const auto bad = [&q](std::string_view why) {
    return Fail(Error::InvalidArgument(std::string(q) + ": " + std::string(why)));
  };
  std::string out;
  const std::string_view body = q.substr(1, q.size() - 2);
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\n') {
      return bad("a newline inside quotes must be written \\n");
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= body.size()) {
      return bad("dangling escape");
    }
    const char e = body[i];
    static constexpr std::string_view kSimple = "abfnrtv\\\"";
    static constexpr std::string_view kValue = "\a\b\f\n\r\t\v\\\"";
    if (const auto k = kSimple.find(e); k != std::string_view::npos) {
      out += kValue[k];
      continue;
    }
    std::size_t digits = e == 'x'                 ? 2
                         : e == 'u'               ? 4
                         : e == 'U'               ? 8
                         : (e >= '0' && e <= '7') ? 3
                                                  : 0;
    if (digits == 0) {
      return bad(std::string("unknown escape \\") + e);
    }
    const bool octal = e >= '0' && e <= '7';
    const std::size_t from = octal ? i : i + 1;
    if (from + digits > body.size()) {
      return bad("short escape");
    }
    std::uint32_t v = 0;
    for (std::size_t k = from; k < from + digits; ++k) {
      const int d = octal ? (body[k] >= '0' && body[k] <= '7' ? body[k] - '0' : -1) : hex(body[k]);
      if (d < 0) {
        return bad("bad escape");
      }
      v = v * (octal ? 8U : 16U) + static_cast<std::uint32_t>(d);
    }
    i = from + digits - 1;
    if (e == 'x' || octal) {
      if (v > 255) {
        return bad("octal escape over 255");
      }
      out += static_cast<char>(v);
    } else {
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        return bad("escape is not a Unicode character");
      }
      if (v < 0x80) {
        out += static_cast<char>(v);
      } else if (v < 0x800) {
        out += static_cast<char>(0xC0 | (v >> 6));
        out += static_cast<char>(0x80 | (v & 0x3F));
      } else if (v < 0x10000) {
        out += static_cast<char>(0xE0 | (v >> 12));
        out += static_cast<char>(0x80 | ((v >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (v & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (v >> 18));
        out += static_cast<char>(0x80 | ((v >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((v >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (v & 0x3F));
      }
    }
  }
  if (!IsValidUtf8(out)) {
    return bad("not valid UTF-8");
  }
  return out;
}

Result<std::string> TokenText(const Token& t) {
  return t.kind == Tok::kQuoted ? UnquoteGo(t.text) : Result<std::string>(std::string(t.text));
}

// {? (matcher (, matcher)* ,?)? }?  with the braces both there or both not.
Result<std::vector<Matcher>> ParseUtf8(std::string_view s) {
  Lexer lex(s);
  const auto bad = [](const Token& t, std::string_view why) {
    return Fail(Error::InvalidArgument(
        "column " + std::to_string(t.column + 1) + ": " +
        (t.kind == Tok::kEnd ? std::string("end of input") : "unexpected " + std::string(t.text)) +
        ", " + std::string(why)));
  };
  std::vector<Matcher> out;
  auto t = lex.Next();
  if (!t) {
    return Fail(t.error());
  }
  const bool braces = t->kind == Tok::kOpen;
  if (braces && !(t = lex.Next())) {
    return Fail(t.error());
  }
  while (t->kind == Tok::kQuoted || t->kind == Tok::kUnquoted) {
    auto name = TokenText(*t);
    if (!name) {
      return Fail(name.error());
    }
    auto op = lex.Next();
    if (!op) {
      return Fail(op.error());
    }
    if (op->kind != Tok::kOp) {
      return bad(*op, "expected =, !=, =~ or !~");
    }
    auto value_token = lex.Next();
    if (!value_token) {
      return Fail(value_token.error());
    }
    if (value_token->kind != Tok::kQuoted && value_token->kind != Tok::kUnquoted) {
      return bad(*value_token, "expected a label value");
    }
    auto value = TokenText(*value_token);
    if (!value) {
      return Fail(value.error());
    }
    if (!IsValidLabelName(*name)) {
      return bad(*t, "a label name is non-empty UTF-8");
    }
    auto m = Matcher::Create(std::move(*name), OpOf(op->text), std::move(*value));
    if (!m) {
      return Fail(m.error());
    }
    out.push_back(std::move(*m));
    if (!(t = lex.Next())) {
      return Fail(t.error());
    }
    if (t->kind != Tok::kComma) {
      break;
    }
    if (!(t = lex.Next())) {
      return Fail(t.error());
    }
  }
  if (braces) {
    if (t->kind != Tok::kClose) {
      return bad(*t, "expected a matcher, a comma or }");
    }
    if (!(t = lex.Next())) {
      return Fail(t.error());
    }
  }
  if (t->kind != Tok::kEnd) {
    return bad(*t, braces || t->kind != Tok::kClose ? "expected the end" : "} without {");
  }
  return out;
}

}  // namespace

std::string_view MatchOpString(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual:
      return "=";
    case MatchOp::kNotEqual:
      return "!=";
    case MatchOp::kRegex:
      return "=~";
    case MatchOp::kNotRegex:
      return "!~";
  }
  return "=";
}

bool IsValidLabelName(std::string_view name) { return !name.empty() && IsValidUtf8(name); }

bool IsClassicLabelName(std::string_view name) { return IsClassicName(name); }

Matcher::Matcher(std::string name, MatchOp op, std::string value,
                 std::shared_ptr<const re2::RE2> re)
    : name_(std::move(name)), op_(op), value_(std::move(value)), re_(std::move(re)) {}

Result<Matcher> Matcher::Create(std::string name, MatchOp op, std::string value) {
  std::shared_ptr<const re2::RE2> re;
  if (op == MatchOp::kRegex || op == MatchOp::kNotRegex) {
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    // As Alertmanager (Go's regexp, no (?s)): `.` does not match a newline;
    // write (?s) to make it.
    opts.set_dot_nl(false);
    // The user's own text first, so an error quotes what they wrote, not
    // the anchored form rota compiles.
    if (const re2::RE2 own(value, opts); !own.ok()) {
      return Fail(
          Error::InvalidArgument("invalid regular expression \"" + value + "\": " + own.error()));
    }
    auto compiled = std::make_shared<re2::RE2>("^(?:" + value + ")$", opts);
    if (!compiled->ok()) {
      return Fail(Error::InvalidArgument("invalid regular expression \"" + value +
                                         "\": " + compiled->error()));
    }
    re = std::move(compiled);
  }
  return Matcher(std::move(name), op, std::move(value), std::move(re));
}

bool Matcher::Matches(std::string_view label_value) const {
  switch (op_) {
    case MatchOp::kEqual:
      return label_value == value_;
    case MatchOp::kNotEqual:
      return label_value != value_;
    case MatchOp::kRegex:
      return re2::RE2::FullMatch(label_value, *re_);
    case MatchOp::kNotRegex:
      return !re2::RE2::FullMatch(label_value, *re_);
  }
  return false;
}

namespace {

// A double-quoted form both parsers read back: \\ \" \n escaped, all else raw.
void AppendQuoted(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

std::string Matcher::ToString() const {
  std::string out;
  if (IsClassicName(name_)) {
    out = name_;
  } else {
    AppendQuoted(out, name_);
  }
  out += MatchOpString(op_);
  AppendQuoted(out, value_);
  return out;
}

// Alertmanager's default ("fallback") mode: what the classic parser reads
// wins, and what only the UTF-8 grammar reads is read by it. Errors come from
// the UTF-8 grammar, which says where.
Result<std::vector<Matcher>> ParseMatchers(std::string_view text) {
  if (auto classic = ParseClassic(text)) {
    return classic;
  }
  auto utf8 = ParseUtf8(text);
  if (!utf8) {
    return Fail(Error::InvalidArgument("bad matchers \"" + std::string(text) +
                                       "\": " + utf8.error().message()));
  }
  return utf8;
}

}  // namespace rota::rules
