// Ingest: decode on the connection's thread (with the config in force),
// then one post to the strand that feeds the engine and commits; the 202
// goes out after the commit.
#include <array>
#include <boost/json.hpp>

#include "api/routes.h"
#include "api/views.h"
#include "core/time.h"
#include "ingest/decode.h"
#include "log/log.h"

namespace rota::api {
namespace {

namespace json = boost::json;

ingest::Limits LimitsOf(const config::Config& c) {
  ingest::Limits limits;
  limits.max_alerts = c.ingest.max_alerts_per_request;
  limits.max_labels = c.ingest.max_labels;
  limits.max_label_value_bytes = c.ingest.max_label_value_bytes;
  return limits;
}

// How an answer is shaped once the events are durable.
using Answer = std::function<http::Response(std::vector<engine::IngestResult> results)>;

// On the strand: feeds the events to the engine, commits, then answers. The
// strand keeps only the results; the answer's JSON is made on the
// connection's thread (Response::render).
void Feed(Host& host, const std::string& source, std::vector<engine::Event> events, Answer answer,
          http::Reply reply) {
  host.Post([&host, source, events = std::move(events), answer = std::move(answer),
             reply = std::move(reply)]() mutable {
    const TimePoint now = host.Now();
    std::vector<engine::IngestResult> results;
    results.reserve(events.size());
    std::array<std::size_t, engine::kOutcomeCount> counts{};
    for (const auto& e : events) {
      auto r = host.Engine().Ingest(e, now);
      ++counts.at(static_cast<std::size_t>(r.status));
      if (r.status == engine::Outcome::kUnrouted) {
        log::Warn("unrouted alert: no route matches",
                  {{"source", source}, {"key", r.key}, {"labels", e.labels.ToString()}});
      }
      results.push_back(std::move(r));
    }
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] > 0) {
        host.CountEvent(source, engine::OutcomeName(static_cast<engine::Outcome>(i)), counts[i]);
      }
    }
    // 202 only once durable (group commit); 503 with Retry-After otherwise.
    host.CommitAndAnswer([reply = std::move(reply), answer = std::move(answer),
                          results = std::move(results)](const Result<void>& w) mutable {
      reply(w ? answer(std::move(results)) : Unavailable());
    });
  });
}

// A standby's 202 when the leader's decision does not come in time: each
// alert accepted (durable), its decision not known yet.
http::Response AcceptedJson(const std::vector<engine::Event>& events) {
  json::array alerts;
  for (const auto& e : events) {
    alerts.push_back(json::object{
        {"id", nullptr},
        {"fingerprint", e.dedup_key.empty() ? FingerprintHex(e.labels.Fingerprint()) : e.dedup_key},
        {"status", "accepted"},
        {"notified", json::array{}},
        {"held_until", nullptr},
        {"next_on_duty", json::array{}}});
  }
  return JsonResponse(202, json::object{{"alerts", std::move(alerts)}});
}

using Decoder = std::function<Result<std::vector<engine::Event>>(
    std::string_view body, const ingest::Limits& limits, const config::Config& config,
    TimePoint now)>;

void IngestRoute(http::Router& router, Host& host, const std::string& path,
                 const std::string& source, Decoder decode) {
  router.Handle("POST", path, http::Access::kIngest,
                [&host, source, decode](http::Request& req, http::Reply reply) {
                  const auto config = host.Current().config;
                  auto events = decode(req.body, LimitsOf(*config), *config, host.Now());
                  if (!events) {
                    host.CountEvent(source, "invalid", 1);
                    reply(http::Response::Error(400, events.error().message()));
                    return;
                  }
                  if (host.Forward(req, reply, [&] { return AcceptedJson(*events); })) {
                    return;  // a standby: the leader decides
                  }
                  Feed(
                      host, source, std::move(*events),
                      [](std::vector<engine::IngestResult> results) {
                        http::Response r;
                        r.status = 202;
                        r.render = [results = std::move(results)] {
                          return IngestResultsJson(results);
                        };
                        return r;
                      },
                      std::move(reply));
                });
}

