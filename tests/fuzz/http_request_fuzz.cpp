// Raw bytes as an HTTP/1.1 request, read exactly as a connection reads them
// (http::ServeBytes: Beast's parser with rotad's limits, the target and query
// parsing) and routed through a router holding rotad's route patterns
// behind the real authorizer. Every answer is a valid status with a JSON
// error body when it is an error; the id parser never takes what is not a
// decimal id.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/access.h"
#include "fuzz_check.h"
#include "http/router.h"
#include "http/server.h"

namespace {

using namespace rota;

const http::Router& TheRouter() {
  static const http::Router* router = [] {
    static api::Authorizer auth;
    config::Auth a;
    a.enabled = true;
    a.ingest_tokens.emplace_back("ingest-token-0123456789");
    a.admin_tokens.emplace_back("admin-token-0123456789");
    auth.Set(a);
    auto* r = new http::Router;
    const auto echo = [](const http::Request& req) {
      for (const auto& [name, value] : req.params) {
        if (name == "id") {
          const auto id = http::ParseId(value);
          if (!id) {
            return http::Response::Error(404, "no such id");
          }
          ROTA_FUZZ_CHECK(std::to_string(*id) == value, "an id is its canonical decimal");
        }
      }
      return http::Response::Json(200, "{}");
    };
    struct Route {
      const char* method;
      const char* pattern;
      http::Access access;
    };
    for (const Route& route : {
             Route{"GET", "/-/healthy", http::Access::kOpen},
             Route{"GET", "/-/ready", http::Access::kOpen},
             Route{"POST", "/-/reload", http::Access::kAdmin},
             Route{"GET", "/metrics", http::Access::kOpen},
             Route{"POST", "/api/v1/alertmanager", http::Access::kIngest},
             Route{"POST", "/api/v2/alerts", http::Access::kIngest},
             Route{"POST", "/v2/enqueue", http::Access::kIngest},
             Route{"POST", "/api/v1/events", http::Access::kIngest},
             Route{"GET", "/api/v1/alerts", http::Access::kAdmin},
             Route{"GET", "/api/v1/alerts/{id}", http::Access::kAdmin},
             Route{"POST", "/api/v1/alerts/{id}/ack", http::Access::kAdmin},
             Route{"POST", "/api/v1/alerts/{id}/resolve", http::Access::kAdmin},
             Route{"GET", "/ack/{alert}/{expires}/{person}/{sig}", http::Access::kOpen},
             Route{"DELETE", "/api/v1/silences/{id}", http::Access::kAdmin},
             Route{"GET", "/api/v1/oncall", http::Access::kAdmin},
         }) {
      r->HandleSync(route.method, route.pattern, route.access, echo);
    }
    r->SetAuthorizer(
        [](const http::Request& req, http::Access access) { return auth.Check(req, access); });
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  http::ServerOptions options;
  options.body_limit = 4096;
  options.header_limit = 2048;
  const auto answer = http::ServeBytes(TheRouter(), raw, options, size % 2 == 0);
  if (!answer) {
    return 0;
  }
  ROTA_FUZZ_CHECK(answer->status >= 200 && answer->status <= 599, "a valid status");
  if (answer->status >= 400) {
    boost::system::error_code ec;
    const auto body = boost::json::parse(answer->body, ec);
    ROTA_FUZZ_CHECK(!ec && body.is_object() && body.as_object().contains("error"),
                    "an error answers JSON {\"error\": ...}");
  }
  return 0;
}
