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
  r.HandleSync("GET", "/-/healthy", [](const Request&) { return Response::Text(200, "ok"); });
  r.HandleSync("POST", "/api/v1/alerts/{id}/ack", [](const Request& req) {
    return Response::Text(200, req.params.at("id"));
  });

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

TEST_CASE("Response::Error escapes the message as JSON") {
  CHECK(Response::Error(400, "bad \"x\"\n").body == R"({"error":"bad \"x\"\n"})");
}
