// Structured logging fit for journald.
//
// One call writes one line: `level=info msg="listening" addr=127.0.0.1:9095`.
// When stderr is connected to the journal (JOURNAL_STREAM names stderr's
// device:inode, as systemd documents), each line starts with the sd-daemon
// priority prefix `<N>` and carries no timestamp (journald adds its own);
// otherwise lines start with an RFC 3339 UTC timestamp. Values are quoted when
// they contain spaces, quotes, '=', backslashes or control bytes; inside the
// quotes every control byte is escaped (\n, \r, \t, else \xNN), so an event
// is always one line and a label can neither forge a field nor send a
// terminal escape. Values over 4 KiB are cut (the line says how long the value
// was). Never pass secrets: nothing here redacts them.
//
// Thread-safety: all functions may be called from any thread; each line is
// written with a single write(2), so lines from threads do not interleave.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace rota::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct Field {
  std::string_view key;
  std::string value;

  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  template <typename N>
    requires std::is_arithmetic_v<N>
  Field(std::string_view k, N v) : key(k), value(std::to_string(v)) {}
};

// Sets up output once, at start-up: detects journald, sets the minimum level.
void Init(Level min_level);
// Parses "debug", "info", "warn", "error".
bool ParseLevel(std::string_view text, Level& out);
void SetLevel(Level min_level);

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view msg, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, msg, f);
}
inline void Info(std::string_view msg, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, msg, f);
}
inline void Warn(std::string_view msg, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, msg, f);
}
inline void Error(std::string_view msg, std::initializer_list<Field> f = {}) {
  Write(Level::kError, msg, f);
}

// Formats one line without writing it (exposed for tests).
std::string FormatLine(Level level, std::string_view msg, std::initializer_list<Field> fields,
                       bool journal, std::string_view timestamp);

}  // namespace rota::log
