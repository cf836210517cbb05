#include "cli/remote.h"

#include <cctype>
#include <cstdlib>
#include <fstream>

#include "core/duration.h"
#include "core/time.h"

namespace rota::cli {

namespace po = boost::program_options;
namespace json = boost::json;

void AddRemoteOptions(po::options_description& desc, Remote& r, bool url_default) {
  const char* env_url = std::getenv("ROTA_URL");
  const char* env_token = std::getenv("ROTA_TOKEN_FILE");
  const char* env_ca = std::getenv("ROTA_CA_FILE");
  desc.add_options()(
      "url",
      po::value<std::string>(&r.url)->default_value(
          env_url != nullptr ? env_url : (url_default ? "http://127.0.0.1:9095" : "")),
      url_default ? "rotad's address"
                  : "ask this rotad (default $ROTA_URL) instead of reading --config")(
      "token-file",
      po::value<std::string>(&r.token_file)->default_value(env_token != nullptr ? env_token : ""),
      "file holding a bearer token")(
      "ca-file",
      po::value<std::string>(&r.tls.ca_file)->default_value(env_ca != nullptr ? env_ca : ""),
      "CA certificate(s) to trust for an https:// URL (default: the system's)")(
      "cert-file", po::value<std::string>(&r.tls.cert_file),
      "client certificate, for client_auth: require")(
      "key-file", po::value<std::string>(&r.tls.key_file),
      "its private key (default: --cert-file, a PEM file holding both)")(
      "request-timeout", po::value<std::string>(&r.request_timeout)->default_value("30s"),
      "give up on rotad after this long (connect, send and answer together)")(
      "output,o", po::value<std::string>(&r.output)->default_value("text"), "json or text");
}

int ParseArgs(const Args& args, po::options_description& desc,
              const po::positional_options_description& pos, po::variables_map& vm,
              std::ostream& err, std::string_view command) {
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "rotactl " << command << ": " << e.what() << "\n\n" << desc;
    return kExitUsage;
  }
  return kExitOk;
}

std::optional<std::string> CallRaw(const Remote& r, const std::string& method,
                                   const std::string& target, const std::string& body,
                                   std::ostream& err) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!r.token_file.empty()) {
    std::ifstream in(r.token_file);
    std::string token;
    std::getline(in, token);
    if (!in && token.empty()) {
      err << "rotactl: cannot read --token-file " << r.token_file << "\n";
      return std::nullopt;
    }
    headers.emplace_back("Authorization", "Bearer " + token);
  }
  if (!r.tls.key_file.empty() && r.tls.cert_file.empty()) {
    err << "rotactl: --key-file needs --cert-file (the client certificate it belongs to)\n";
    return std::nullopt;
  }
  for (const auto* f : {&r.tls.ca_file, &r.tls.cert_file, &r.tls.key_file}) {
    if (!f->empty() && !std::ifstream(*f)) {
      err << "rotactl: cannot read " << *f << "\n";
      return std::nullopt;
    }
  }
  const auto timeout = ParseDuration(r.request_timeout);
  if (!timeout || *timeout <= Duration(0)) {
    err << "rotactl: --request-timeout: "
        << (timeout ? "must be positive" : timeout.error().message()) << "\n";
    return std::nullopt;
  }
  auto res = http::Fetch(r.url, method, target, body, headers, *timeout, r.tls);
  if (!res) {
    err << "rotactl: " << res.error().message() << "\n";
    return std::nullopt;
  }
  if (res->status < 200 || res->status >= 300) {
    boost::system::error_code ec;
    json::value v = json::parse(res->body, ec);
    std::string msg = res->body;
    if (!ec && v.is_object() && v.as_object().contains("error")) {
      msg = std::string(v.as_object().at("error").as_string());
    }
    err << "rotactl: rotad answered " << res->status << ": " << msg << "\n";
    return std::nullopt;
  }
  return std::move(res->body);
}

std::optional<json::value> Call(const Remote& r, const std::string& method,
                                const std::string& target, const std::string& body,
                                std::ostream& err) {
  auto text = CallRaw(r, method, target, body, err);
  if (!text) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec) {
    err << "rotactl: rotad answered something that is not JSON\n";
    return std::nullopt;
  }
  return v;
}

std::string Str(const json::value& v, std::string_view key) {
  const auto* f = v.as_object().if_contains(key);
  if (f == nullptr || f->is_null()) {
    return "-";
  }
  if (f->is_string()) {
    return std::string(f->as_string());
  }
  if (f->is_array()) {
    std::string out;
    for (const auto& e : f->as_array()) {
      out += (out.empty() ? "" : ",") +
             (e.is_string() ? std::string(e.as_string()) : json::serialize(e));
    }
    return out.empty() ? "-" : out;
  }
  return json::serialize(*f);
}

std::string Quote(const std::string& s) { return json::serialize(json::value(s)); }

Result<TimePoint> ParseCliInstant(std::string_view text, TimePoint now) {
  std::string_view rest = text;
  if (rest.starts_with("now")) {
    rest.remove_prefix(3);
    if (rest.empty()) {
      return now;
    }
  } else if (!rest.starts_with("+") && !rest.starts_with("-")) {
    return ParseRfc3339(text);
  }
  const bool minus = rest.starts_with("-");
  if (!minus && !rest.starts_with("+")) {
    return Fail(Error::InvalidArgument("expected RFC 3339, now, now+DURATION or +DURATION, got \"" +
                                       std::string(text) + "\""));
  }
  rest.remove_prefix(1);
  auto d = ParseDuration(rest);
  if (!d) {
    return Fail(Error::InvalidArgument("\"" + std::string(text) + "\": " + d.error().message()));
  }
  return minus ? now - *d : now + *d;
}

std::optional<std::string> CliInstantText(const std::string& text, std::string_view flag,
                                          TimePoint now, std::ostream& err) {
  auto t = ParseCliInstant(text, now);
  if (!t) {
    err << "rotactl: " << flag << ": " << t.error().message() << "\n";
    return std::nullopt;
  }
  return FormatRfc3339(*t);
}

}  // namespace rota::cli
