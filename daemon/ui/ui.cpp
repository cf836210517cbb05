#include "ui/ui.h"

#include <boost/json.hpp>

#include "core/duration.h"
#include "log/log.h"
#include "ui/calendar.h"
#include "ui/routes.h"
#include "ui/templates.h"

namespace rota::ui {
namespace {

namespace json = boost::json;

void Assets(http::Router& router) {
  router.HandleSync("GET", "/ui/assets/{file}", http::Access::kOpen, [](const http::Request& req) {
    const std::string& file = req.params.at("file");
    const std::string_view text = Asset(file);
    if (text.empty()) {
      return http::Response::Error(404, "no asset " + file);
    }
    http::Response r;
    r.content_type =
        file.ends_with(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
    r.body = std::string(text);
    SecurityHeaders(r);
    // Assets change only with the binary; an hour keeps reloads cheap.
    std::erase_if(r.headers, [](const auto& h) { return h.first == "Cache-Control"; });
    r.headers.emplace_back("Cache-Control", "public, max-age=3600");
    return r;
  });
}

void Login(http::Router& router, const Ctx& ctx) {
  router.HandleSync("GET", "/", http::Access::kOpen, [](const http::Request&) {
    http::Response r;
    r.status = 303;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "See /ui/\n";
    r.headers.emplace_back("Location", "/ui/");
    return r;
  });
  const auto form = [ctx](const http::Request& req, int status, std::string error,
                          std::string next) {
    Visitor v = Visit(*ctx, req, false);
    const std::string nonce = api::Sessions::Nonce();
    v.set_cookie = api::SetCookie(api::kLoginCookie, nonce, 600, v.secure);
    const auto c = ctx->host.Current().config;
    json::object data{{"login_csrf", ctx->auth.sessions().FormToken("login", nonce)},
                      {"next", SafeBack(next, "/ui/")},
                      {"ttl", FormatDuration(c->ui.session_ttl)},
                      {"support_public", c->ui.public_support_page}};
    if (!error.empty()) {
      data["error"] = error;
    }
    return Html(status, RenderPage("login.html", std::move(data), "Sign in", "public", v), v);
  };
  router.HandleSync("GET", "/ui/login", http::Access::kOpen, [ctx, form](const http::Request& req) {
    if (!ctx->auth.AuthEnabled()) {
      return SeeOther("/ui/", Visit(*ctx, req, false));
    }
    const auto next = req.query_params.find("next");
    return form(req, 200, "", next == req.query_params.end() ? "" : next->second);
  });
  router.HandleSync(
      "POST", "/ui/login", http::Access::kOpen, [ctx, form](const http::Request& req) {
        Visitor v = Visit(*ctx, req, false);
        if (!ctx->auth.AuthEnabled()) {
          return SeeOther("/ui/", v);
        }
        const TimePoint now = ctx->host.Now();
        if (const auto wait = ctx->sign_in->LockedFor(req.remote_address, now)) {
          // Too many refusals from this address: not even checked.
          const auto seconds = std::chrono::ceil<std::chrono::seconds>(*wait).count();
          http::Response r = form(req, 429,
                                  "Too many refused sign-ins from your address. Try again in " +
                                      std::to_string(seconds) + " s.",
                                  "");
          r.headers.emplace_back("Retry-After", std::to_string(seconds));
          return r;
        }
        const auto fields = FormFields(req.body);
        if (!ctx->auth.sessions().CheckFormToken("login", api::CookieValue(req, api::kLoginCookie),
                                                 Field(fields, "csrf"))) {
          return form(req, 403, "The sign-in form expired. Please sign in again.",
                      Field(fields, "next"));
        }
        if (!ctx->auth.IsAdminToken(Field(fields, "token"))) {
          // One line a minute at most, however many are refused.
          if (const auto line = ctx->sign_in->Refused(req.remote_address, now)) {
            log::Warn("console sign-in refused", {{"remote", line->last_remote},
                                                  {"refused", std::to_string(line->refused)},
                                                  {"addresses", std::to_string(line->addresses)}});
          }
          return form(req, 403, "That token is not an admin token.", Field(fields, "next"));
        }
        ctx->sign_in->Succeeded(req.remote_address);
        const auto c = ctx->host.Current().config;
        // Bound to the token that signed in: removing it ends this session.
        const std::string cookie =
            ctx->auth.sessions().Issue(now, c->ui.session_ttl, Field(fields, "token"));
        v.set_cookie = api::SetCookie(
            api::kSessionCookie, cookie,
            std::chrono::duration_cast<std::chrono::seconds>(c->ui.session_ttl).count(), v.secure);
        log::Info("console sign-in", {{"remote", req.remote_address}});
        http::Response r = SeeOther(SafeBack(Field(fields, "next"), "/ui/"), v);
        r.headers.emplace_back("Set-Cookie", api::SetCookie(api::kLoginCookie, "", 0, v.secure));
        return r;
      });
  HandleForm(router, "/ui/logout", ctx,
             [ctx](http::Request&, const Fields&, const Visitor& visitor, http::Reply reply) {
               Visitor v = visitor;
               v.set_cookie = api::SetCookie(api::kSessionCookie, "", 0, v.secure);
               reply(SeeOther(ctx->auth.AuthEnabled() ? "/ui/login" : "/ui/", v));
             });
}

// /calendar/{kind}/{id}.ics?token=T; the token is the authorization, and any
// refusal is a 404 that says nothing of what exists. The events are made on
// the heavy pool, never an HTTP thread (docs/security.md, limits).
void Calendars(http::Router& router, const Ctx& ctx) {
  for (const char* kind : {"person", "team"}) {
    router.Handle(
        "GET", std::string("/calendar/") + kind + "/{file}", http::Access::kOpen,
        [ctx, kind = std::string(kind)](http::Request& req, http::Reply reply) {
          const http::Response not_found = http::Response::Error(404, "no such calendar");
          const std::string& file = req.params.at("file");
          if (!file.ends_with(".ics")) {
            reply(not_found);
            return;
          }
          const std::string id = file.substr(0, file.size() - 4);
          auto snap = ctx->host.Current();
          const config::Config& c = *snap.config;
          const auto token = req.query_params.find("token");
          if (token == req.query_params.end() ||
              !CalendarTokenValid(c.calendar.secret.Reveal(), CalendarPath(kind, id),
                                  token->second) ||
              (kind == "team" ? !snap.roster->HasTeam(id) : !snap.roster->HasPerson(id))) {
            reply(not_found);
            return;
          }
          auto job = [ctx, kind, id, file, snap, gone = req.client_gone, reply]() {
            const config::Config& cfg = *snap.config;
            const TimePoint now = ctx->host.Now();
            const TimePoint from = now - std::chrono::hours(24 * 7);
            const TimePoint to = now + std::chrono::hours(24 * cfg.calendar.days);
            // Events that cross either edge keep their real start and end: the
            // query looks a week further each way, and keeps what overlaps.
            const TimePoint query_from = from - std::chrono::hours(24 * 7);
            const TimePoint query_to = to + std::chrono::hours(24 * 7);
            const auto stop = [&] { return (gone && gone->load()) || ctx->host.Stopping(); };
            FeedEvents feed = ComputeFeed(cfg, *snap.roster, kind, id,
                                          {query_from, query_to, from, to, now}, stop);
            if (feed.stopped) {
              const bool left = gone && gone->load();
              ctx->host.CountLongRead(left ? "abandoned" : "stopped");
              reply(http::Response::Error(
                  503,
                  left ? "the client went away" : "the feed was not finished (rotad is stopping)"));
              return;
            }
            ctx->host.CountLongRead(feed.full ? "full" : "answered");
            const std::string name =
                kind == "team" ? (cfg.FindTeam(id)->name.empty() ? id : cfg.FindTeam(id)->name) +
                                     " on duty (rota)"
                               : PersonName(cfg, id) + " on duty (rota)";
            http::Response r;
            r.content_type = "text/calendar; charset=utf-8";
            r.body = RenderCalendar(name, kind + "-" + id, feed.events, now);
            r.headers.emplace_back("Cache-Control", "private, max-age=300");
            r.headers.emplace_back("Content-Disposition", "inline; filename=\"" + file + "\"");
            reply(std::move(r));
          };
          if (!ctx->host.RunHeavy(std::move(job))) {
            ctx->host.CountLongRead("busy");
            http::Response busy =
                http::Response::Error(503, "busy with other feeds; try again shortly");
            busy.headers.emplace_back("Retry-After", "5");
            reply(std::move(busy));
          }
        });
  }
}

}  // namespace

void RegisterUiRoutes(http::Router& router, api::Host& host, const api::Authorizer& auth) {
  const auto ctx =
      std::make_shared<const Context>(Context{router, host, auth, std::make_shared<SignInGuard>()});
  Assets(router);
  Login(router, ctx);
  Calendars(router, ctx);
  RegisterNowPages(router, ctx);
  RegisterAlertPages(router, ctx);
  RegisterSchedulePages(router, ctx);
  RegisterSilencePages(router, ctx);
  RegisterReportPage(router, ctx);
}

}  // namespace rota::ui
