// HTTP request routing, independent of the wire library.
//
// Every route is registered with one access level (docs/security.md "Who can reach what"):
// open, ingest or admin. One authorizer, set by the app, decides for every
// request before its handler runs, so no handler checks access itself.
//
// Handlers see a plain Request and answer through a Reply callback, which
// they may call later and from any thread (ingest answers only after its
// batch is durable). Paths are exact or have `{name}` segments whose values
// land in Request::params. An unknown path answers 404 and a known path with
// the wrong method 405 with an Allow header, both as JSON.
//
// Thread-safety: configure (Handle, SetObserver) before serving; Dispatch is
// then safe from any number of threads. A Reply must be called exactly once;
// it holds its connection until destroyed, so do not keep it after calling.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rota::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string path;
  std::string query;
  std::map<std::string, std::string> query_params;           // percent-decoded; last one wins
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;
  bool remote_is_loopback = false;
  std::map<std::string, std::string> params;  // from `{name}` path segments
  // GETs only: turns true when the client closes its connection before the
  // answer (a long computation may stop). Null otherwise, and for requests
  // that have no connection.
  std::shared_ptr<const std::atomic<bool>> client_gone;

  [[nodiscard]] std::string_view Header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, makes `body` on the connection's thread just before the write:
  // a handler that answers from the engine's strand or the store's thread
  // keeps the JSON building off them.
  std::function<std::string()> render;

  static Response Text(int status, std::string body);
  static Response Json(int status, std::string body);
  // {"error": message}
  static Response Error(int status, std::string_view message);
};

using Reply = std::function<void(Response)>;

// Who may call a route: anyone (health, metrics, signed links), a sender of
// events, an administrator, someone signed in to the web console (or an
// administrator), or, for the support page, whoever the config lets see it.
enum class Access { kOpen, kIngest, kAdmin, kUi, kSupport };
std::string_view AccessName(Access a);
using Handler = std::function<void(Request&, Reply)>;
using SyncHandler = std::function<Response(const Request&)>;

class Router {
 public:
  // Called once per answered request with the route's name (or "other").
  using Observer = std::function<void(const std::string& handler, int code, double seconds)>;

  // Answers a request that may not use a route of that access level (401,
  // 403), or nothing to let it through. Called on the connection's thread.
  using Authorizer = std::function<std::optional<Response>(const Request&, Access)>;
  struct RouteInfo {
    std::string method;
    std::string pattern;
    Access access;
  };

  // The pattern labels metrics; e.g. "/api/v1/alerts/{id}".
  void Handle(std::string method, std::string path_pattern, Access access, Handler handler);
  void HandleSync(std::string method, std::string path_pattern, Access access, SyncHandler handler);
  void SetObserver(Observer observer) { observer_ = std::move(observer); }
  void SetAuthorizer(Authorizer authorizer) { authorizer_ = std::move(authorizer); }
  // Takes an authorized request that changes state (any method but GET on
  // an admin route, and signed ack links; never /-/ routes; ingest routes
  // forward themselves after decoding)
  // before its handler when it returns true: a standby passes it to the
  // leader. Called on the connection's thread.
  using Forwarder = std::function<bool(Request&, Reply&)>;
  void SetForwarder(Forwarder forwarder) { forwarder_ = std::move(forwarder); }
  // Whether a request for `path` with `method` is one the forwarder takes.
  [[nodiscard]] static bool ChangesState(std::string_view method, std::string_view path,
                                         Access access);
  // Dispatch for a request another instance accepted and authorized (the
  // leader applying its inbox): no authorizer, no forwarder.
  void DispatchTrusted(Request request, Reply reply) const;
  // Dispatch for a request rotad makes itself on behalf of one already
  // authorized (a web console form becoming its API call): no authorizer,
  // but a standby still forwards it to the leader.
  void DispatchInternal(Request request, Reply reply) const;
  // Every registered route, in registration order.
  [[nodiscard]] std::vector<RouteInfo> Routes() const;

  void Dispatch(Request request, Reply reply) const;

 private:
  void DispatchImpl(Request request, Reply reply, bool authorize, bool forward) const;
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Access access;
    Handler handler;
  };
  static bool Match(const Route& route, std::string_view path,
                    std::map<std::string, std::string>& params);

  std::vector<Route> routes_;
  Observer observer_;
  Authorizer authorizer_;
  Forwarder forwarder_;
};

// A path segment as a decimal id: digits only, no sign, no leading zeros
// beyond "0", within 64 bits. "27junk", "-1" and "" are not ids.
std::optional<std::uint64_t> ParseId(std::string_view segment);

// Percent-encodes all but RFC 3986's unreserved characters (and '/' when
// `keep_slash`), for a query value or a path.
std::string PercentEncode(std::string_view s, bool keep_slash = false);

// One form-encoded value, decoded ('+' is a space, %XX a byte).
std::string FormDecode(std::string_view s);
// An application/x-www-form-urlencoded body, decoded ('+' is a space); the
// last value of a name wins.
std::map<std::string, std::string> FormFields(std::string_view body);

// Splits "/a/b?x=1" into path and query; percent-decoding is left to handlers.
std::pair<std::string, std::string> SplitTarget(std::string_view target);
// A request as the server would make it from a method, target and body (no
// headers, not from the network); nullopt when the target is malformed.
std::optional<Request> MakeRequest(std::string method, std::string target, std::string body);

}  // namespace rota::http
