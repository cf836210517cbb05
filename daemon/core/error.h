// Error and Result: how every rota module reports failure.
//
// Errors are values (docs/development.md "Conventions"): a function that can fail returns
// Result<T> = tl::expected<T, Error>. Exceptions thrown by libraries are caught
// at the module edge and turned into an Error. An Error carries a code (for
// callers that branch on it) and a human message (for operators).
//
// Thread-safety: plain values; safe to copy across threads.
#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace rota {

class Error {
 public:
  // kFenced: a write refused because this instance no longer leads (high
  // availability); nothing of it was written, and what it decided must not
  // be sent either.
  enum class Code { kInvalidArgument, kNotFound, kIo, kUnavailable, kInternal, kFenced, kTooLarge };

  static Error InvalidArgument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Error NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Error Io(std::string msg) { return {Code::kIo, std::move(msg)}; }
  static Error Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Error Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
  static Error Fenced(std::string msg) { return {Code::kFenced, std::move(msg)}; }
  // An answer over its size limit (HTTP 413).
  static Error TooLarge(std::string msg) { return {Code::kTooLarge, std::move(msg)}; }

  [[nodiscard]] Code code() const { return code_; }
  [[nodiscard]] const std::string& message() const { return message_; }

 private:
  Error(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_;
  std::string message_;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Shorthand for `return Fail(Error::...)` inside functions returning Result<T>.
inline tl::unexpected<Error> Fail(Error e) { return tl::unexpected<Error>(std::move(e)); }

}  // namespace rota
