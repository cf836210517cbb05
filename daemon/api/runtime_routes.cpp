// Run-time changes: silences (kept by the engine) and overrides (kept by the
// shell, they shape the roster). Bodies are validated on the connection's
// thread; the change and its commit run on the strand.
#include <algorithm>
#include <boost/json.hpp>

#include "api/routes.h"
#include "api/views.h"
#include "config/roster_spec.h"
#include "core/time.h"
#include "log/log.h"

namespace rota::api {
namespace {

namespace json = boost::json;

// Reads an optional RFC 3339 or duration field into `out`.
Result<void> InstantField(const json::object& o, std::string_view key, TimePoint& out) {
  const std::string t = StringField(o, key);
  if (t.empty()) {
    return {};
  }
  auto p = ParseRfc3339(t);
  if (!p) {
    return Fail(Error::InvalidArgument(std::string(key) + ": " + p.error().message()));
  }
  out = *p;
  return {};
}

// A silence from its JSON body, or the reason it is not one.
Result<rules::Silence> ParseSilence(const json::object& o, TimePoint now) {
  rules::Silence s;
  const auto* ms = o.if_contains("matchers");
  if (ms == nullptr || !ms->is_array() || ms->as_array().empty()) {
    return Fail(Error::InvalidArgument("matchers: a non-empty list of matchers is required"));
  }
  for (const auto& m : ms->as_array()) {
    if (!m.is_string()) {
      return Fail(Error::InvalidArgument("matchers: expected a string"));
    }
    auto parsed = rules::ParseMatchers(m.as_string());
    if (!parsed) {
      return Fail(Error::InvalidArgument("matchers: " + parsed.error().message()));
    }
    s.matchers.insert(s.matchers.end(), parsed->begin(), parsed->end());
  }
  // As Alertmanager: a silence whose matchers all match the empty string
  // (none at all, `{}`, `alertname=~".*"`, `x=""`) would mute every alert.
  if (std::all_of(s.matchers.begin(), s.matchers.end(),
                  [](const rules::Matcher& m) { return m.Matches(""); })) {
    return Fail(Error::InvalidArgument(
        "matchers: at least one matcher must not match the empty string; these would silence "
        "every alert"));
  }
  s.starts_at = now;
  if (auto r = InstantField(o, "starts_at", s.starts_at); !r) {
    return Fail(r.error());
  }
  if (!StringField(o, "ends_at").empty()) {
    if (auto r = InstantField(o, "ends_at", s.ends_at); !r) {
      return Fail(r.error());
    }
  } else if (std::string d = StringField(o, "duration"); !d.empty()) {
    auto p = ParseDuration(d);
    if (!p) {
      return Fail(Error::InvalidArgument("duration: " + p.error().message()));
    }
    s.ends_at = s.starts_at + *p;
  } else {
    return Fail(Error::InvalidArgument("ends_at or duration is required"));
  }
  if (s.ends_at <= s.starts_at || s.ends_at <= now) {
    return Fail(Error::InvalidArgument("the silence must end after it starts and in the future"));
  }
  s.created_by = StringField(o, "created_by");
  s.comment = StringField(o, "comment");
  if (s.created_by.empty()) {
    return Fail(Error::InvalidArgument("created_by is required"));
  }
  return s;
}

void SilenceRoutes(http::Router& router, Host& host) {
  router.Handle("GET", "/api/v1/silences", http::Access::kAdmin,
                [&host](http::Request&, http::Reply reply) {
                  host.Post([&host, reply = std::move(reply)] {
                    const TimePoint now = host.Now();
                    json::array list;
                    for (const auto& s : host.Config().silences) {
                      list.push_back(SilenceJson(s, now));
                    }
                    for (const auto& s : host.Engine().silences()) {
                      list.push_back(SilenceJson(s, now));
                    }
                    reply(JsonResponse(200, json::object{{"silences", std::move(list)}}));
                  });
                });
  router.Handle("POST", "/api/v1/silences", http::Access::kAdmin,
                [&host](http::Request& req, http::Reply reply) {
                  auto o = JsonObjectBody(req);
                  auto s =
                      o ? ParseSilence(*o, host.Now()) : Result<rules::Silence>(Fail(o.error()));
                  if (!s) {
                    reply(http::Response::Error(400, s.error().message()));
                    return;
                  }
                  host.Post([&host, s = std::move(*s), reply = std::move(reply)]() mutable {
                    const std::string id = host.Engine().AddSilence(std::move(s), host.Now());
                    host.SilencesChanged(id);
                    log::Info("silence added", {{"id", id}});
                    host.Commit([reply, id](const Result<void>& w) {
                      reply(w ? JsonResponse(201, json::object{{"id", id}}) : Unavailable());
                    });
                  });
                });
  router.Handle("DELETE", "/api/v1/silences/{id}", http::Access::kAdmin,
                [&host](http::Request& req, http::Reply reply) {
                  host.Post([&host, id = req.params.at("id"), reply = std::move(reply)] {
                    if (id.starts_with("config-")) {
                      reply(http::Response::Error(
                          409, "silence " + id + " is in the config file; edit it there"));
                      return;
                    }
                    auto r = host.Engine().ExpireSilence(id, host.Now());
                    if (!r) {
                      reply(http::Response::Error(404, r.error().message()));
                      return;
                    }
                    host.SilencesChanged(id);
                    log::Info("silence expired", {{"id", id}});
                    host.Commit([reply, id](const Result<void>& w) {
                      reply(w ? JsonResponse(200, json::object{{"id", id}, {"status", "expired"}})
                              : Unavailable());
                    });
                  });
                });
}

Result<schedule::OverrideSpec> ParseOverride(const json::object& o) {
  schedule::OverrideSpec spec;
  spec.person = StringField(o, "person");
  spec.replaces = StringField(o, "replaces");
  spec.team = StringField(o, "team");
  spec.note = StringField(o, "note");
  auto start = ParseRfc3339(StringField(o, "start"));
  auto end = ParseRfc3339(StringField(o, "end"));
  if (spec.person.empty() || !start || !end) {
    return Fail(Error::InvalidArgument("person, start and end (RFC 3339) are required"));
  }
  if (*end <= *start) {
    return Fail(Error::InvalidArgument("end must be after start"));
  }
  if (spec.replaces == spec.person) {
    return Fail(Error::InvalidArgument("replaces: a person cannot replace themself"));
  }
  if (!spec.replaces.empty() && !spec.team.empty()) {
    return Fail(Error::InvalidArgument(
        "an override either replaces a person or adds one to a team, not both"));
  }
  spec.start = *start;
  spec.end = *end;
  return spec;
}

void OverrideRoutes(http::Router& router, Host& host) {
  router.Handle("GET", "/api/v1/overrides", http::Access::kAdmin,
                [&host](http::Request&, http::Reply reply) {
                  host.Post([&host, reply = std::move(reply)] {
                    json::array list;
                    for (const auto& o : config::ToRosterSpec(host.Config()).overrides) {
                      list.push_back(OverrideJson(o, "config"));
                    }
                    for (const auto& o : host.RuntimeOverrides()) {
                      list.push_back(OverrideJson(o, "api"));
                    }
                    reply(JsonResponse(200, json::object{{"overrides", std::move(list)}}));
                  });
                });
  router.Handle("POST", "/api/v1/overrides", http::Access::kAdmin,
                [&host](http::Request& req, http::Reply reply) {
                  auto o = JsonObjectBody(req);
                  auto spec =
                      o ? ParseOverride(*o) : Result<schedule::OverrideSpec>(Fail(o.error()));
                  if (!spec) {
                    reply(http::Response::Error(400, spec.error().message()));
                    return;
                  }
                  host.Post([&host, spec = std::move(*spec), reply = std::move(reply)]() mutable {
                    auto id = host.AddOverride(std::move(spec));
                    if (!id) {
                      reply(http::Response::Error(400, id.error().message()));
                      return;
                    }
                    log::Info("override added", {{"id", *id}});
                    host.Commit([reply, id = *id](const Result<void>& w) {
                      reply(w ? JsonResponse(201, json::object{{"id", id}}) : Unavailable());
                    });
                  });
                });
  router.Handle("DELETE", "/api/v1/overrides/{id}", http::Access::kAdmin,
                [&host](http::Request& req, http::Reply reply) {
                  host.Post([&host, id = req.params.at("id"), reply = std::move(reply)] {
                    if (auto r = host.RemoveOverride(id); !r) {
                      reply(http::Response::Error(404, r.error().message()));
                      return;
                    }
                    log::Info("override removed", {{"id", id}});
                    host.Commit([reply, id](const Result<void>& w) {
                      reply(w ? JsonResponse(200, json::object{{"id", id}, {"status", "removed"}})
                              : Unavailable());
                    });
                  });
                });
}

}  // namespace

namespace {

void RerouteRoutes(http::Router& router, Host& host) {
  router.Handle("GET", "/api/v1/reroutes", http::Access::kAdmin,
                [&host](http::Request&, http::Reply reply) {
                  json::array list;
                  for (const auto& r : host.Reroutes()) {
                    list.push_back(RerouteJson(r));
                  }
                  reply(JsonResponse(200, json::object{{"reroutes", std::move(list)}}));
                });
  router.Handle("POST", "/api/v1/reroutes", http::Access::kAdmin,
                [&host](http::Request& req, http::Reply reply) {
                  auto o = JsonObjectBody(req);
                  if (!o) {
                    reply(http::Response::Error(400, o.error().message()));
                    return;
                  }
                  engine::Reroute r;
                  r.team = StringField(*o, "team");
                  const std::string to = StringField(*o, "to");
                  r.reason = StringField(*o, "reason");
                  r.created_by = StringField(*o, "created_by");
                  std::string problem;
                  if (r.team.empty()) {
                    problem = "team is required";
                  } else if (!to.starts_with("escalation:") || to.size() == 11) {
                    problem = "to must be escalation:NAME";
                  } else if (r.reason.empty()) {
                    problem = "reason is required (say why: it shows on every affected alert)";
                  }
                  if (o->contains("until") && !o->at("until").is_null()) {
                    TimePoint until{};
                    if (auto u = InstantField(*o, "until", until); !u) {
                      problem = u.error().message();
                    } else {
                      r.until = until;
                    }
                  }
                  if (!problem.empty()) {
                    reply(http::Response::Error(400, problem));
                    return;
                  }
                  r.escalation = to.substr(11);
                  host.Post([&host, r = std::move(r), reply = std::move(reply)]() mutable {
                    auto id = host.Engine().AddReroute(r, host.Now());
                    if (!id) {
                      reply(http::Response::Error(400, id.error().message()));
                      return;
                    }
                    host.ReroutesChanged();
                    log::Info("reroute added", {{"id", *id},
                                                {"team", r.team},
                                                {"escalation", r.escalation},
                                                {"until", r.until ? FormatRfc3339(*r.until)
                                                                  : std::string("cleared")},
                                                {"reason", r.reason},
                                                {"by", r.created_by}});
                    const json::value body = RerouteJson(host.Engine().reroutes().back());
                    host.Commit([reply, body](const Result<void>& w) {
                      reply(w ? JsonResponse(201, body) : Unavailable());
                    });
                  });
                });
  router.Handle("DELETE", "/api/v1/reroutes/{id}", http::Access::kAdmin,
                [&host](http::Request& req, http::Reply reply) {
                  host.Post([&host, id = req.params.at("id"), reply = std::move(reply)] {
                    auto r = host.Engine().ClearReroute(id);
                    if (!r) {
                      reply(http::Response::Error(404, r.error().message()));
                      return;
                    }
                    host.ReroutesChanged();
                    log::Info("reroute cleared", {{"id", id}});
                    host.Commit([reply, id](const Result<void>& w) {
                      reply(w ? JsonResponse(200, json::object{{"id", id}, {"status", "cleared"}})
                              : Unavailable());
                    });
                  });
                });
}

}  // namespace

json::value RerouteJson(const engine::Reroute& r) {
  return json::object{
      {"id", r.id},
      {"team", r.team},
      {"to", "escalation:" + r.escalation},
      {"until", r.until ? json::value(FormatRfc3339(*r.until)) : json::value(nullptr)},
      {"reason", r.reason},
      {"created_by", r.created_by},
      {"created_at", FormatRfc3339(r.created_at)}};
}

void RegisterRuntimeRoutes(http::Router& router, Host& host) {
  SilenceRoutes(router, host);
  RerouteRoutes(router, host);
  OverrideRoutes(router, host);
}

}  // namespace rota::api
