// /ui/ (each team now: on duty, next, held and open alerts, 7-day coverage)
// and /ui/support (when support is available, for the people supported:
// no alert data, names only when configured, never contacts).
#include <algorithm>
#include <boost/json.hpp>
#include <tuple>
#include <unordered_map>

#include "core/time.h"
#include "review/facts.h"
#include "schedule/hours.h"
#include "schedule/roster.h"
#include "ui/coverage_svg.h"
#include "ui/routes.h"

namespace rota::ui {
namespace {

namespace json = boost::json;

constexpr int kRecent = 8;
constexpr std::size_t kHeldShown = 20;  // the soonest seen; the rest are a link away

std::string Names(const config::Config& c, const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    out += (out.empty() ? "" : ", ") + PersonName(c, id);
  }
  return out;
}

struct HeldRow {
  TimePoint until{};
  engine::AlertId id = 0;
  std::string name;
  std::string eta;
};

struct TeamAlerts {
  std::size_t open = 0;
  std::vector<HeldRow> held;
  std::size_t held_total = 0;
  std::vector<const engine::Alert*> held_alerts;  // strand only, while collecting
  std::vector<std::pair<engine::AlertId, std::pair<std::string, std::string>>>
      recent;  // id, (name, badge class + '\n' + badge text)
};

std::string AlertName(const engine::Alert& a) {
  const std::string_view n = a.labels.Get("alertname");
  return n.empty() ? a.key : std::string(n);
}

// Who is next: when nobody is on duty, the next who will be; otherwise the
// first coverage window after now whose people differ.
json::value NextOf(const config::Config& c, const schedule::Roster& roster, const config::Team& t,
                   const schedule::Coverage& cov, TimePoint cov_end,
                   const std::vector<schedule::OnDuty>& on, const date::time_zone& zone,
                   TimePoint now) {
  std::optional<std::pair<TimePoint, std::vector<std::string>>> next;
  if (on.empty()) {
    if (auto n = roster.NextTeamOnDuty(t.id, now); n && *n) {
      next = std::make_pair((*n)->at, (*n)->people);
    }
  } else {
    // The next change of people from the stretch that holds now: a gap
    // after it is a change to nobody.
    std::vector<std::string> current;
    for (const auto& d : on) {
      current.push_back(d.person);
    }
    std::sort(current.begin(), current.end());
    std::optional<TimePoint> end;
    for (const auto& w : cov.windows) {
      if (w.end <= now) {
        continue;
      }
      if (end && w.start > *end) {
        next = std::make_pair(*end, std::vector<std::string>{});
        break;
      }
      auto people = w.on_duty;
      std::sort(people.begin(), people.end());
      if (w.start > now && people != current) {
        next = std::make_pair(w.start, w.on_duty);
        break;
      }
      end = w.end;
    }
    if (!next && end && *end < cov_end) {
      next = std::make_pair(*end, std::vector<std::string>{});
    }
  }
  if (!next) {
    return nullptr;
  }
  return json::object{
      {"people", next->second.empty() ? std::string("nobody") : Names(c, next->second)},
      {"at", LocalTime(zone, next->first, now)},
      {"at_iso", FormatRfc3339(next->first)},
      {"in", Relative(next->first, now)}};
}

std::string NowPage(const config::Config& c, const schedule::Roster& roster,
                    std::unordered_map<std::string, TeamAlerts>& alerts, const Visitor& v,
                    TimePoint now, std::string flash) {
  json::array teams;
  for (const auto& t : c.teams) {
    json::object o;
    o["id"] = t.id;
    o["name"] = t.name.empty() ? t.id : t.name;
    o["zone"] = t.zone->name();
    o["zone_view"] = v.zone->name();
    const auto duty = roster.TeamOnDuty(t.id, now);
    json::array on;
    if (duty) {
      for (const auto& d : duty->on_duty) {
        const config::Person* p = c.FindPerson(d.person);
        json::object e{{"person", d.person},
                       {"name", PersonName(c, d.person)},
                       {"local_now", ClockTime(*p->zone, now)},
                       {"person_zone", p->zone->name()}};
        if (!d.covering_for.empty()) {
          e["covering_for"] = PersonName(c, d.covering_for);
        }
        e["added"] = d.added;
        if (d.until) {
          e["until"] = LocalTime(*v.zone, *d.until, now);
          e["until_iso"] = FormatRfc3339(*d.until);
        }
        on.push_back(std::move(e));
      }
    }
    o["has_on_duty"] = !on.empty();
    o["on_duty"] = std::move(on);
    const TimePoint to = now + std::chrono::hours(24 * 7);
    const auto cov = roster.TeamCoverage(t.id, now, to);
    if (cov && duty) {
      o["next"] = NextOf(c, roster, t, *cov, to, duty->on_duty, *v.zone, now);
      o["svg"] = CoverageSvg(*cov, *v.zone, now, 7, now);
    }
    TeamAlerts& ta = alerts[t.id];
    o["open"] = ta.open;
    o["held_count"] = ta.held_total;
    if (ta.held_total > ta.held.size()) {
      o["held_more"] = ta.held_total - ta.held.size();
    }
    json::array held;
    for (const auto& h : ta.held) {
      held.push_back(json::object{{"id", h.id}, {"name", h.name}, {"eta", h.eta}});
    }
    o["has_held"] = !held.empty();
    o["held"] = std::move(held);
    json::array recent;
    for (const auto& [id, ns] : ta.recent) {
      const auto cut = ns.second.find('\n');
      recent.push_back(json::object{{"id", id},
                                    {"name", ns.first},
                                    {"badge", ns.second.substr(0, cut)},
                                    {"state", ns.second.substr(cut + 1)}});
    }
    o["has_recent"] = !recent.empty();
    o["recent"] = std::move(recent);
    teams.push_back(std::move(o));
  }
  json::object data{{"teams", std::move(teams)},
                    {"now_local", LocalTime(*v.zone, now, now)},
                    {"flash", std::move(flash)}};
  return RenderPage("now.html", std::move(data), "Now", "Now", v);
}

// The day-by-day availability of a team this week (Monday on), on the
// viewer's wall clock.
json::array SupportDays(const schedule::SpanList& spans, const date::time_zone& zone,
                        TimePoint now) {
  const auto today = date::floor<date::days>(
      zone.to_local(date::sys_time<std::chrono::milliseconds>(now.time_since_epoch())));
  json::array days;
  for (int i = 0; i < 7; ++i) {
    const date::local_days day = today + date::days(i);
    const schedule::LocalMinutes a{day.time_since_epoch()};
    const auto cell = schedule::LocalRangeToSpans(zone, a, a + std::chrono::hours(24));
    json::array list;
    for (const auto& s : schedule::Intersect(spans, cell)) {
      const auto fmt = [&](TimePoint t) { return ClockTime(zone, t); };
      const bool to_midnight = s.end >= cell.back().end;
      list.push_back(json::object{{"from", fmt(s.start)},
                                  {"to", to_midnight ? std::string("24:00") : fmt(s.end)}});
    }
    days.push_back(
        json::object{{"day", date::format("%A %d %b", day)}, {"spans", std::move(list)}});
  }
  return days;
}

std::string SupportPage(const config::Config& c, const schedule::Roster& roster, const Visitor& v,
                        TimePoint now) {
  json::array teams;
  const bool names = c.ui.support_page_names;
  for (const auto& t : c.teams) {
    json::object o{{"id", t.id}, {"name", t.name.empty() ? t.id : t.name}};
    const auto duty = roster.TeamOnDutyPeople(t.id, now);
    const bool on_now = duty && !duty->empty();
    o["on_now"] = on_now;
    const TimePoint week = now + std::chrono::hours(24 * 8);
    schedule::SpanList spans;
    if (auto cov = roster.TeamCoverage(t.id, now - std::chrono::hours(24), week)) {
      for (const auto& w : cov->windows) {
        spans.push_back({w.start, w.end});
      }
    }
    spans = schedule::Normalize(std::move(spans));
    if (on_now) {
      std::vector<std::string> ids;
      for (const auto& d : *duty) {
        ids.push_back(d.person);
      }
      if (names) {
        o["names"] = Names(c, ids);
      }
      for (const auto& s : spans) {
        if (s.start <= now && now < s.end && s.end < week) {
          o["until"] = LocalTime(*v.zone, s.end, now);
          o["until_iso"] = FormatRfc3339(s.end);
        }
      }
    } else if (auto next = roster.NextTeamOnDuty(t.id, now); next && *next) {
      json::object n{{"next", LocalTime(*v.zone, (*next)->at, now)},
                     {"next_iso", FormatRfc3339((*next)->at)},
                     {"next_in", Relative((*next)->at, now)}};
      if (names) {
        n["names"] = Names(c, (*next)->people);
      }
      o["next"] = std::move(n);
    }
    o["days"] = SupportDays(spans, *v.zone, now);
    teams.push_back(std::move(o));
  }
  return RenderPage("support.html", json::object{{"teams", std::move(teams)}}, "Support hours",
                    v.signed_in || !v.auth ? "Support hours" : "public", v);
}

}  // namespace

