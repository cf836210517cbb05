// Text made safe inside HTML or XML (element text and quoted attribute
// values): the five characters that mean something there become entities.
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rota {

inline std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace rota
