// Label matchers in Alertmanager's syntax: `name="value"`, `name!="value"`,
// `name=~"regex"`, `name!~"regex"`, alone or as a `{a="b", c=~"d"}` list.
// Values may be unquoted (`severity=page`) or double-quoted with \" \\ \n escapes.
// Regexes are RE2 and fully anchored, as in Alertmanager.
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

// Parses one matcher, or a brace list of matchers separated by commas.
Result<std::vector<Matcher>> ParseMatchers(std::string_view text);

bool IsValidLabelName(std::string_view name);

}  // namespace rota::rules