std::pair<std::string, std::string> Badge(const engine::Alert& a) {
  if (a.state != engine::AlertState::kFiring) {
    const std::string state(engine::AlertStateName(a.state));
    return {state, state};
  }
  switch (a.Status()) {
    case engine::Outcome::kHeld:
      return {"held", "held"};
    case engine::Outcome::kSilenced:
      return {"quiet", "silenced"};
    case engine::Outcome::kInhibited:
      return {"quiet", "inhibited"};
    case engine::Outcome::kMuted:
      return {"quiet", "muted"};
    case engine::Outcome::kDropped:
      return {"quiet", "dropped"};
    case engine::Outcome::kGrouped:
      return {"quiet", "grouped"};
    default:
      return {"firing", "firing"};
  }
}

std::string HeldEta(const config::Config& c, const engine::Routing& r, TimePoint now) {
  if (!r.held_until) {
    return {};
  }
  const config::Person* first = r.held_for.empty() ? nullptr : c.FindPerson(r.held_for.front());
  const date::time_zone& zone = first != nullptr ? *first->zone : *c.global.zone;
  std::string who = r.held_for.empty() ? "the next person on duty" : Names(c, r.held_for);
  return "held; seen by " + who + " at " + schedule::FormatLocalTime(zone, *r.held_until, now) +
         ", " + Relative(*r.held_until, now);
}

