#include "http/router.h"

#include <doctest/doctest.h>

using namespace rota::http;

namespace {

Response Call(const Router& r, std::string method, std::string target) {
  Request req;
  req.method = std::move(method);
  req.target = target;
  auto [path, query] = SplitTarget(target);
  req.path = path;
  req.query = query;
  Response got;
  bool called = false;
  r.Dispatch(std::move(req), [&](Response resp) {
    got = std::move(resp);
    called = true;
  });
  REQUIRE(called);
  return got;
}

}  // namespace

TEST_CASE("router matches exact paths, params, and reports 404 and 405") {
  Router r;
  std::vector<std::pair<std::string, int>> observed;
  r.SetObserver([&](const std::string& h, int code, double) { observed.emplace_back(h, code); });
  r.HandleSync("GET", "/-/healthy", Access::kOpen,
               [](const Request&) { return Response::Text(200, "ok"); });
  r.HandleSync("POST", "/api/v1/alerts/{id}/ack", Access::kAdmin,
               [](const Request& req) { return Response::Text(200, req.params.at("id")); });

  CHECK(Call(r, "GET", "/-/healthy").body == "ok");
  CHECK(Call(r, "POST", "/api/v1/alerts/a12/ack?x=1").body == "a12");

  auto missing = Call(r, "GET", "/nope");
  CHECK(missing.status == 404);
  CHECK(missing.content_type == "application/json");
  CHECK(missing.body == R"({"error":"not found: /nope"})");

  auto wrong = Call(r, "POST", "/-/healthy");
  CHECK(wrong.status == 405);
  REQUIRE(wrong.headers.size() == 1);
  CHECK(wrong.headers[0] == std::pair<std::string, std::string>{"Allow", "GET"});

  REQUIRE(observed.size() == 4);
  CHECK(observed[0] == std::pair<std::string, int>{"/-/healthy", 200});
  CHECK(observed[1] == std::pair<std::string, int>{"/api/v1/alerts/{id}/ack", 200});
  CHECK(observed[2] == std::pair<std::string, int>{"other", 404});
  CHECK(observed[3] == std::pair<std::string, int>{"/-/healthy", 405});
}

TEST_CASE("the authorizer decides every route by its access level, before the handler") {
  Router r;
  int handled = 0;
  const auto ok = [&](const Request&) {
    ++handled;
    return Response::Text(200, "ok");
  };
  r.HandleSync("GET", "/open", Access::kOpen, ok);
  r.HandleSync("POST", "/ingest", Access::kIngest, ok);
  r.HandleSync("GET", "/admin/{id}", Access::kAdmin, ok);
  std::vector<Access> asked;
  r.SetAuthorizer([&](const Request& req, Access a) -> std::optional<Response> {
    asked.push_back(a);
    if (a == Access::kOpen || req.Header("authorization") == "Bearer yes") {
      return std::nullopt;
    }
    return Response::Error(401, "no");
  });
  CHECK(Call(r, "GET", "/open").status == 200);
  CHECK(Call(r, "POST", "/ingest").status == 401);
  CHECK(Call(r, "GET", "/admin/1").status == 401);
  CHECK(handled == 1);
  CHECK(asked == std::vector<Access>{Access::kOpen, Access::kIngest, Access::kAdmin});
  CHECK(Call(r, "GET", "/nope").status == 404);  // unknown paths do not ask
  CHECK(asked.size() == 3);

  const auto routes = r.Routes();
  REQUIRE(routes.size() == 3);
  CHECK(routes[1].method == "POST");
  CHECK(routes[1].pattern == "/ingest");
  CHECK(routes[1].access == Access::kIngest);
  CHECK(AccessName(routes[2].access) == "admin");
}

TEST_CASE("ParseId takes plain decimal ids only") {
  CHECK(ParseId("27") == 27U);
  CHECK(ParseId("0") == 0U);
  CHECK(ParseId("18446744073709551615") == UINT64_MAX);
  for (const char* bad : {"", "27junk", "-1", "+1", "027", " 1", "1 ", "0x1a",
                          "18446744073709551616", "99999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseId(bad).has_value());
  }
}

TEST_CASE("Response::Error escapes the message as JSON") {
  CHECK(Response::Error(400, "bad \"x\"\n").body == R"({"error":"bad \"x\"\n"})");
}

TEST_CASE("a request rotad makes itself skips the authorizer but is still forwarded by a standby") {
  Router r;
  int handled = 0;
  r.HandleSync("POST", "/api/v1/silences", Access::kAdmin, [&](const Request&) {
    ++handled;
    return Response::Text(201, "made");
  });
  r.SetAuthorizer(
      [](const Request&, Access) -> std::optional<Response> { return Response::Error(401, "no"); });
  bool standby = false;
  int forwarded = 0;
  r.SetForwarder([&](Request&, Reply& reply) {
    if (!standby) {
      return false;
    }
    ++forwarded;
    reply(Response::Text(202, "accepted"));
    return true;
  });
  const auto internal = [&] {
    Response got;
    r.DispatchInternal(*MakeRequest("POST", "/api/v1/silences", "{}"),
                       [&](Response resp) { got = std::move(resp); });
    return got;
  };
  CHECK(Call(r, "POST", "/api/v1/silences").status == 401);
  CHECK(internal().status == 201);
  standby = true;
  CHECK(internal().status == 202);
  CHECK(forwarded == 1);
  CHECK(handled == 1);
  // The leader applying its inbox neither asks nor forwards.
  Response trusted;
  r.DispatchTrusted(*MakeRequest("POST", "/api/v1/silences", "{}"),
                    [&](Response resp) { trusted = std::move(resp); });
  CHECK(trusted.status == 201);
  CHECK(forwarded == 1);
  CHECK(AccessName(Access::kUi) == "ui");
  CHECK(AccessName(Access::kSupport) == "support");
}
