#include "ui/page.h"

#include <date/tz.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <set>
#include <sstream>

#include "core/time.h"
#include "notify/template.h"
#include "schedule/time_interval.h"
#include "ui/templates.h"

namespace rota::ui {
namespace {

namespace json = boost::json;

const date::time_zone* ZoneNamed(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return nullptr;
  }
  auto z = schedule::FindZone(name);
  return z ? *z : nullptr;
}

// Mustache treats an empty string as a true section: drop empty members so
// "{{#acked_by}}...{{/acked_by}}" means "when there is one".
void DropEmpty(json::value& v) {
  if (v.is_object()) {
    auto& o = v.as_object();
    for (auto it = o.begin(); it != o.end();) {
      if (it->value().is_string() && it->value().as_string().empty()) {
        it = o.erase(it);
      } else {
        DropEmpty(it->value());
        ++it;
      }
    }
  } else if (v.is_array()) {
    for (auto& e : v.as_array()) {
      DropEmpty(e);
    }
  }
}

}  // namespace

Visitor Visit(const Context& ctx, const http::Request& req, bool issue_session) {
  Visitor v;
  const auto snap = ctx.host.Current();
  const config::Config& c = *snap.config;
  v.auth = ctx.auth.AuthEnabled();
  v.secure = c.server.tls.has_value() || c.global.external_url.starts_with("https://");
  const TimePoint now = ctx.host.Now();
  if (auto nonce = ctx.auth.sessions().Verify(api::CookieValue(req, api::kSessionCookie), now)) {
    v.nonce = std::move(*nonce);
    v.signed_in = v.auth;
  } else if (issue_session && !v.auth) {
    // No auth: loopback only; the session exists to bind forms (CSRF).
    const std::string cookie = ctx.auth.sessions().Issue(now, c.ui.session_ttl);
    v.nonce = *ctx.auth.sessions().Verify(cookie, now);
    v.set_cookie = api::SetCookie(
        api::kSessionCookie, cookie,
        std::chrono::duration_cast<std::chrono::seconds>(c.ui.session_ttl).count(), v.secure);
  }
  if (!v.nonce.empty()) {
    v.csrf = ctx.auth.sessions().FormToken("csrf", v.nonce);
  }
  if (auto it = req.query_params.find("tz"); it != req.query_params.end()) {
    v.zone = ZoneNamed(it->second);
  }
  if (v.zone == nullptr) {
    v.zone = ZoneNamed(Decode(api::CookieValue(req, "rota_tz")));
  }
  if (v.zone == nullptr) {
    v.zone = c.global.zone != nullptr ? c.global.zone : date::locate_zone("UTC");
  }
  return v;
}

void SecurityHeaders(http::Response& r) {
  r.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Cache-Control", "no-store");
}

http::Response Html(int status, std::string body, const Visitor& v) {
  http::Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  SecurityHeaders(r);
  if (!v.set_cookie.empty()) {
    r.headers.emplace_back("Set-Cookie", v.set_cookie);
  }
  return r;
}

http::Response SeeOther(std::string location, const Visitor& v) {
  http::Response r = Html(303, "", v);
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

std::string RenderPage(std::string_view tmpl, json::object data, std::string_view title,
                       std::string_view nav, const Visitor& v) {
  data["csrf"] = v.csrf;
  data["zone"] = v.zone->name();
  json::object layout;
  layout["title"] = title;
  layout["content"] = RenderFragment(tmpl, std::move(data));
  layout["csrf"] = v.csrf;
  layout["signed_in"] = v.signed_in;
  layout["zone"] = v.zone->name();
  json::array menu;
  for (const auto& [path, name] : {std::pair{"/ui/", "Now"},
                                   {"/ui/alerts", "Alerts"},
                                   {"/ui/teams", "Teams"},
                                   {"/ui/silences", "Silences"},
                                   {"/ui/report", "Report"},
                                   {"/ui/support", "Support hours"}}) {
    menu.push_back(json::object{{"path", path}, {"name", name}, {"active", nav == name}});
  }
  layout["menu"] = std::move(menu);
  layout["public"] = nav == "public";
  return RenderFragment("layout.html", std::move(layout));
}

std::string RenderDocument(std::string_view tmpl, json::object data, std::string_view title,
                           const Visitor& v, TimePoint made) {
  data["zone"] = v.zone->name();
  json::object doc{{"title", title},
                   {"content", RenderFragment(tmpl, std::move(data))},
                   {"css", Asset("rota.css")},
                   {"made", FormatRfc3339(made)},
                   {"zone", v.zone->name()}};
  return RenderFragment("document.html", std::move(doc));
}

void DocumentHeaders(http::Response& r) {
  std::erase_if(r.headers, [](const auto& h) { return h.first == "Content-Security-Policy"; });
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                         "form-action 'none'; frame-ancestors 'none'; base-uri 'none'");
}

