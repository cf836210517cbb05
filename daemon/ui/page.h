// What every page of the web console shares (docs/ui.md): who is looking
// (their session, CSRF token and time zone), the layout around a page's
// content, the security headers, form bodies, times on a wall clock, and
// the one way a form changes state: it becomes the API call that does the
// same (router.DispatchInternal), so a form checks exactly what the API
// checks and a standby forwards it to the leader like any API call.
//
// Pages render from Mustache templates embedded in the binary
// (daemon/ui/templates/, see templates.h) over JSON data.
//
// Thread-safety: Context is shared and const after setup (its sign-in guard
// locks for itself); the rest are
// functions of their arguments.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "api/access.h"
#include "api/host.h"
#include "http/router.h"
#include "ui/calendar.h"  // PersonName
#include "ui/form.h"
#include "ui/sign_in_guard.h"

namespace rota::ui {

struct Context {
  const http::Router& router;
  api::Host& host;
  const api::Authorizer& auth;
  std::shared_ptr<SignInGuard> sign_in;  // thread-safe itself
};

struct Visitor {
  std::string nonce;       // the session's; empty when there is none (bearer token, public page)
  std::string csrf;        // the token forms carry
  std::string set_cookie;  // a session issued with this answer
  const date::time_zone* zone =
      nullptr;             // the viewer's: ?tz=, the rota_tz cookie, else global.timezone
  bool secure = false;     // cookies get Secure (TLS, or an https external_url)
  bool signed_in = false;  // auth is on and the visitor has a session
  bool auth = false;       // auth: is configured
};

// Who is looking; issues a session when the request has none.
Visitor Visit(const Context& ctx, const http::Request& req, bool issue_session = true);

// An HTML answer with the console's security headers (and the visitor's new
// cookie, if any).
http::Response Html(int status, std::string body, const Visitor& v);
// A 303 to `location`.
http::Response SeeOther(std::string location, const Visitor& v);
// Sets the console's headers on any answer.
void SecurityHeaders(http::Response& r);

// A page: `tmpl` rendered over `data`, inside the layout. `nav` names the
// active menu entry.
std::string RenderPage(std::string_view tmpl, boost::json::object data, std::string_view title,
                       std::string_view nav, const Visitor& v);
// A page as a file of its own (a report to mail or keep): the stylesheet
// inlined, no menu, no script, no forms. Answer it with DocumentHeaders.
std::string RenderDocument(std::string_view tmpl, boost::json::object data, std::string_view title,
                           const Visitor& v, TimePoint made);
// The headers of such a document: its own CSP (inline style, nothing else).
void DocumentHeaders(http::Response& r);

// A template rendered alone (a part of a page); empty strings count as absent.
std::string RenderFragment(std::string_view tmpl, boost::json::object data);
// An error or notice page with a link back.
http::Response MessagePage(int status, std::string_view title, std::string_view message,
                           std::string_view back, const Visitor& v);

// For a POST from a form: the session and CSRF token must match, and an
// Origin header, when sent, must be this host. The refusal, or nothing.
std::optional<http::Response> CheckForm(const Context& ctx, const http::Request& req,
                                        const std::map<std::string, std::string>& fields,
                                        const Visitor& v);

// The "done" note a form's redirect leaves for the page (?done=...), short.
std::string Flash(const http::Request& req);

// A form's end: runs the API call, then answers 303 to `back` with `done`
// as the page's note, or the API's error on a page of its own with the
// API's status.
void ApiThenBack(const Context& ctx, const Visitor& v, std::string method, std::string target,
                 std::string body, std::string back, std::string_view done, http::Reply reply);

// Registers POST `path` (level ui) as a form: the visitor, their fields,
// and CheckForm's refusal before `fn` runs.
using Fields = std::map<std::string, std::string>;
using FormHandler = std::function<void(http::Request& req, const Fields& fields, const Visitor& v,
                                       http::Reply reply)>;
void HandleForm(http::Router& router, std::string path, std::shared_ptr<const Context> ctx,
                FormHandler fn);

// Runs the API call `method target` with a JSON body on behalf of the form
// (authorized already); `done` gets its answer, on any thread.
void CallApi(const Context& ctx, std::string method, std::string target, std::string body,
             std::function<void(http::Response)> done);
// The "error" member of an API answer, or its body.
std::string ApiError(http::Response& r);

}  // namespace rota::ui
