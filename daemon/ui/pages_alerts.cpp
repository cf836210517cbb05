// /ui/alerts (filter by state, team, route, label; newest first, 100 a
// page), /ui/alerts/{id} (the timeline from its structured entries) and the
// ack / resolve form, which becomes POST /api/v1/alerts/{id}/ack|resolve.
#include <algorithm>
#include <boost/json.hpp>
#include <regex>

#include "api/views.h"
#include "core/time.h"
#include "review/facts.h"
#include "rules/matcher.h"
#include "ui/routes.h"

namespace rota::ui {
namespace {

namespace json = boost::json;

constexpr std::size_t kPageSize = 100;

struct Filter {
  std::string state = "open";
  std::string team;
  std::string route;
  std::string label;
  std::vector<rules::Matcher> matchers;
  std::size_t page = 1;
};

std::string Param(const http::Request& req, const std::string& name) {
  const auto it = req.query_params.find(name);
  return it == req.query_params.end() ? std::string() : it->second.substr(0, 1000);
}

std::string RouteName(const config::Config& c, int route) {
  return route >= 0 && static_cast<std::size_t>(route) < c.routes.size()
             ? c.routes[static_cast<std::size_t>(route)].name
             : std::string("(removed)");
}

std::string Query(const Filter& f, std::size_t page) {
  std::string q = "/ui/alerts?state=" + f.state;
  const auto add = [&](const char* k, const std::string& v) {
    if (v.empty()) {
      return;
    }
    q += std::string("&") + k + "=" + http::PercentEncode(v);
  };
  add("team", f.team);
  add("route", f.route);
  add("label", f.label);
  if (page > 1) {
    q += "&page=" + std::to_string(page);
  }
  return q;
}

json::array Pairs(const std::vector<std::pair<std::string, std::string>>& kv) {
  json::array out;
  for (const auto& [k, v] : kv) {
    // A link only for http(s): never javascript: or data: from a label.
    const bool url = (v.starts_with("https://") || v.starts_with("http://")) &&
                     v.find_first_of(" \t\r\n\"<>") == std::string::npos;
    out.push_back(json::object{{"k", k}, {"v", v}, {"url", url}});
  }
  return out;
}

// The timeline's sentences name instants in RFC 3339 (as rotactl explain
// prints them); the page says them on the viewer's clock, as its own times.
std::string LocalInstants(std::string_view what, const date::time_zone& zone, TimePoint now) {
  static const std::regex kInstant(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)");
  std::string out;
  std::string text(what);
  auto begin = std::sregex_iterator(text.begin(), text.end(), kInstant);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out.append(text, last, static_cast<std::size_t>(it->position()) - last);
    if (auto t = ParseRfc3339(it->str())) {
      out += LocalTime(zone, *t, now);
    } else {
      out += it->str();
    }
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  out.append(text, last, std::string::npos);
  return out;
}

// When the routing's escalation moves next, in words: "step 2 (person:dave)
// at Tue 10:15, in 12 min" or "reminds again at ..."; "" when nothing waits.
std::string NextStep(const config::Config& c, const engine::Alert& a, const engine::Routing& r,
                     const date::time_zone& zone, TimePoint now) {
  if (a.state != engine::AlertState::kFiring || r.status != engine::Outcome::kNotified ||
      !r.escalating || !r.last_notified || r.route < 0 ||
      static_cast<std::size_t>(r.route) >= c.routes.size()) {
    return {};
  }
  const config::Route& route = c.routes[static_cast<std::size_t>(r.route)];
  const config::Escalation* esc =
      c.FindEscalation(r.escalation.empty() ? route.escalation : r.escalation);
  if (esc == nullptr || esc->steps.empty()) {
    return {};
  }
  const auto step =
      static_cast<std::size_t>(std::min<int>(r.step, static_cast<int>(esc->steps.size()) - 1));
  const TimePoint at =
      *r.last_notified + (r.exhausted ? route.repeat_interval : esc->steps[step].escalate_after);
  const std::string when = LocalTime(zone, at, now) + " " + zone.name() + ", " + Relative(at, now);
  if (r.exhausted) {
    return "unacknowledged: reminds step " + std::to_string(step + 1) + " again at " + when;
  }
  std::size_t next = step + 1;
  if (next >= esc->steps.size()) {
    if (r.round >= esc->repeat) {
      return "unacknowledged: reminds step " + std::to_string(step + 1) + " again at " +
             LocalTime(zone, at + route.repeat_interval, now) + " " + zone.name();
    }
    next = 0;
  }
  std::string targets;
  for (const auto& t : esc->steps[next].notify) {
    targets += (targets.empty() ? "" : ", ") + t.ToString();
  }
  return "unacknowledged: escalates to step " + std::to_string(next + 1) + " (" + targets +
         ") at " + when;
}

// Whose name the act form offers first: someone told who is on duty now,
// else anyone on duty in the alert's teams, else the first told.
std::string DefaultActor(const engine::Engine& engine, const engine::Alert& a, TimePoint now) {
  const auto& roster = *engine.model().roster;
  for (const auto& p : a.notified) {
    if (!config::IsChannelRecipient(p) && roster.IsOnDuty(p, now)) {
      return p;
    }
  }
  for (const auto& team : review::TeamsOfAlert(engine.model(), a)) {
    if (auto on = roster.TeamOnDutyPeople(team, now); on && !on->empty()) {
      return on->front().person;
    }
  }
  for (const auto& p : a.notified) {
    if (!config::IsChannelRecipient(p)) {
      return p;
    }
  }
  return {};
}

}  // namespace

void RegisterAlertPages(http::Router& router, const Ctx& ctx) {
  router.Handle(
      "GET", "/ui/alerts", http::Access::kUi, [ctx](http::Request& req, http::Reply reply) {
        Visitor v = Visit(*ctx, req);
        Filter f;
        if (std::string s = Param(req, "state"); !s.empty()) {
          f.state = s;
        }
        if (!api::IsAlertStateFilter(f.state)) {
          reply(MessagePage(400, "Bad filter",
                            "state: expected open, firing, acknowledged, resolved or all",
                            "/ui/alerts", v));
          return;
        }
        f.team = Param(req, "team");
        f.route = Param(req, "route");
        f.label = Param(req, "label");
        if (!f.label.empty()) {
          auto m = rules::ParseMatchers(f.label);
          if (!m) {
            reply(MessagePage(400, "Bad filter", "label: " + m.error().message(), "/ui/alerts", v));
            return;
          }
          f.matchers = std::move(*m);
        }
        if (auto p = http::ParseId(Param(req, "page")); p && *p > 0 && *p < 1000000) {
          f.page = *p;
        }
        ctx->host.Post([ctx, v = std::move(v), f = std::move(f), flash = Flash(req),
                        reply = std::move(reply)] {
          const TimePoint now = ctx->host.Now();
          const engine::Engine& engine = ctx->host.Engine();
          const config::Config& c = ctx->host.Config();
          std::vector<const engine::Alert*> list;
          engine.ForEachAlert([&](const engine::Alert& a) {
            if (!api::AlertInState(f.state, a) || !rules::MatchesAll(f.matchers, a.labels)) {
              return;
            }
            if (!f.route.empty() &&
                std::none_of(a.routings.begin(), a.routings.end(), [&](const engine::Routing& r) {
                  return RouteName(c, r.route) == f.route;
                })) {
              return;
            }
            if (!f.team.empty()) {
              const auto teams = review::TeamsOfAlert(engine.model(), a);
              if (std::find(teams.begin(), teams.end(), f.team) == teams.end()) {
                return;
              }
            }
            list.push_back(&a);
          });
          const std::size_t total = list.size();
          const std::size_t first = std::min(total, (f.page - 1) * kPageSize);
          const std::size_t last = std::min(total, first + kPageSize);
          std::partial_sort(
              list.begin(), list.begin() + static_cast<std::ptrdiff_t>(last), list.end(),
              [](const engine::Alert* x, const engine::Alert* y) { return x->id > y->id; });
          json::array rows;
          for (std::size_t i = first; i < last; ++i) {
            const engine::Alert& a = *list[i];
            std::string teams;
            for (const auto& t : review::TeamsOfAlert(engine.model(), a)) {
              teams += (teams.empty() ? "" : ", ") + t;
            }
            std::string eta;
            for (const auto& r : a.routings) {
              if (r.held_until && a.state == engine::AlertState::kFiring) {
                eta = HeldEta(c, r, now);
                break;
              }
            }
            const std::string_view name = a.labels.Get("alertname");
            const auto summary = std::find_if(a.annotations.begin(), a.annotations.end(),
                                              [](const auto& kv) { return kv.first == "summary"; });
            rows.push_back(json::object{
                {"id", a.id},
                {"name", name.empty() ? a.key : std::string(name)},
                {"summary", summary == a.annotations.end() ? std::string() : summary->second},
                {"state", Badge(a).second},
                {"badge", Badge(a).first},
                {"status", engine::OutcomeName(a.Status())},
                {"eta", eta},
                {"teams", teams},
                {"since", LocalTime(*v.zone, a.starts_at, now)},
                {"since_iso", FormatRfc3339(a.starts_at)}});
          }
          json::array states;
          for (const char* s : {"open", "firing", "acknowledged", "resolved", "all"}) {
            states.push_back(json::object{{"value", s}, {"selected", f.state == s}});
          }
          json::array teams;
          for (const auto& t : c.teams) {
            teams.push_back(json::object{{"id", t.id}, {"selected", f.team == t.id}});
          }
          json::array routes;
          for (const auto& r : c.routes) {
            routes.push_back(json::object{{"name", r.name}, {"selected", f.route == r.name}});
          }
          json::object data{{"states", std::move(states)},
                            {"teams", std::move(teams)},
                            {"routes", std::move(routes)},
                            {"label", f.label},
                            {"total", total},
                            {"has_rows", !rows.empty()},
                            {"rows", std::move(rows)},
                            {"more", total > kPageSize},
                            {"first", first + 1},
                            {"last", last}};
          if (f.page > 1) {
            data["prev"] = Query(f, f.page - 1);
          }
          if (last < total) {
            data["next"] = Query(f, f.page + 1);
          }
          data["flash"] = flash;
          http::Response r = Html(200, "", v);
          r.render = [data = std::move(data), v]() mutable {
            return RenderPage("alerts.html", std::move(data), "Alerts", "Alerts", v);
          };
          reply(std::move(r));
        });
      });

  router.Handle(
      "GET", "/ui/alerts/{id}", http::Access::kUi, [ctx](http::Request& req, http::Reply reply) {
        Visitor v = Visit(*ctx, req);
        const auto id = http::ParseId(req.params.at("id"));
        if (!id) {
          reply(
              MessagePage(404, "No such alert", "Alert ids are decimal numbers.", "/ui/alerts", v));
          return;
        }
        ctx->host.Post(
            [ctx, v = std::move(v), id = *id, flash = Flash(req), reply = std::move(reply)] {
              const engine::Alert* a = ctx->host.Engine().Find(id);
              if (a == nullptr) {
                reply(MessagePage(404, "No such alert",
                                  "rota does not know alert " + std::to_string(id) + ".",
                                  "/ui/alerts", v));
                return;
              }
              const TimePoint now = ctx->host.Now();
              const config::Config& c = ctx->host.Config();
              json::object data{
                  {"id", a->id},
                  {"state", Badge(*a).second},
                  {"badge", Badge(*a).first},
                  // A source that re-sends (Alertmanager, Prometheus) still
                  // reports it firing: resolved here, it opens again.
                  {"resends", a->state != engine::AlertState::kResolved &&
                                  (a->source == "alertmanager" || a->source == "prometheus")},
                  {"source_name", a->source == "prometheus" ? "Prometheus" : "Alertmanager"},
                  {"status", engine::OutcomeName(a->Status())},
                  {"acked_by", a->acked_by},
                  {"starts", LocalTime(*v.zone, a->starts_at, now)},
                  {"starts_iso", FormatRfc3339(a->starts_at)},
                  {"source", a->source},
                  {"generator_url", a->generator_url.starts_with("http") ? a->generator_url : ""},
                  {"labels", Pairs(a->labels.pairs())},
                  {"annotations", Pairs(a->annotations)},
                  {"has_annotations", !a->annotations.empty()},
                  {"open", a->state != engine::AlertState::kResolved},
                  {"firing", a->state == engine::AlertState::kFiring}};
              json::array routes;
              for (const auto& r : a->routings) {
                routes.push_back(json::object{
                    {"route", RouteName(c, r.route)},
                    {"status", engine::OutcomeName(r.status)},
                    {"step", r.step + 1},
                    {"held", a->state == engine::AlertState::kFiring ? HeldEta(c, r, now) : ""},
                    {"next_step", NextStep(c, *a, r, *v.zone, now)}});
              }
              data["routes"] = std::move(routes);
              json::array timeline;
              for (const auto& e : a->timeline) {
                json::object j = api::TimelineEntryJson(e);
                timeline.push_back(
                    json::object{{"at", LocalTime(*v.zone, e.at, now)},
                                 {"at_iso", FormatRfc3339(e.at)},
                                 {"kind", j["kind"]},
                                 {"what", LocalInstants(j["what"].as_string(), *v.zone, now)}});
              }
              data["timeline"] = std::move(timeline);
              json::array people;
              const std::string actor = DefaultActor(ctx->host.Engine(), *a, now);
              for (const auto& p : c.people) {
                people.push_back(
                    json::object{{"id", p.id},
                                 {"name", p.name.empty() ? p.id : p.name + " (" + p.id + ")"},
                                 {"selected", p.id == actor}});
              }
              data["people"] = std::move(people);
              data["flash"] = flash;
              const std::string title =
                  "Alert " + std::to_string(a->id) + ": " +
                  (a->labels.Get("alertname").empty() ? a->key
                                                      : std::string(a->labels.Get("alertname")));
              http::Response r = Html(200, "", v);
              r.render = [data = std::move(data), title, v]() mutable {
                return RenderPage("alert.html", std::move(data), title, "Alerts", v);
              };
              reply(std::move(r));
            });
      });

  HandleForm(
      router, "/ui/alerts/{id}/act", ctx,
      [ctx](http::Request& req, const Fields& fields, const Visitor& v, http::Reply reply) {
        const auto id = http::ParseId(req.params.at("id"));
        const std::string action = Field(fields, "action");
        if (!id || (action != "ack" && action != "resolve")) {
          reply(MessagePage(400, "Bad form", "Choose acknowledge or resolve.", "/ui/alerts", v));
          return;
        }
        const std::string body = json::serialize(
            json::object{{"by", Field(fields, "by")}, {"comment", Field(fields, "comment")}});
        ApiThenBack(*ctx, v, "POST", "/api/v1/alerts/" + std::to_string(*id) + "/" + action, body,
                    "/ui/alerts/" + std::to_string(*id),
                    action == "ack" ? "acknowledged" : "resolved", std::move(reply));
      });
}

}  // namespace rota::ui