std::string RenderFragment(std::string_view tmpl, json::object data) {
  json::value all(std::move(data));
  DropEmpty(all);
  auto html = notify::Render(Template(tmpl), all, notify::Escape::kHtml);
  // The templates are ours and tested; an error here is a bug shown in place.
  return html ? *html : "<p>template " + std::string(tmpl) + ": " + html.error().message() + "</p>";
}

http::Response MessagePage(int status, std::string_view title, std::string_view message,
                           std::string_view back, const Visitor& v) {
  return Html(status,
              RenderPage("message.html",
                         json::object{{"title", title}, {"message", message}, {"back", back}},
                         title, "", v),
              v);
}

std::optional<http::Response> CheckForm(const Context& ctx, const http::Request& req,
                                        const std::map<std::string, std::string>& fields,
                                        const Visitor& v) {
  const std::string_view origin = req.Header("origin");
  if (!origin.empty() && origin != "null") {
    const auto scheme = origin.find("://");
    const std::string_view host =
        scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
    if (host != req.Header("host")) {
      return MessagePage(403, "Refused", "This form was sent from another site.", "/ui/", v);
    }
  }
  if (v.nonce.empty() ||
      !ctx.auth.sessions().CheckFormToken("csrf", v.nonce, Field(fields, "csrf"))) {
    return MessagePage(403, "Form expired",
                       "This form's security token does not match your session. Reload the page "
                       "and send it again.",
                       SafeBack(Field(fields, "back"), "/ui/"), v);
  }
  return std::nullopt;
}

void CallApi(const Context& ctx, std::string method, std::string target, std::string body,
             std::function<void(http::Response)> done) {
  auto req = http::MakeRequest(std::move(method), std::move(target), std::move(body));
  if (!req) {
    done(http::Response::Error(400, "malformed target"));
    return;
  }
  req->remote_address = "ui";
  req->remote_is_loopback = true;
  req->headers.emplace_back("content-type", "application/json");
  ctx.router.DispatchInternal(std::move(*req), [done = std::move(done)](http::Response r) {
    if (r.render) {
      r.body = r.render();
      r.render = nullptr;
    }
    done(std::move(r));
  });
}

void HandleForm(http::Router& router, std::string path, std::shared_ptr<const Context> ctx,
                FormHandler fn) {
  router.Handle("POST", std::move(path), http::Access::kUi,
                [ctx = std::move(ctx), fn = std::move(fn)](http::Request& req, http::Reply reply) {
                  const Visitor v = Visit(*ctx, req, false);
                  const Fields fields = FormFields(req.body);
                  if (auto refused = CheckForm(*ctx, req, fields, v)) {
                    reply(std::move(*refused));
                    return;
                  }
                  fn(req, fields, v, std::move(reply));
                });
}

std::string Flash(const http::Request& req) {
  // Only what the console itself says after a form: ?done= is a link anyone
  // can send, so any other text is not shown.
  static const std::set<std::string, std::less<>> kKnown = {"acknowledged",    "resolved",
                                                            "override added",  "override removed",
                                                            "silence created", "silence expired"};
  const auto it = req.query_params.find("done");
  return it != req.query_params.end() && kKnown.count(it->second) > 0 ? it->second : std::string();
}

void ApiThenBack(const Context& ctx, const Visitor& v, std::string method, std::string target,
                 std::string body, std::string back, std::string_view done, http::Reply reply) {
  CallApi(ctx, std::move(method), std::move(target), std::move(body),
          [v, back = std::move(back), done = http::PercentEncode(done),
           reply = std::move(reply)](http::Response r) {
            if (r.status / 100 == 2) {
              reply(SeeOther(
                  back + (back.find('?') == std::string::npos ? "?" : "&") + "done=" + done, v));
              return;
            }
            reply(MessagePage(r.status, "Not done", ApiError(r), back, v));
          });
}

std::string ApiError(http::Response& r) {
  boost::system::error_code ec;
  const json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error"); e != nullptr && e->is_string()) {
      return std::string(e->as_string());
    }
  }
  return r.body;
}

}  // namespace rota::ui
