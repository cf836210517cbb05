#include "rules/matcher.h"

#include <re2/re2.h>

#include <cctype>

namespace rota::rules {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits a brace list on commas outside double quotes.
Result<std::vector<std::string_view>> SplitList(std::string_view body) {
  std::vector<std::string_view> parts;
  bool in_quotes = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_quotes && c == '\\') {
      ++i;
      continue;
    }
    if (c == '"') {
      in_quotes = !in_quotes;
    } else if (c == ',' && !in_quotes) {
      parts.push_back(body.substr(start, i - start));
      start = i + 1;
    }
  }
  if (in_quotes) {
    return Fail(Error::InvalidArgument("unterminated quoted string"));
  }
  parts.push_back(body.substr(start));
  return parts;
}

Result<std::string> Unquote(std::string_view v) {
  if (v.empty() || v.front() != '"') {
    // Unquoted values may not contain quotes or braces.
    for (char c : v) {
      if (c == '"' || c == '{' || c == '}') {
        return Fail(Error::InvalidArgument("unexpected " + std::string(1, c) +
                                           " in unquoted value; quote the value"));
      }
    }
    return std::string(v);
  }
  if (v.size() < 2 || v.back() != '"') {
    return Fail(Error::InvalidArgument("unterminated quoted string"));
  }
  std::string out;
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    char c = v[i];
    if (c == '\\') {
      if (i + 2 >= v.size()) {
        return Fail(Error::InvalidArgument("dangling escape at end of value"));
      }
      const char n = v[++i];
      switch (n) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case '\\':
        case '"':
          out += n;
          break;
        default:
          return Fail(Error::InvalidArgument(std::string("unknown escape \\") + n));
      }
    } else if (c == '"') {
      return Fail(Error::InvalidArgument("unescaped quote inside value"));
    } else {
      out += c;
    }
  }
  return out;
}

Result<Matcher> ParseOne(std::string_view text) {
  text = Trim(text);
  std::size_t i = 0;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) != 0 ||
                             text[i] == '_')) {
    ++i;
  }
  const std::string name(text.substr(0, i));
  if (!IsValidLabelName(name)) {
    return Fail(Error::InvalidArgument("bad matcher \"" + std::string(text) +
                                       "\": expected a label name ([a-zA-Z_][a-zA-Z0-9_]*) "
                                       "followed by =, !=, =~ or !~"));
  }
  std::string_view rest = Trim(text.substr(i));
  MatchOp op{};
  if (rest.starts_with("=~")) {
    op = MatchOp::kRegex;
    rest.remove_prefix(2);
  } else if (rest.starts_with("!~")) {
    op = MatchOp::kNotRegex;
    rest.remove_prefix(2);
  } else if (rest.starts_with("!=")) {
    op = MatchOp::kNotEqual;
    rest.remove_prefix(2);
  } else if (rest.starts_with("=")) {
    op = MatchOp::kEqual;
    rest.remove_prefix(1);
  } else {
    return Fail(Error::InvalidArgument("bad matcher \"" + std::string(text) +
                                       "\": expected =, !=, =~ or !~ after " + name));
  }
  auto value = Unquote(Trim(rest));
  if (!value) {
    return Fail(Error::InvalidArgument("bad matcher \"" + std::string(text) +
                                       "\": " + value.error().message()));
  }
  auto m = Matcher::Create(name, op, std::move(*value));
  if (!m) {
    return Fail(Error::InvalidArgument("bad matcher \"" + std::string(text) +
                                       "\": " + m.error().message()));
  }
  return m;
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

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    const bool ok = std::isalpha(c) != 0 || c == '_' || (i > 0 && std::isdigit(c) != 0);
    if (!ok) {
      return false;
    }
  }
  return true;
}

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
    auto compiled = std::make_shared<re2::RE2>("^(?:" + value + ")$", opts);
    if (!compiled->ok()) {
      return Fail(Error::InvalidArgument("invalid regular expression: " + compiled->error()));
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

std::string Matcher::ToString() const {
  std::string out = name_;
  out += MatchOpString(op_);
  out += '"';
  for (char c : value_) {
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
  return out;
}

Result<std::vector<Matcher>> ParseMatchers(std::string_view text) {
  std::string_view t = Trim(text);
  if (t.empty()) {
    return Fail(Error::InvalidArgument("empty matcher"));
  }
  std::vector<Matcher> out;
  if (t.front() == '{') {
    if (t.back() != '}') {
      return Fail(Error::InvalidArgument("missing closing } in \"" + std::string(t) + "\""));
    }
    auto parts = SplitList(t.substr(1, t.size() - 2));
    if (!parts) {
      return Fail(parts.error());
    }
    for (std::string_view part : *parts) {
      if (Trim(part).empty()) {
        continue;  // `{}` and a trailing comma are allowed
      }
      auto m = ParseOne(part);
      if (!m) {
        return Fail(m.error());
      }
      out.push_back(std::move(*m));
    }
    return out;
  }
  auto m = ParseOne(t);
  if (!m) {
    return Fail(m.error());
  }
  out.push_back(std::move(*m));
  return out;
}

}  // namespace rota::rules