void RegisterNowPages(http::Router& router, const Ctx& ctx) {
  router.Handle("GET", "/ui/", http::Access::kUi, [ctx](http::Request& req, http::Reply reply) {
    Visitor v = Visit(*ctx, req);
    ctx->host.Post([ctx, v = std::move(v), note = Flash(req), reply = std::move(reply)]() mutable {
      const TimePoint now = ctx->host.Now();
      const config::Config& c = ctx->host.Config();
      auto alerts = std::make_shared<std::unordered_map<std::string, TeamAlerts>>();
      std::unordered_map<int, std::vector<std::string>> by_route;
      const engine::Engine& engine = ctx->host.Engine();
      engine.ForEachAlert([&](const engine::Alert& a) {
        if (a.state == engine::AlertState::kResolved) {
          return;
        }
        // Most alerts take one route: their teams are that route's.
        std::vector<std::string> several;
        const std::vector<std::string>* teams = &several;
        if (a.routings.size() == 1) {
          auto it = by_route.find(a.routings.front().route);
          if (it == by_route.end()) {
            it = by_route.emplace(a.routings.front().route, review::TeamsOfAlert(engine.model(), a))
                     .first;
          }
          teams = &it->second;
        } else {
          several = review::TeamsOfAlert(engine.model(), a);
        }
        for (const auto& team : *teams) {
          TeamAlerts& ta = (*alerts)[team];
          ++ta.open;
          for (const auto& r : a.routings) {
            if (r.held_until && a.state == engine::AlertState::kFiring) {
              ta.held.push_back({*r.held_until, a.id, AlertName(a), ""});
              ta.held_alerts.push_back(&a);
              break;
            }
          }
          if (ta.recent.size() < kRecent || a.id > ta.recent.back().first) {
            const auto badge = Badge(a);
            ta.recent.push_back({a.id, {AlertName(a), badge.first + "\n" + badge.second}});
            std::sort(ta.recent.begin(), ta.recent.end(),
                      [](const auto& x, const auto& y) { return x.first > y.first; });
            if (ta.recent.size() > kRecent) {
              ta.recent.pop_back();
            }
          }
        }
      });
      for (auto& [team, ta] : *alerts) {
        // Only the soonest few get their ETA written out.
        ta.held_total = ta.held.size();
        std::vector<std::size_t> order(ta.held.size());
        for (std::size_t i = 0; i < order.size(); ++i) {
          order[i] = i;
        }
        const std::size_t shown = std::min(kHeldShown, order.size());
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shown),
                          order.end(), [&](std::size_t x, std::size_t y) {
                            return std::tie(ta.held[x].until, ta.held[x].id) <
                                   std::tie(ta.held[y].until, ta.held[y].id);
                          });
        std::vector<HeldRow> kept;
        for (std::size_t i = 0; i < shown; ++i) {
          HeldRow row = ta.held[order[i]];
          const engine::Alert& a = *ta.held_alerts[order[i]];
          for (const auto& r : a.routings) {
            if (r.held_until) {
              row.eta = HeldEta(c, r, now);
              break;
            }
          }
          kept.push_back(std::move(row));
        }
        ta.held = std::move(kept);
        ta.held_alerts.clear();
      }
      const auto snap = ctx->host.Current();
      http::Response r = Html(200, "", v);
      r.render = [snap, alerts, v, now, note = std::move(note)]() mutable {
        return NowPage(*snap.config, *snap.roster, *alerts, v, now, std::move(note));
      };
      reply(std::move(r));
    });
  });
  router.HandleSync("GET", "/ui/support", http::Access::kSupport, [ctx](const http::Request& req) {
    const Visitor v = Visit(*ctx, req, false);
    const auto snap = ctx->host.Current();
    return Html(200, SupportPage(*snap.config, *snap.roster, v, ctx->host.Now()), v);
  });
}

