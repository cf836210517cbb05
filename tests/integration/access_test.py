"""Every route has one access level (docs/security.md "Who can reach what"), and one authorizer
decides: with auth: configured, a request without a token gets 401 on every
route but the open ones. The route table is read from rotad itself (one
debug log line per route), so a route added later is covered too. Ids in
paths parse strictly."""

import json
import re
import unittest

import urllib.parse

from harness import console_form, Rotad, Workdir, sample

# docs/security.md "Who can reach what": these, and only these, are open.
OPEN = {
    ("GET", "/-/healthy"), ("GET", "/-/ready"), ("GET", "/metrics"),
    ("GET", "/ack/{alert}/{expires}/{person}/{sig}"), ("POST", "/ack/{alert}/{expires}/{person}/{sig}"),
    # the web console's way in and its static files; calendar feeds carry their own token
    ("GET", "/"), ("GET", "/ui/login"), ("POST", "/ui/login"), ("GET", "/ui/assets/{file}"),
    ("GET", "/calendar/person/{file}"), ("GET", "/calendar/team/{file}"),
    # chat buttons: verified by Slack's signature or Mattermost's actions token
    ("POST", "/slack/interactions"), ("POST", "/mattermost/actions"),
}
# The web console's pages: a session (or an admin token); a browser without
# one is sent to the login form. The support page is "support": the same
# unless ui.public_support_page is true.
SUPPORT = {("GET", "/ui/support")}
INGEST = {("POST", "/api/v1/alertmanager"), ("POST", "/api/v2/alerts"), ("POST", "/v2/enqueue"),
          ("POST", "/api/v1/events")}
# The contract's routes that must exist (more may).
REQUIRED = OPEN | INGEST | {
    ("GET", "/api/v1/alerts"), ("GET", "/api/v1/alerts/{id}"), ("POST", "/api/v1/alerts/{id}/ack"),
    ("POST", "/api/v1/alerts/{id}/resolve"), ("GET", "/api/v1/oncall"), ("GET", "/api/v1/coverage"),
    ("GET", "/api/v1/silences"), ("POST", "/api/v1/silences"), ("DELETE", "/api/v1/silences/{id}"),
    ("GET", "/api/v1/overrides"), ("POST", "/api/v1/overrides"), ("DELETE", "/api/v1/overrides/{id}"),
    ("POST", "/-/reload"),
    ("GET", "/api/v1/reroutes"), ("POST", "/api/v1/reroutes"), ("DELETE", "/api/v1/reroutes/{id}"),
}


def concrete(pattern):
    return re.sub(r"\{[^}]+\}", "1", pattern)


class AccessTest(unittest.TestCase):
    def setUp(self):
        self.w = Workdir()
        self.addCleanup(self.w.cleanup)
        self.w.write("ingest.token", "ingest-secret\n")
        self.w.write("admin.token", "admin-secret\n")
        self.w.write("rota.yaml", self.w.read() +
                     "auth: {ingest_token_files: [ingest.token], admin_token_files: [admin.token]}\n")
        self.d = Rotad(self.w.config, args=["--log-level", "debug"])
        self.addCleanup(self.d.stop)

    def routes(self):
        found = {}
        for m in re.finditer(r"msg=route method=(\S+) path=(\S+) access=(\S+)", self.d.log()):
            found[(m.group(1), m.group(2))] = m.group(3)
        return found

    def test_every_route_without_a_token_is_401_but_the_open_ones(self):
        routes = self.routes()
        self.assertTrue(REQUIRED <= set(routes), sorted(REQUIRED - set(routes)))
        for (method, pattern), access in sorted(routes.items()):
            with self.subTest(method=method, path=pattern):
                key = (method, pattern)
                expected = ("open" if key in OPEN else "ingest" if key in INGEST else "support" if key in SUPPORT
                            else "ui" if pattern.startswith("/ui/") else "admin")
                self.assertEqual(access, expected)
                if access in ("ui", "support"):
                    status, headers, body = self.d.request(method, concrete(pattern), body="{}")
                    self.assertEqual(status, 303, body)
                    self.assertTrue(headers["Location"].startswith("/ui/login?next="), headers["Location"])
                    status, _, body = self.d.request(method, concrete(pattern), body="{}",
                                                     headers={"Cookie": "rota_session=v1.00.9999999999.00"})
                    self.assertEqual(status, 303, body)
                    continue
                status, headers, body = self.d.request(method, concrete(pattern), body="{}")
                if access == "open":
                    # The handler answers (a bad ack link's own 403 page), never the authorizer.
                    self.assertNotEqual(status, 401, body)
                    self.assertNotIn("bearer token", body)
                    self.assertNotIn("WWW-Authenticate", headers)
                else:
                    self.assertEqual(status, 401, body)
                    self.assertEqual(headers["WWW-Authenticate"], "Bearer")
        self.assertIn("no alert", self.d.request("GET", "/api/v1/alerts/1",
                                                 headers={"Authorization": "Bearer admin-secret"})[2])

    def test_levels_and_the_scheme_in_any_case(self):
        ingest = {"Authorization": "Bearer ingest-secret"}
        for (method, pattern) in sorted(REQUIRED - OPEN - INGEST):
            with self.subTest(method=method, path=pattern):
                self.assertEqual(self.d.request(method, concrete(pattern), body="{}", headers=ingest)[0], 403)
        event = json.dumps({"labels": {"alertname": "A", "service": "payments"}})
        for scheme in ("bearer", "BEARER", "Bearer"):
            status, _, body = self.d.request("POST", "/api/v1/events", body=event,
                                             headers={"Authorization": scheme + " ingest-secret"})
            self.assertEqual(status, 202, body)
        status, _, body = self.d.request("POST", "/-/reload", headers={"Authorization": "bearer admin-secret"})
        self.assertEqual(status, 200, body)

    def test_ids_parse_strictly(self):
        admin = {"Authorization": "Bearer admin-secret"}
        status, _, body = self.d.request("POST", "/api/v1/events", headers=admin,
                                         body=json.dumps({"labels": {"alertname": "A", "service": "payments"}}))
        self.assertEqual(status, 202, body)
        aid = json.loads(body)["alerts"][0]["id"]
        for bad in (aid + "junk", "-1", "0" + aid, aid + " ", "+" + aid, "99999999999999999999"):
            with self.subTest(id=bad):
                path = "/api/v1/alerts/%s/ack" % bad.replace(" ", "%20")
                status, _, body = self.d.request("POST", path, headers=admin, body=json.dumps({"by": "alice"}))
                self.assertEqual(status, 404, body)
                self.assertNotIn("18446744073709551615", body)
                self.assertEqual(self.d.request("GET", "/api/v1/alerts/" + bad.replace(" ", "%20"), headers=admin)[0], 404)
        alert = json.loads(self.d.request("GET", "/api/v1/alerts/" + aid, headers=admin)[2])
        self.assertNotEqual(alert["state"], "acknowledged")
        self.assertEqual(self.d.request("POST", "/api/v1/alerts/%s/ack" % aid, headers=admin,
                                        body=json.dumps({"by": "alice"}))[0], 200)
        for bad in ("/ack/%sjunk/99999999999/alice/00" % aid, "/ack/%s/12x/alice/00" % aid):
            self.assertEqual(self.d.request("GET", bad)[0], 400)


