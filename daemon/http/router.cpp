#include "http/router.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <memory>

namespace rota::http {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const std::size_t j = path.find('/', i);
    const std::size_t end = j == std::string_view::npos ? path.size() : j;
    out.emplace_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace

std::string_view Request::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) {
      return v;
    }
  }
  return {};
}

Response Response::Text(int status, std::string body) {
  return Response{status, "text/plain; charset=utf-8", std::move(body), {}, nullptr};
}

Response Response::Json(int status, std::string body) {
  return Response{status, "application/json", std::move(body), {}, nullptr};
}

Response Response::Error(int status, std::string_view message) {
  boost::json::object o;
  o["error"] = message;
  return Json(status, boost::json::serialize(o));
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::string FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> FormFields(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const auto eq = pair.find('=');
    out[FormDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : FormDecode(pair.substr(eq + 1));
  }
  return out;
}

std::string PercentEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4U];
      out += kHex[u & 0xFU];
    }
  }
  return out;
}

std::pair<std::string, std::string> SplitTarget(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) {
    return {std::string(target), {}};
  }
  return {std::string(target.substr(0, q)), std::string(target.substr(q + 1))};
}

std::string_view AccessName(Access a) {
  switch (a) {
    case Access::kOpen:
      return "open";
    case Access::kIngest:
      return "ingest";
    case Access::kAdmin:
      return "admin";
    case Access::kUi:
      return "ui";
    case Access::kSupport:
      return "support";
  }
  return "admin";
}

std::optional<std::uint64_t> ParseId(std::string_view segment) {
  if (segment.empty() || segment.size() > 20 || (segment.size() > 1 && segment[0] == '0')) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (char c : segment) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) {
      return std::nullopt;
    }
    v = v * 10 + digit;
  }
  return v;
}

void Router::Handle(std::string method, std::string path_pattern, Access access, Handler handler) {
  Route r{std::move(method), path_pattern, SplitPath(path_pattern), access, std::move(handler)};
  routes_.push_back(std::move(r));
}

void Router::HandleSync(std::string method, std::string path_pattern, Access access,
                        SyncHandler handler) {
  Handle(std::move(method), std::move(path_pattern), access,
         [h = std::move(handler)](Request& req, Reply reply) { reply(h(req)); });
}

std::vector<Router::RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) {
    out.push_back({r.method, r.pattern, r.access});
  }
  return out;
}

bool Router::Match(const Route& route, std::string_view path,
                   std::map<std::string, std::string>& params) {
  const auto segments = SplitPath(path);
  if (segments.size() != route.segments.size()) {
    return false;
  }
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segments[i].empty()) {
        return false;
      }
      found[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

void Router::Dispatch(Request request, Reply reply) const {
  DispatchImpl(std::move(request), std::move(reply), true, true);
}

void Router::DispatchTrusted(Request request, Reply reply) const {
  DispatchImpl(std::move(request), std::move(reply), false, false);
}

void Router::DispatchInternal(Request request, Reply reply) const {
  DispatchImpl(std::move(request), std::move(reply), false, true);
}

bool Router::ChangesState(std::string_view method, std::string_view path, Access access) {
  if (path.starts_with("/-/")) {
    return false;  // health, readiness, this instance's own reload
  }
  if (path.starts_with("/ack/")) {
    return true;  // a signed ack link acks, by GET
  }
  // Ingest routes forward after decoding (bad input is answered 400 by the
  // instance it came to, not accepted and refused later).
  return method != "GET" && method != "HEAD" && access == Access::kAdmin;
}

void Router::DispatchImpl(Request request, Reply reply, bool authorize, bool forward) const {
  const auto start = std::chrono::steady_clock::now();
  std::string allowed;
  const Route* chosen = nullptr;
  const Route* path_match = nullptr;  // for the metrics label of a 405
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!Match(route, request.path, params)) {
      continue;
    }
    if (route.method == request.method) {
      chosen = &route;
      request.params = std::move(params);
      break;
    }
    if (path_match == nullptr) {
      path_match = &route;
    }
    if (allowed.find(route.method) == std::string::npos) {
      allowed += allowed.empty() ? "" : ", ";
      allowed += route.method;
    }
  }
  const Route* named = chosen != nullptr ? chosen : path_match;
  const std::string name = named != nullptr ? named->pattern : "other";
  auto observed = [observer = observer_, name, start, reply = std::move(reply)](Response r) {
    if (observer) {
      const std::chrono::duration<double> d = std::chrono::steady_clock::now() - start;
      observer(name, r.status, d.count());
    }
    reply(std::move(r));
  };
  if (chosen == nullptr) {
    if (!allowed.empty()) {
      Response r = Response::Error(405, "method " + request.method + " not allowed on " +
                                            request.path + " (allowed: " + allowed + ")");
      r.headers.emplace_back("Allow", allowed);
      observed(std::move(r));
      return;
    }
    observed(Response::Error(404, "not found: " + request.path));
    return;
  }
  if (authorizer_ && authorize) {
    if (auto denied = authorizer_(request, chosen->access)) {
      observed(std::move(*denied));
      return;
    }
  }
  if (forwarder_ && forward && ChangesState(request.method, request.path, chosen->access)) {
    Reply r = std::move(observed);
    if (forwarder_(request, r)) {
      return;
    }
    chosen->handler(request, std::move(r));
    return;
  }
  chosen->handler(request, std::move(observed));
}

std::optional<Request> MakeRequest(std::string method, std::string target, std::string body) {
  Request req;
  req.method = std::move(method);
  req.target = std::move(target);
  auto url = boost::urls::parse_origin_form(req.target);
  if (!url) {
    return std::nullopt;
  }
  auto [path, query] = SplitTarget(req.target);
  req.path = std::move(path);
  req.query = std::move(query);
  for (const auto& param : url->params()) {
    req.query_params[param.key] = param.value;
  }
  req.body = std::move(body);
  req.remote_address = "inbox";
  return req;
}

}  // namespace rota::http
