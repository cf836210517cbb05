// Label matchers as Alertmanager >= 0.27 reads them (its default "fallback"
// mode): `name="value"`, `!=`, `=~`, `!~`, several separated by commas, with
// or without braces. The classic parser (pkg/labels) is tried first and what
// it reads wins; what only the UTF-8 grammar (matcher/parse) reads, such as
// quoted or UTF-8 label names (`{"service.name"=~"api|web"}`), is read by that.
// Label names are any non-empty UTF-8. Regexes are RE2, fully anchored, and
// `.` does not match a newline, as in Alertmanager (Go's regexp).
//
// Pure; a Matcher is immutable after parsing and safe to share between threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace re2 {
class RE2;
}

namespace rota::rules {

enum class MatchOp { kEqual, kNotEqual, kRegex, kNotRegex };

std::string_view MatchOpString(MatchOp op);

class Matcher {
 public:
  // REQUIRES: name is a valid label name. Fails only for a bad regex.
  static Result<Matcher> Create(std::string name, MatchOp op, std::string value);

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] MatchOp op() const { return op_; }
  [[nodiscard]] const std::string& value() const { return value_; }

  // A missing label matches as the empty string, as in Alertmanager.
  [[nodiscard]] bool Matches(std::string_view label_value) const;
  // The canonical text form: name op "value".
  [[nodiscard]] std::string ToString() const;

 private:
  Matcher(std::string name, MatchOp op, std::string value, std::shared_ptr<const re2::RE2> re);

  std::string name_;
  MatchOp op_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // set for kRegex / kNotRegex
};

// Zero or more matchers ("" and "{}" are none).
Result<std::vector<Matcher>> ParseMatchers(std::string_view text);

// Non-empty valid UTF-8, as Alertmanager >= 0.27 and Prometheus 3 allow.
bool IsValidLabelName(std::string_view name);
// [a-zA-Z_:][a-zA-Z0-9_:]*: written bare in ToString, quoted otherwise.
bool IsClassicLabelName(std::string_view name);

}  // namespace rota::rules