def post_sign_in(d, token):
    """POSTs the sign-in form with `token`: (status, headers, body)."""
    login, csrf = console_form(d, "/ui/login")
    conn = d.connection()
    conn.request("POST", "/ui/login", body=urllib.parse.urlencode(
        {"csrf": csrf, "token": token, "next": "/ui/"}), headers={
        "Cookie": login, "Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    return resp.status, resp.getheaders(), body


class SessionTokenTest(unittest.TestCase):
    """A console session lives exactly as long as the admin token that opened it."""

    def test_removing_the_token_that_signed_in_ends_its_sessions_and_only_those(self):
        w = Workdir()
        self.addCleanup(w.cleanup)
        w.write("a.token", "first-admin-token\n")
        w.write("b.token", "second-admin-token\n")
        base = w.read()
        w.write("rota.yaml", base + "auth: {admin_token_files: [a.token, b.token]}\n")
        d = Rotad(w.config)
        self.addCleanup(d.stop)

        def sign_in(token):
            status, headers, _ = post_sign_in(d, token)
            self.assertEqual(status, 303)
            sessions = [v.split(";")[0] for k, v in headers
                        if k.lower() == "set-cookie" and v.startswith("rota_session=")]
            return sessions[0] if sessions else None

        by_first, by_second = sign_in("first-admin-token"), sign_in("second-admin-token")
        self.assertIsNotNone(by_first)
        self.assertIsNotNone(by_second)
        for cookie in (by_first, by_second):
            self.assertEqual(d.request("GET", "/ui/alerts", headers={"Cookie": cookie})[0], 200)
        # The second token is removed and the config reloaded.
        w.write("rota.yaml", base + "auth: {admin_token_files: [a.token]}\n")
        code, _, body = d.request("POST", "/-/reload", headers={"Authorization": "Bearer first-admin-token"})
        self.assertEqual(code, 200, body)
        code, headers, _ = d.request("GET", "/ui/alerts", headers={"Cookie": by_second})
        self.assertEqual(code, 303)  # sent to sign in again
        self.assertTrue(headers["Location"].startswith("/ui/login"), headers["Location"])
        self.assertEqual(d.request("GET", "/ui/alerts", headers={"Cookie": by_first})[0], 200)


class SignInFloodTest(unittest.TestCase):
    """Refused sign-ins from one address are slowed, and the journal gets one
    line for a flood of them, not one per try."""

    def test_a_flood_of_wrong_tokens_is_slowed_and_logged_once(self):
        w = Workdir()
        self.addCleanup(w.cleanup)
        w.write("a.token", "the-admin-token\n")
        w.write("rota.yaml", w.read() + "auth: {admin_token_files: [a.token]}\n")
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        answers = [post_sign_in(d, "guess-%d" % i) for i in range(40)]
        statuses = [a[0] for a in answers]
        self.assertEqual(statuses[:5], [403] * 5)  # four free tries, the fifth refused and locking
        self.assertEqual(set(statuses[5:]), {429}, statuses)
        retry_after = int(dict((k.lower(), v) for k, v in answers[5][1])["retry-after"])
        self.assertTrue(0 < retry_after <= 10, retry_after)
        self.assertIn("Too many refused sign-ins", answers[5][2])
        # Locked means not even checked: the right token waits too.
        self.assertEqual(post_sign_in(d, "the-admin-token")[0], 429)
        refused = [line for line in d.log().splitlines() if "console sign-in refused" in line]
        self.assertEqual(len(refused), 1, refused)
        self.assertIn("level=warn", refused[0])
        # The requests themselves are counted by the HTTP metrics.
        self.assertEqual(sample(d.metrics(), 'rota_http_requests_total{code="429",handler="/ui/login"}'), 36.0)
