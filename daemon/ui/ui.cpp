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

// What one feed may hold: more events than this, and the feed ends early
// (at the last whole event that fits). A year of a busy team fits.
constexpr std::size_t kMaxFeedEvents = 5000;
// ... and its events may name at most this many people in all (a team of
// 2,000 changes its on-duty set often, and every event lists them).
constexpr std::size_t kMaxFeedNames = 200000;
constexpr auto kFeedPiece = std::chrono::hours(24 * 7);

// The feed's events over [query_from, query_to), computed a week at a time
// so that it stops early when the client is gone, rotad stops, or the feed
// is full; adjacent pieces of one window are joined again. What lies ahead
// of `now` is computed first, so a feed that fills up keeps the days to
// come and loses the past.
struct FeedEvents {
  std::vector<CalendarEvent> events;
  bool stopped = false;  // asked to stop: no feed
  bool full = false;     // cut at its limits
};

FeedEvents ComputeFeed(const config::Config& c, const schedule::Roster& roster,
                       const std::string& kind, const std::string& id, TimePoint query_from,
                       TimePoint query_to, TimePoint from, TimePoint to, TimePoint now,
                       const std::function<bool()>& stop) {
  FeedEvents out;
  const config::Team* team = kind == "team" ? c.FindTeam(id) : nullptr;
  std::size_t events = 0;
  std::size_t names = 0;
  bool& full = out.full;
  // Windows over [a, b) that overlap the feed, joined across pieces, within
  // the room left.
  const auto collect = [&](TimePoint a, TimePoint b) {
    std::vector<schedule::CoverageWindow> got;
    for (TimePoint t = a; t < b && !full && !out.stopped; t += kFeedPiece) {
      const TimePoint u = std::min(b, t + kFeedPiece);
      // The room left bounds this piece too: a week of a huge team is never
      // built whole only to be thrown away.
      const schedule::QueryBounds bounds{
          stop, (kMaxFeedNames - std::min(names, kMaxFeedNames)) +
                    (kMaxFeedEvents - std::min(events, kMaxFeedEvents)) + 1};
      std::vector<schedule::CoverageWindow> piece;
      if (team != nullptr) {
        auto cov = roster.TeamCoverage(id, t, u, bounds);
        if (!cov) {
          (cov.error().code() == Error::Code::kTooLarge ? full : out.stopped) = true;
          break;
        }
        piece = std::move(cov->windows);
      } else {
        auto spans = roster.PersonDutySpans(id, t, u, bounds);
        if (!spans) {
          (spans.error().code() == Error::Code::kTooLarge ? full : out.stopped) = true;
          break;
        }
        for (const auto& span : *spans) {
          piece.push_back({span.start, span.end, {id}});
        }
      }
      for (auto& w : piece) {
        if (!got.empty() && got.back().end == w.start && got.back().on_duty == w.on_duty) {
          got.back().end = w.end;  // cut at our own piece's edge
          continue;
        }
        if (events + 1 > kMaxFeedEvents || names + w.on_duty.size() > kMaxFeedNames) {
          full = true;
          break;
        }
        events += 1;
        names += w.on_duty.size();
        got.push_back(std::move(w));
      }
    }
    return got;
  };
  auto ahead = collect(now, query_to);
  auto past = collect(query_from, now);
  if (out.stopped) {
    return out;
  }
  if (!past.empty() && !ahead.empty() && past.back().end == ahead.front().start &&
      past.back().on_duty == ahead.front().on_duty) {
    past.back().end = ahead.front().end;  // one window across `now`
    ahead.erase(ahead.begin());
  }
  std::move(ahead.begin(), ahead.end(), std::back_inserter(past));
  const std::string team_name =
      team == nullptr ? "" : (team->name.empty() ? team->id : team->name);
  for (const auto& w : past) {
    if (!(w.start < to && w.end > from)) {
      continue;  // looked at only to find the real start and end of those that do
    }
    const bool open_start = w.start <= query_from;
    if (team != nullptr) {
      std::string who;
      for (const auto& p : w.on_duty) {
        who += (who.empty() ? "" : ", ") + PersonName(c, p);
      }
      out.events.push_back({w.start, w.end, team_name + ": " + who,
                            "On duty for " + team_name + ": " + who, open_start});
    } else {
      out.events.push_back({w.start, w.end, "On duty (rota)", "On duty for " + PersonName(c, id),
                            open_start});
    }
  }
  return out;
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
            FeedEvents feed = ComputeFeed(cfg, *snap.roster, kind, id, query_from, query_to, from,
                                          to, now, stop);
            if (feed.stopped) {
              const bool left = gone && gone->load();
              ctx->host.CountLongRead(left ? "abandoned" : "stopped");
              reply(http::Response::Error(503, left ? "the client went away"
                                                    : "the feed was not finished (rotad is stopping)"));
              return;
            }
            ctx->host.CountLongRead(feed.full ? "full" : "answered");
            const std::string name =
                kind == "team"
                    ? (cfg.FindTeam(id)->name.empty() ? id : cfg.FindTeam(id)->name) + " on duty (rota)"
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
            http::Response busy = http::Response::Error(503, "busy with other feeds; try again shortly");
            busy.headers.emplace_back("Retry-After", "5");
            reply(std::move(busy));
          }
        });
  }
}

}  // namespace

void RegisterUiRoutes(http::Router& router, api::Host& host, const api::Authorizer& auth) {
  const auto ctx = std::make_shared<const Context>(
      Context{router, host, auth, std::make_shared<SignInGuard>()});
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
