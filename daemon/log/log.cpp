#include "log/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace rota::log {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};
std::atomic<bool> g_journal{false};

// True when JOURNAL_STREAM ("dev:ino") names the file stderr is connected to.
bool StderrIsJournal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (env == nullptr) {
    return false;
  }
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) {
    return false;
  }
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) {
    return false;
  }
  return st.st_dev == dev && st.st_ino == ino;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

// sd-daemon(3) priorities.
int Priority(Level level) {
  switch (level) {
    case Level::kDebug:
      return 7;
    case Level::kInfo:
      return 6;
    case Level::kWarn:
      return 4;
    case Level::kError:
      return 3;
  }
  return 6;
}

bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// Values longer than this are cut, so no input can make a line megabytes long.
constexpr std::size_t kMaxValueBytes = 4096;

// Quotes `v` when it holds a space, quote, '=', backslash or any control byte;
// inside quotes every control byte is escaped (\n, \r, \t, else \xNN), so a
// value can never end a line, forge a field or send a terminal escape.
void AppendValue(std::string& out, std::string_view v) {
  std::size_t cut = 0;
  if (v.size() > kMaxValueBytes) {
    cut = v.size();
    v = v.substr(0, kMaxValueBytes);
  }
  bool quote = v.empty() || cut != 0;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || IsControl(c)) {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (IsControl(c)) {
          static constexpr char kHex[] = "0123456789abcdef";
          const auto u = static_cast<unsigned char>(c);
          out += "\\x";
          out += kHex[u >> 4U];
          out += kHex[u & 0xfU];
        } else {
          out += c;
        }
    }
  }
  if (cut != 0) {
    out += "...(" + std::to_string(cut) + " bytes)";
  }
  out += '"';
}

std::string NowRfc3339() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

void Init(Level min_level) {
  g_min_level = static_cast<int>(min_level);
  g_journal = StderrIsJournal();
}

void SetLevel(Level min_level) { g_min_level = static_cast<int>(min_level); }

bool ParseLevel(std::string_view text, Level& out) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (text == LevelName(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

std::string FormatLine(Level level, std::string_view msg, std::initializer_list<Field> fields,
                       bool journal, std::string_view timestamp) {
  std::string line;
  line.reserve(128);
  if (journal) {
    line += '<';
    line += std::to_string(Priority(level));
    line += '>';
  } else {
    line += "ts=";
    line += timestamp;
    line += ' ';
  }
  line += "level=";
  line += LevelName(level);
  line += " msg=";
  AppendValue(line, msg);
  for (const auto& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    AppendValue(line, f.value);
  }
  line += '\n';
  return line;
}

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) {
    return;
  }
  const bool journal = g_journal.load(std::memory_order_relaxed);
  const std::string line = FormatLine(level, msg, fields, journal, journal ? "" : NowRfc3339());
  std::size_t off = 0;
  while (off < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) {
      return;  // Nowhere left to report a failing stderr.
    }
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace rota::log