std::string WeekGrid(const schedule::SpanList& spans, const date::time_zone& zone, TimePoint now,
                     std::string_view caption) {
  const auto today = date::floor<date::days>(
      zone.to_local(date::sys_time<std::chrono::milliseconds>(now.time_since_epoch())));
  const date::local_days monday = today - (date::weekday(today) - date::Monday);
  std::string html = "<figure><figcaption>" + std::string(caption) + " (" +
                     std::string(zone.name()) +
                     ")</figcaption><table class=\"weekgrid\"><thead><tr><th></th>";
  for (int h = 0; h < 24; ++h) {
    html +=
        "<th>" + std::string(h % 3 == 0 ? (h < 10 ? "0" : "") + std::to_string(h) : "") + "</th>";
  }
  html += "</tr></thead><tbody>";
  for (int d = 0; d < 7; ++d) {
    const date::local_days day = monday + date::days(d);
    html += "<tr><th>" + date::format("%a", day) + "</th>";
    for (int h = 0; h < 24; ++h) {
      const schedule::LocalMinutes a{day.time_since_epoch() + std::chrono::hours(h)};
      const auto cell = schedule::LocalRangeToSpans(zone, a, a + std::chrono::hours(1));
      Duration len{0};
      Duration on{0};
      for (const auto& s : cell) {
        len += s.end - s.start;
      }
      for (const auto& s : schedule::Intersect(cell, spans)) {
        on += s.end - s.start;
      }
      const char* cls = len.count() == 0 ? "none"
                        : on == len      ? "on"
                        : on.count() > 0 ? "part"
                                         : "off";
      html += std::string("<td class=\"") + cls + "\"></td>";
    }
    html += "</tr>";
  }
  html += "</tbody></table></figure>";
  return html;
}

}  // namespace rota::ui
