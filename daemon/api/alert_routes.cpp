// Alerts: list, one with its timeline, ack / resolve through the API, and
// signed ack links from notifications (the signature is the authorization).
#include <algorithm>
#include <boost/json.hpp>

#include "api/ack_link.h"
#include "api/routes.h"
#include "api/views.h"
#include "core/html.h"
#include "core/time.h"
#include "log/log.h"

namespace rota::api {
namespace {

namespace json = boost::json;

void ListAlerts(http::Router& router, Host& host) {
  router.Handle(
      "GET", "/api/v1/alerts", http::Access::kAdmin,
      [&host](http::Request& req, http::Reply reply) {
        std::string state = "open";
        if (auto it = req.query_params.find("state"); it != req.query_params.end()) {
          state = it->second;
        }
        if (!IsAlertStateFilter(state)) {
          reply(http::Response::Error(
              400, "state: expected open, firing, acknowledged, resolved or all"));
          return;
        }
        host.Post([&host, state, reply = std::move(reply)] {
          std::vector<const engine::Alert*> list;
          host.Engine().ForEachAlert([&](const engine::Alert& a) {
            if (AlertInState(state, a)) {
              list.push_back(&a);
            }
          });
          std::sort(list.begin(), list.end(),
                    [](const engine::Alert* x, const engine::Alert* y) { return x->id < y->id; });
          json::array alerts;
          alerts.reserve(list.size());
          for (const engine::Alert* a : list) {
            alerts.push_back(AlertJson(*a, host.Config(), false));
          }
          reply(JsonResponse(200, json::object{{"alerts", std::move(alerts)}}));
        });
      });
  router.Handle(
      "GET", "/api/v1/alerts/{id}", http::Access::kAdmin,
      [&host](http::Request& req, http::Reply reply) {
        const std::string& raw = req.params.at("id");
        const auto id = http::ParseId(raw);
        if (!id) {
          reply(http::Response::Error(404, "no alert \"" + raw + "\" (ids are decimal numbers)"));
          return;
        }
        host.Post([&host, id = *id, reply = std::move(reply)] {
          const engine::Alert* a = host.Engine().Find(id);
          if (a == nullptr) {
            reply(http::Response::Error(404, "no alert " + std::to_string(id)));
            return;
          }
          reply(JsonResponse(200, AlertJson(*a, host.Config(), true)));
        });
      });
}

void ActOnAlert(http::Router& router, Host& host, bool ack) {
  router.Handle(
      "POST", std::string("/api/v1/alerts/{id}/") + (ack ? "ack" : "resolve"), http::Access::kAdmin,
      [&host, ack](http::Request& req, http::Reply reply) {
        const std::string& raw = req.params.at("id");
        const auto id = http::ParseId(raw);
        if (!id) {
          reply(http::Response::Error(404, "no alert \"" + raw + "\" (ids are decimal numbers)"));
          return;
        }
        std::string by;
        std::string comment;
        std::string channel;  // act only if the alert was sent through it (chat buttons)
        if (!req.body.empty()) {
          auto o = JsonObjectBody(req);
          if (!o) {
            reply(http::Response::Error(
                400, o.error().message() + R"( like {"by": "alice", "comment": "..."})"));
            return;
          }
          by = StringField(*o, "by");
          comment = StringField(*o, "comment");
          channel = StringField(*o, "channel");
        }
        if (by.empty()) {
          reply(http::Response::Error(400, "by: who is acting is required"));
          return;
        }
        host.Post([&host, ack, id = *id, by, comment, channel, reply = std::move(reply)] {
          const TimePoint now = host.Now();
          if (!channel.empty() && host.Engine().Find(id) != nullptr &&
              !host.Engine().SentVia(id, channel)) {
            reply(http::Response::Error(
                403, "alert " + std::to_string(id) + " was not sent through channel " + channel));
            return;
          }
          // Resolving what a re-sending source still reports firing only opens a
          // new alert at its next re-send (and pages again): say so.
          std::string warning;
          if (const engine::Alert* before = host.Engine().Find(id);
              !ack && before != nullptr && before->state != engine::AlertState::kResolved &&
              (before->source == "alertmanager" || before->source == "prometheus")) {
            warning = before->source +
                      " still reports this alert firing: it will come back as a new alert at its "
                      "next re-send and page again; acknowledge it to stop the pages, and let " +
                      before->source + " resolve it";
          }
          auto r = ack ? host.Engine().Acknowledge(id, by, comment, now)
                       : host.Engine().Resolve(id, by, comment, now);
          if (!r) {
            reply(http::Response::Error(404, r.error().message()));
            return;
          }
          host.Commit([&host, id, reply, warning](const Result<void>& w) {
            const engine::Alert* a = host.Engine().Find(id);
            if (!w || a == nullptr) {
              reply(Unavailable());
              return;
            }
            auto doc = AlertJson(*a, host.Config(), true);
            if (!warning.empty()) {
              doc["warning"] = warning;
            }
            reply(JsonResponse(200, std::move(doc)));
          });
        });
      });
}

http::Response Page(int status, const std::string& title, const std::string& body) {
  http::Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  // The console's stylesheet (an open route): the page a phone opens from a
  // notification looks like the rest of rota.
  r.body =
      "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport "
      "content=\"width=device-width, initial-scale=1\"><title>" +
      title +
      " · rota</title><link rel=stylesheet href=\"/ui/assets/rota.css\"></head><body><main "
      "class=narrow-page><h1>" +
      title + "</h1><section class=card>" + body + "</section></main></body></html>\n";
  return r;
}

std::optional<std::int64_t> ParseExpiry(std::string_view s) {
  const auto v = http::ParseId(s);
  if (!v || *v > static_cast<std::uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(*v);
}

// GET shows a confirmation page (link previews never ack); POST acts.
void AckLinks(http::Router& router, Host& host) {
  for (const char* method : {"GET", "POST"}) {
    const bool act = std::string_view(method) == "POST";
    router.Handle(
        method, "/ack/{alert}/{expires}/{person}/{sig}", http::Access::kOpen,
        [&host, act](http::Request& req, http::Reply reply) {
          const auto id = http::ParseId(req.params.at("alert"));
          const auto expires = ParseExpiry(req.params.at("expires"));
          if (!id || !expires) {
            reply(Page(400, "Bad ack link", "<p>The link is malformed.</p>"));
            return;
          }
          host.Post([&host, act, id = *id, expires = *expires, p = req.params,
                     reply = std::move(reply)] {
            const std::string& key = host.Config().global.ack_key.Reveal();
            const TimePoint now = host.Now();
            const auto check = key.empty()
                                   ? AckCheck::kBadSignature
                                   : VerifyAck(key, id, expires, p.at("person"), p.at("sig"), now);
            if (check == AckCheck::kBadSignature) {
              reply(Page(403, "Invalid ack link", "<p>This link is not valid.</p>"));
              return;
            }
            if (check == AckCheck::kExpired) {
              reply(Page(403, "Expired ack link",
                         "<p>This link has expired; use the API or rotactl ack.</p>"));
              return;
            }
            const engine::Alert* a = host.Engine().Find(id);
            if (a == nullptr) {
              reply(Page(404, "Unknown alert", "<p>rota does not know this alert.</p>"));
              return;
            }
            std::string labels = "<ul class=labels>";
            for (const auto& [k, v] : a->labels.pairs()) {
              labels += "<li><code>" + HtmlEscape(k + "=" + v) + "</code></li>";
            }
            labels += "</ul>";
            // What the alert is about, as its source said it.
            std::string about;
            for (const auto& [k, v] : a->annotations) {
              if (k == "summary" || k == "description" || k == "message") {
                about += "<dt>" + HtmlEscape(k) + "</dt><dd>" + HtmlEscape(v) + "</dd>";
              }
            }
            const std::string name(a->labels.Get("alertname"));
            labels =
                (name.empty() ? std::string()
                              : "<p class=lead><strong>" + HtmlEscape(name) + "</strong></p>") +
                (about.empty() ? std::string() : "<dl class=kv>" + about + "</dl>") + labels +
                "<p>Started " + FormatRfc3339(a->starts_at) + "</p>";
            const std::string person = HtmlEscape(p.at("person"));
            if (!act) {
              reply(Page(200, "Acknowledge alert " + std::to_string(id) + "?",
                         labels + "<p>State: " + std::string(engine::AlertStateName(a->state)) +
                             "</p><form method=post><button type=submit id=ack>Acknowledge as " +
                             person + "</button></form>"));
              return;
            }
            auto r = host.Engine().Acknowledge(id, p.at("person"), "via ack link", now);
            log::Info("acknowledged via ack link",
                      {{"alert", std::to_string(id)}, {"by", p.at("person")}});
            const std::string outcome(r ? engine::OutcomeName(*r) : "unknown");
            host.Commit([reply, id, labels, outcome](const Result<void>& w) {
              if (!w) {
                reply(Page(503, "Try again", "<p>rota cannot write its state right now.</p>"));
                return;
              }
              reply(Page(200, "Alert " + std::to_string(id) + " " + outcome, labels));
            });
          });
        });
  }
}

}  // namespace

void RegisterAlertRoutes(http::Router& router, Host& host) {
  ListAlerts(router, host);
  ActOnAlert(router, host, true);
  ActOnAlert(router, host, false);
  AckLinks(router, host);
}

}  // namespace rota::api
