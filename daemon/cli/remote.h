// rotactl's side of talking to a running rotad: the options every daemon
// command takes (--url, default $ROTA_URL, else http://127.0.0.1:9095;
// --token-file, default $ROTA_TOKEN_FILE; --ca-file, --cert-file,
// --key-file for https; --request-timeout; -o), one call, its answer as JSON, and small
// helpers to print answers.
//
// Thread-safety: not applicable (one command per process).
#pragma once

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "core/clock.h"
#include "core/error.h"
#include "http/client.h"

namespace rota::cli {

struct Remote {
  std::string url;
  std::string token_file;
  http::TlsClientFiles tls;
  std::string output = "text";
  std::string request_timeout = "30s";  // each call to rotad, all of it
};

// Adds --url, --token-file, --ca-file, --cert-file, --key-file,
// --request-timeout and -o.
// With `url_default` false, --url defaults to $ROTA_URL only (empty when
// unset): commands that can also work offline ask rotad only when told to.
void AddRemoteOptions(boost::program_options::options_description& desc, Remote& r,
                      bool url_default = true);

int ParseArgs(const Args& args, boost::program_options::options_description& desc,
              const boost::program_options::positional_options_description& pos,
              boost::program_options::variables_map& vm, std::ostream& err,
              std::string_view command);

// Calls rotad; on a non-2xx answer prints its error and returns nothing.
std::optional<std::string> CallRaw(const Remote& r, const std::string& method,
                                   const std::string& target, const std::string& body,
                                   std::ostream& err);
// The same, parsed as JSON.
std::optional<boost::json::value> Call(const Remote& r, const std::string& method,
                                       const std::string& target, const std::string& body,
                                       std::ostream& err);

// A member as text: a string as is, a list joined by ',', null or absent "-".
std::string Str(const boost::json::value& v, std::string_view key);
// A string as a JSON string literal.
std::string Quote(const std::string& s);
// An instant as the command line takes it: RFC 3339, or `now`, `now+2h`,
// `now-30m`, `+2h`, `-1d` (durations as in the config: 90s, 15m, 2h, 1d, 1w).
Result<TimePoint> ParseCliInstant(std::string_view text, TimePoint now);
// The same, as RFC 3339 for the API; on error prints it, with `flag`, to `err`.
std::optional<std::string> CliInstantText(const std::string& text, std::string_view flag,
                                          TimePoint now, std::ostream& err);

}  // namespace rota::cli
