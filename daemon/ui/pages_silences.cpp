// /ui/silences: every silence, a form for a new one (its matchers checked by
// POST /api/v1/silences, as the API checks them) and an expire button
// (DELETE /api/v1/silences/{id}).
#include <algorithm>
#include <boost/json.hpp>

#include "core/time.h"
#include "ui/routes.h"

namespace rota::ui {
namespace {

namespace json = boost::json;

json::object SilenceData(const rules::Silence& s, const Visitor& v, TimePoint now) {
  json::array ms;
  for (const auto& m : s.matchers) {
    ms.emplace_back(m.ToString());
  }
  return json::object{{"id", s.id},
                      {"matchers", std::move(ms)},
                      {"starts", LocalTime(*v.zone, s.starts_at, now)},
                      {"starts_iso", FormatRfc3339(s.starts_at)},
                      {"ends", LocalTime(*v.zone, s.ends_at, now)},
                      {"ends_iso", FormatRfc3339(s.ends_at)},
                      {"created_by", s.created_by},
                      {"comment", s.comment},
                      {"active", s.ActiveAt(now)},
                      {"live", s.ends_at > now},
                      {"config", s.id.starts_with("config-")},
                      {"forever", s.ends_at >= *ParseRfc3339("9999-01-01T00:00:00Z")},
                      {"csrf", v.csrf}};
}

// The silences page; after a refused form, with its error and what was typed
// (nothing typed is lost).
void ReplySilences(const Ctx& ctx, Visitor v, std::string note, json::object form, int status,
                   http::Reply reply) {
  ctx->host.Post([ctx, v = std::move(v), note = std::move(note), form = std::move(form), status,
                  reply = std::move(reply)]() mutable {
    const TimePoint now = ctx->host.Now();
    std::vector<const rules::Silence*> list;
    for (const auto& s : ctx->host.Config().silences) {
      list.push_back(&s);
    }
    for (const auto& s : ctx->host.Engine().silences()) {
      list.push_back(&s);
    }
    // Live ones first, ending soonest; then the expired, latest first.
    std::sort(list.begin(), list.end(), [now](const rules::Silence* a, const rules::Silence* b) {
      const bool la = a->ends_at > now;
      const bool lb = b->ends_at > now;
      if (la != lb) {
        return la;
      }
      return la ? a->ends_at < b->ends_at : a->ends_at > b->ends_at;
    });
    json::array silences;
    for (const auto* s : list) {
      silences.push_back(SilenceData(*s, v, now));
    }
    json::object data{{"silences", std::move(silences)}, {"flash", note}};
    for (auto& [k, val] : form) {
      data[k] = std::move(val);
    }
    http::Response r = Html(status, "", v);
    r.render = [data = std::move(data), v]() mutable {
      return RenderPage("silences.html", std::move(data), "Silences", "Silences", v);
    };
    reply(std::move(r));
  });
}

}  // namespace

void RegisterSilencePages(http::Router& router, const Ctx& ctx) {
  router.Handle("GET", "/ui/silences", http::Access::kUi,
                [ctx](http::Request& req, http::Reply reply) {
                  ReplySilences(ctx, Visit(*ctx, req), Flash(req), {}, 200, std::move(reply));
                });

  HandleForm(
      router, "/ui/silences", ctx,
      [ctx](http::Request& /*req*/, const Fields& fields, const Visitor& v, http::Reply reply) {
        json::array matchers;
        std::string text = Field(fields, "matchers");
        std::size_t start = 0;
        while (start <= text.size()) {
          const auto nl = text.find('\n', start);
          std::string line =
              text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
          std::erase(line, '\r');
          if (line.find_first_not_of(' ') != std::string::npos) {
            matchers.emplace_back(line);
          }
          if (nl == std::string::npos) {
            break;
          }
          start = nl + 1;
        }
        json::object o{{"matchers", std::move(matchers)},
                       {"duration", Field(fields, "duration")},
                       {"created_by", Field(fields, "created_by")},
                       {"comment", Field(fields, "comment")}};
        json::object typed{{"form_matchers", text},
                           {"form_duration", Field(fields, "duration")},
                           {"form_by", Field(fields, "created_by")},
                           {"form_comment", Field(fields, "comment")}};
        CallApi(
            *ctx, "POST", "/api/v1/silences", json::serialize(o),
            [ctx, v, typed = std::move(typed), reply = std::move(reply)](http::Response r) mutable {
              if (r.status / 100 == 2) {
                reply(SeeOther("/ui/silences?done=" + http::PercentEncode("silence created"), v));
                return;
              }
              typed["form_error"] = ApiError(r);
              ReplySilences(ctx, v, "", std::move(typed), r.status, std::move(reply));
            });
      });

  HandleForm(
      router, "/ui/silences/{id}/expire", ctx,
      [ctx](http::Request& req, const Fields& /*fields*/, const Visitor& v, http::Reply reply) {
        const std::string& id = req.params.at("id");
        if (id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos) {
          reply(MessagePage(404, "Not done", "no silence \"" + id + "\"", "/ui/silences", v));
          return;
        }
        ApiThenBack(*ctx, v, "DELETE", "/api/v1/silences/" + id, "", "/ui/silences",
                    "silence expired", std::move(reply));
      });
}

}  // namespace rota::ui