// PagerDuty Events API v2 answers in its own shape: {"status", "message",
// "dedup_key"}, and 400 {"status": "invalid event", "errors": [...]}.
void PagerDutyRoute(http::Router& router, Host& host) {
  router.Handle(
      "POST", "/v2/enqueue", http::Access::kIngest, [&host](http::Request& req, http::Reply reply) {
        const auto config = host.Current().config;
        ingest::PagerDutyKeys keys;
        for (const auto& k : config->ingest.pagerduty_routing_keys) {
          keys.labels_by_key[k.key.Reveal()] = k.labels;
        }
        auto decoded = ingest::DecodePagerDuty(req.body, LimitsOf(*config), keys);
        if (!decoded) {
          host.CountEvent("pagerduty", "invalid", 1);
          json::array errors;
          const std::string msg = decoded.error().message();
          std::size_t start = 0;
          while (start <= msg.size()) {
            const auto nl = msg.find('\n', start);
            errors.emplace_back(msg.substr(start, nl == std::string::npos ? nl : nl - start));
            if (nl == std::string::npos) {
              break;
            }
            start = nl + 1;
          }
          reply(JsonResponse(400, json::object{{"status", "invalid event"},
                                               {"message", "Event object is invalid"},
                                               {"errors", std::move(errors)}}));
          return;
        }
        if (host.Forward(req, reply, [&] {
              return JsonResponse(202, json::object{{"status", "success"},
                                                    {"message", "Event accepted"},
                                                    {"dedup_key", decoded->dedup_key}});
            })) {
          return;  // a standby: the leader decides
        }
        std::vector<engine::Event> events{std::move(decoded->event)};
        Feed(
            host, "pagerduty", std::move(events),
            [key = decoded->dedup_key](std::vector<engine::IngestResult>) {
              return JsonResponse(202, json::object{{"status", "success"},
                                                    {"message", "Event processed"},
                                                    {"dedup_key", key}});
            },
            std::move(reply));
      });
}

// POST /api/v1/events/dry-run: what an event would do now (who would be
// paged, or until when it would be held), decided by a scratch engine with
// the running one's model, silences and reroutes. Nothing is stored or sent.
void DryRunRoute(http::Router& router, Host& host) {
  router.Handle(
      "POST", "/api/v1/events/dry-run", http::Access::kAdmin,
      [&host](http::Request& req, http::Reply reply) {
        const auto config = host.Current().config;
        auto events = ingest::DecodeGeneric(req.body, LimitsOf(*config));
        if (!events) {
          reply(http::Response::Error(400, events.error().message()));
          return;
        }
        host.Post([&host, events = std::move(*events), reply = std::move(reply)] {
          const TimePoint now = host.Now();
          const engine::Engine& live = host.Engine();
          engine::Engine scratch(live.shared_model());
          for (const auto& s : live.silences()) {
            scratch.AddSilence(s, now);
          }
          scratch.RestoreReroutes(live.reroutes(), 1);
          json::array alerts;
          for (const auto& e : events) {
            const auto r = scratch.Ingest(e, now);
            // Past group_wait: the group's first flush, at its instant.
            TimePoint at = now;
            for (int i = 0; i < 4 && r.id != 0; ++i) {
              const engine::Alert* a = scratch.Find(r.id);
              const auto next = scratch.NextDeadline();
              if (a == nullptr || a->Status() != engine::Outcome::kGrouped || !next) {
                break;
              }
              at = *next;
              scratch.Tick(at);
            }
            const engine::Alert* a = r.id != 0 ? scratch.Find(r.id) : nullptr;
            json::object o{{"status", engine::OutcomeName(a != nullptr ? a->Status() : r.status)},
                           {"at", FormatRfc3339(at)}};
            o["notified"] = Strings(a != nullptr ? a->notified : r.notified);
            if (a != nullptr && !a->routings.empty()) {
              o["held_until"] = Instant(a->routings.front().held_until);
              o["next_on_duty"] = Strings(a->routings.front().held_for);
            } else {
              o["held_until"] = nullptr;
              o["next_on_duty"] = json::array();
            }
            json::array routes;
            if (a != nullptr) {
              for (const auto& rt : a->routings) {
                routes.push_back(json::object{
                    {"route", rt.route >= 0
                                  ? host.Config().routes[static_cast<std::size_t>(rt.route)].name
                                  : "(removed)"},
                    {"status", engine::OutcomeName(rt.status)},
                    {"step", rt.step + 1}});
              }
            }
            o["routes"] = std::move(routes);
            alerts.push_back(std::move(o));
          }
          reply(JsonResponse(200, json::object{{"dry_run", true}, {"alerts", std::move(alerts)}}));
        });
      });
}

}  // namespace

void RegisterIngestRoutes(http::Router& router, Host& host) {
  DryRunRoute(router, host);
  IngestRoute(router, host, "/api/v1/alertmanager", "alertmanager",
              [](std::string_view body, const ingest::Limits& limits, const config::Config&,
                 TimePoint) { return ingest::DecodeAlertmanagerWebhook(body, limits); });
  IngestRoute(router, host, "/api/v2/alerts", "prometheus",
              [](std::string_view body, const ingest::Limits& limits, const config::Config& c,
                 TimePoint now) {
                return ingest::DecodeAlertsV2(body, limits, c.ingest.resolve_timeout, now);
              });
  IngestRoute(router, host, "/api/v1/events", "generic",
              [](std::string_view body, const ingest::Limits& limits, const config::Config&,
                 TimePoint) { return ingest::DecodeGeneric(body, limits); });
  PagerDutyRoute(router, host);
}

Result<json::object> JsonObjectBody(const http::Request& req) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object()) {
    return Fail(Error::InvalidArgument("expected a JSON object body"));
  }
  return std::move(v.as_object());
}

std::string StringField(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace rota::api
