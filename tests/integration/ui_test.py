"""The web console in a real browser: Debian's chromium, headless, driven by
python3-selenium through chromium-driver, against a real rotad whose on-duty
state at this moment is known by construction:

  ann (Europe/Berlin)    hours around the clock       team "always"
  ben (America/New_York) 09:00-10:00 two days ahead   team "later" (support 24/7)

so team "always" has ann on duty now, team "later" has nobody, an alert for
"later" is held until Ben's hour, and the coverage of "later" has gaps inside
its support hours. Expected instants come from Python's zoneinfo, not from
rota. Every page is also parsed by html5lib (strict) and checked for the
console's security headers. Screenshots of each page go to $ROTA_UI_SHOTS
(looked at, never compared).
"""

import datetime
import html5lib
import http.client
import json
import os
import re
import subprocess
import tempfile
import unittest
import urllib.parse
import zoneinfo

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from harness import ROTACTL, START_TIMEOUT, Rotad, Workdir

ADMIN = "ui-admin-token-0123456789abcdef"
NY = zoneinfo.ZoneInfo("America/New_York")
VIEWER_ZONE = "Asia/Tokyo"  # the browser's zone: pages show times on it
SHOTS = os.environ.get("ROTA_UI_SHOTS") or tempfile.mkdtemp(prefix="rota-ui-shots-")

CONFIG = """\
global: {{ack_key_file: ack.key}}
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
auth: {{admin_token_files: [admin.token]}}
ui: {{public_support_page: true}}
calendar: {{secret_file: calendar.key}}
channels:
  - {{name: console, type: log}}
time_intervals:
  - {{name: always, time_intervals: [{{}}]}}
people:
  - id: ann
    name: Ann Always
    timezone: Europe/Berlin
    hours: [always]
    contacts: [{{channel: console, to: ann@example.com}}]
  - id: ben
    name: Ben Later
    timezone: America/New_York
    hours:
      - weekdays: ['{ben_day}']
        times: [{{start_time: '09:00', end_time: '10:00'}}]
    contacts: [{{channel: console, to: ben@example.com}}]
teams:
  - {{id: always, name: Always on, members: [ann]}}
  - {{id: later, name: Later on, members: [ben], timezone: UTC, support_hours: [always],
     required_coverage: {{level: off}}}}
  - {{id: part, name: Part time, members: [ben], timezone: America/New_York,
     support_hours: [{{weekdays: ['{ben_day}']}}], required_coverage: {{level: off}}}}
routes:
  - {{name: to-always, matchers: ['team="always"'], escalation: always, group_wait: 0s, group_by: ['...']}}
  - {{name: to-later, matchers: ['team="later"'], escalation: later, group_wait: 0s}}
escalations:
  - {{name: always, steps: [{{notify: ['team:always']}}]}}
  - {{name: later, steps: [{{notify: ['team:later']}}]}}
"""


def ben_window(now_utc):
    """Ben's next hour: 09:00-10:00 New York time, two days from today there."""
    day = now_utc.astimezone(NY).date() + datetime.timedelta(days=2)
    start = datetime.datetime(day.year, day.month, day.day, 9, 0, tzinfo=NY)
    return start, start + datetime.timedelta(hours=1)


def rfc3339(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class UiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.now = datetime.datetime.now(datetime.timezone.utc)
        cls.ben_start, cls.ben_end = ben_window(cls.now)
        cls.work = Workdir(rules=None)
        cls.work.write("admin.token", ADMIN + "\n")
        cls.work.write("calendar.key", "c" * 48)
        cls.work.write("ack.key", "a" * 48)
        cls.work.write("rota.yaml", CONFIG.format(state=cls.work.state,
                                                  ben_day=cls.ben_start.strftime("%A").lower()))
        cls.d = Rotad(cls.work.config)
        cls.held = cls.post_event({"alertname": "DiskFull", "team": "later", "instance": "db-1"})
        cls.firing = cls.post_event({"alertname": "HighLatency", "team": "always"})
        options = Options()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,1400", "--lang=en-US"):
            options.add_argument(arg)
        service = Service("/usr/bin/chromedriver", env=dict(os.environ, TZ=VIEWER_ZONE))
        cls.browser = webdriver.Chrome(service=service, options=options)
        cls.browser.set_page_load_timeout(START_TIMEOUT)
        cls.base = "http://127.0.0.1:%d" % cls.d.port

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.d.stop()
        cls.work.cleanup()

    @classmethod
    def post_event(cls, labels):
        status, _, body = cls.d.request("POST", "/api/v1/events", body=json.dumps({"labels": labels}),
                                        headers={"Authorization": "Bearer " + ADMIN})
        assert status == 202, body
        return json.loads(body)["alerts"][0]

    def api(self, method, path, body=None):
        status, _, text = self.d.request(method, path, body=body, headers={"Authorization": "Bearer " + ADMIN})
        self.assertLess(status, 300, text)
        return json.loads(text)

    # --- browser helpers ---

    def open(self, path):
        self.browser.get(self.base + path)

    def wait_for(self, css):
        return WebDriverWait(self.browser, START_TIMEOUT).until(
            lambda b: b.find_elements(By.CSS_SELECTOR, css))[0]

    def wait_text(self, css, text):
        """Waits until the page shows `text` in `css`: a new page, not the one the click left."""
        def shown(b):
            try:
                return any(e.text == text for e in b.find_elements(By.CSS_SELECTOR, css))
            except StaleElementReferenceException:
                return False  # the old page went away while we looked
        WebDriverWait(self.browser, START_TIMEOUT).until(shown)

    def shot(self, name):
        self.browser.save_screenshot(os.path.join(SHOTS, name + ".png"))

    def sign_in(self):
        self.open("/ui/")
        if "/ui/login" in self.browser.current_url:
            self.browser.find_element(By.ID, "token").send_keys(ADMIN)
            self.browser.find_element(By.ID, "sign-in").click()
            self.wait_for("section.team")
        # rota.js stores the browser's zone once and reloads
        WebDriverWait(self.browser, START_TIMEOUT).until(
            lambda b: b.find_element(By.CSS_SELECTOR, "nav .zone").text == VIEWER_ZONE)

    def session_cookie(self):
        self.sign_in()
        return "rota_session=" + self.browser.get_cookie("rota_session")["value"]

    def raw(self, method, path, body=None, headers=None):
        """One request outside the browser; all headers, Set-Cookie included."""
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read().decode("utf-8")
        finally:
            conn.close()

    # --- tests ---

    def test_1_login_refuses_a_wrong_token_then_signs_in_and_out(self):
        self.browser.delete_all_cookies()
        self.open("/ui/alerts")
        self.assertIn("/ui/login", self.browser.current_url)
        self.shot("login")
        self.browser.find_element(By.ID, "token").send_keys("not-the-token")
        self.browser.find_element(By.ID, "sign-in").click()
        self.assertIn("not an admin token", self.wait_for("#error").text)
        self.browser.find_element(By.ID, "token").send_keys(ADMIN)
        self.browser.find_element(By.ID, "sign-in").click()
        # back where the visitor wanted to go
        self.wait_for("#count")
        self.assertTrue(self.browser.current_url.endswith("/ui/alerts"), self.browser.current_url)
        cookie = self.browser.get_cookie("rota_session")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")
        self.browser.find_element(By.ID, "logout").click()
        self.wait_for("#token")
        self.assertIsNone(self.browser.get_cookie("rota_session"))
        self.open("/ui/")
        self.assertIn("/ui/login", self.browser.current_url)

    def test_2_now_page_names_who_is_on_duty_and_when_the_held_alert_is_seen(self):
        self.sign_in()
        always = self.wait_for("#team-always")
        on = [li.get_attribute("data-person") for li in always.find_elements(By.CSS_SELECTOR, ".on-duty li")]
        self.assertEqual(on, ["ann"])
        oncall = self.api("GET", "/api/v1/oncall")
        by_team = {t["team"]: t["on_duty"] for t in oncall["teams"]}
        self.assertEqual(by_team, {"always": ["ann"], "later": [], "part": []})
        later = self.browser.find_element(By.ID, "team-later")
        self.assertIn("Nobody is on duty", later.text)
        nxt = later.find_element(By.CSS_SELECTOR, ".next time")
        self.assertEqual(nxt.get_attribute("datetime"), rfc3339(self.ben_start))
        self.assertIn("Ben Later", later.find_element(By.CSS_SELECTOR, ".next").text)
        held = later.find_element(By.CSS_SELECTOR, ".held li")
        self.assertEqual(held.get_attribute("data-alert"), str(self.held["id"]))
        self.assertIn("seen by Ben Later at %s America/New_York" % self.ben_start.strftime("%a 09:00"), held.text)
        self.assertRegex(held.text, r", in \d+ (h|days)$")  # 33 to 57 hours ahead, by the time of day
        # the Next time is shown on the viewer's clock
        self.assertEqual(nxt.text, self.ben_start.astimezone(zoneinfo.ZoneInfo(VIEWER_ZONE)).strftime("%a %H:%M"))
        self.shot("now")
        # the same page on a phone, and in dark mode (looked at, not compared)
        self.browser.set_window_size(390, 844)
        self.open("/ui/")
        self.wait_for("#team-later")
        self.shot("now-phone")
        self.browser.set_window_size(1280, 1400)
        self.browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                     {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        self.open("/ui/")
        self.wait_for("#team-later")
        self.shot("now-dark")
        self.browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

    def test_3_coverage_svg_has_the_gaps_rotactl_coverage_has(self):
        self.sign_in()
        svg = self.wait_for("#team-later svg.coverage")
        frm, to = svg.get_attribute("data-from"), svg.get_attribute("data-to")
        drawn = {(r.get_attribute("data-start"), r.get_attribute("data-end"))
                 for r in svg.find_elements(By.CSS_SELECTOR, "rect.gap-in")}
        out = subprocess.run([ROTACTL, "coverage", "--config", self.work.config, "--team", "later",
                              "--from", frm, "--to", to, "-o", "json"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        want = {(g["start"], g["end"]) for g in json.loads(out.stdout)["gaps"] if g["in_support_hours"]}
        self.assertTrue(want)
        self.assertEqual(drawn, want)
        windows = {(r.get_attribute("data-start"), r.get_attribute("data-end"))
                   for r in svg.find_elements(By.CSS_SELECTOR, "rect.on")}
        self.assertIn((rfc3339(self.ben_start), rfc3339(self.ben_end)), windows)
        # team "always" is covered throughout: no gap drawn
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "#team-always rect.gap-in"), [])

    def test_4_ack_button_acknowledges(self):
        self.sign_in()
        self.open("/ui/alerts?team=always")
        row = self.wait_for("tr[data-alert='%s']" % self.firing["id"])
        self.assertEqual(len(self.browser.find_elements(By.CSS_SELECTOR, "tr[data-alert]")), 1)
        row.find_element(By.TAG_NAME, "a").click()
        self.wait_for("#ack")
        self.assertEqual(self.browser.find_element(By.ID, "state").text, "firing")
        Select(self.browser.find_element(By.ID, "by")).select_by_value("ann")
        self.browser.find_element(By.ID, "comment").send_keys("looking")
        self.shot("alert")
        self.browser.find_element(By.ID, "ack").click()
        self.wait_text("#flash", "acknowledged")
        self.assertEqual(self.browser.find_element(By.ID, "state").text, "acknowledged")
        alert = self.api("GET", "/api/v1/alerts/%s" % self.firing["id"])
        self.assertEqual(alert["state"], "acknowledged")
        self.assertEqual(alert["acked_by"], "ann")
        self.assertIn("looking", self.browser.find_element(By.ID, "timeline").text)
        self.open("/ui/alerts")
        self.shot("alerts")

    def test_5_cover_for_form_makes_an_override_oncall_reflects(self):
        self.sign_in()
        self.open("/ui/teams/later")
        self.wait_for("#cover-submit")
        Select(self.browser.find_element(By.ID, "cover-person")).select_by_value("ann")
        Select(self.browser.find_element(By.ID, "cover-replaces")).select_by_value("ben")
        day = self.ben_start.strftime("%Y-%m-%d")
        for field, value in (("cover-start", day + "T08:00"), ("cover-end", day + "T12:00")):
            self.browser.execute_script("arguments[0].value = arguments[1]",
                                        self.browser.find_element(By.ID, field), value)
        zone = self.browser.find_element(By.ID, "cover-zone")
        zone.clear()
        zone.send_keys("America/New_York")
        self.browser.find_element(By.ID, "cover-note").send_keys("swap")
        self.browser.find_element(By.ID, "cover-submit").click()
        self.wait_text("#flash", "override added")
        self.shot("team")
        at = urllib.parse.quote(rfc3339(self.ben_start + datetime.timedelta(minutes=30)))
        oncall = self.api("GET", "/api/v1/oncall?team=later&at=" + at)
        details = oncall["teams"][0]["on_duty_details"]
        self.assertEqual([(d["person"], d["covering_for"]) for d in details], [("ann", "ben")])
        overrides = self.api("GET", "/api/v1/overrides")["overrides"]
        mine = [o for o in overrides if o["source"] == "api"]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["start"], rfc3339(self.ben_start - datetime.timedelta(hours=1)))
        # and its removal
        self.browser.find_element(By.CSS_SELECTOR, "tr[data-override='%s'] button" % mine[0]["id"]).click()
        self.wait_text("#flash", "override removed")
        self.assertEqual([o for o in self.api("GET", "/api/v1/overrides")["overrides"] if o["source"] == "api"], [])
        self.open("/ui/people/ben")
        self.wait_for("#duty")
        self.assertIn("Off duty", self.browser.find_element(By.ID, "duty").text)
        self.shot("person")

    def test_6_silences_are_made_checked_and_expired_through_the_form(self):
        self.sign_in()
        self.open("/ui/silences")
        self.browser.find_element(By.ID, "s-matchers").send_keys('alertname=~"("')
        self.browser.find_element(By.ID, "s-by").send_keys("ann")
        self.browser.find_element(By.ID, "s-comment").send_keys("typed with care")
        self.browser.find_element(By.ID, "s-create").click()
        self.assertIn("matchers:", self.wait_for("#form-error").text)  # the API's own message
        # nothing typed is lost: the form comes back as it was sent
        self.assertEqual(self.browser.find_element(By.ID, "s-matchers").get_attribute("value"), 'alertname=~"("')
        self.assertEqual(self.browser.find_element(By.ID, "s-by").get_attribute("value"), "ann")
        self.assertEqual(self.browser.find_element(By.ID, "s-comment").get_attribute("value"), "typed with care")
        self.assertEqual(self.api("GET", "/api/v1/silences")["silences"], [])
        self.open("/ui/silences")
        self.browser.find_element(By.ID, "s-matchers").send_keys('alertname="DiskFull"\ninstance=~"db-.*"')
        self.browser.find_element(By.ID, "s-by").send_keys("ann")
        self.browser.find_element(By.ID, "s-create").click()
        self.wait_text("#flash", "silence created")
        silences = self.api("GET", "/api/v1/silences")["silences"]
        self.assertEqual(len(silences), 1)
        self.assertEqual(silences[0]["matchers"], ['alertname="DiskFull"', 'instance=~"db-.*"'])
        self.assertTrue(silences[0]["active"])
        self.shot("silences")
        self.browser.find_element(By.CSS_SELECTOR, "tr[data-silence='%s'] button" % silences[0]["id"]).click()
        self.wait_text("#flash", "silence expired")
        self.assertFalse(self.api("GET", "/api/v1/silences")["silences"][0]["active"])

    def test_7_forms_without_the_sessions_csrf_token_are_refused(self):
        cookie = self.session_cookie()
        before = len(self.api("GET", "/api/v1/silences")["silences"])
        form = urllib.parse.urlencode({"matchers": 'alertname="X"', "duration": "1h", "created_by": "ann"})
        for extra, why in (("", "no token"), ("&csrf=" + "0" * 64, "a wrong token")):
            with self.subTest(why=why):
                status, _, body = self.raw("POST", "/ui/silences", body=form + extra,
                                           headers={"Cookie": cookie,
                                                    "Content-Type": "application/x-www-form-urlencoded"})
                self.assertEqual(status, 403)
                self.assertIn("Form expired", body)
        # a form made on another site, with this session's own token, is refused by its Origin
        self.open("/ui/silences")
        token = self.browser.find_element(By.NAME, "csrf").get_attribute("value")
        status, _, body = self.raw("POST", "/ui/silences", body=form + "&csrf=" + token,
                                   headers={"Cookie": cookie, "Origin": "https://evil.example",
                                            "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403)
        self.assertIn("another site", body)
        self.assertEqual(len(self.api("GET", "/api/v1/silences")["silences"]), before)
        # in the browser: a page whose token was tampered with
        self.browser.execute_script("document.querySelector('main form input[name=csrf]').value = 'x'")
        self.browser.find_element(By.ID, "s-matchers").send_keys('alertname="X"')
        self.browser.find_element(By.ID, "s-by").send_keys("ann")
        self.browser.find_element(By.ID, "s-create").click()
        self.assertIn("security token does not match", self.wait_for("#message").text)
        self.assertEqual(len(self.api("GET", "/api/v1/silences")["silences"]), before)

    def test_8_support_page_shows_availability_and_no_alert_data(self):
        status, headers, body = self.raw("GET", "/ui/support")  # no session: public by config
        self.assertEqual(status, 200, body)
        for secret in ("DiskFull", "HighLatency", "Ann Always", "Ben Later", "ann@example.com",
                       "/ui/alerts", "held", "db-1"):
            self.assertNotIn(secret, body)
        self.assertNotIn("Set-Cookie", dict(headers))
        self.browser.delete_all_cookies()
        self.open("/ui/support?tz=America/New_York")
        always = self.wait_for("#support-always")
        self.assertIn("Support is available now", always.text)
        later = self.browser.find_element(By.ID, "support-later")
        self.assertIn("Nobody is available right now", later.text)
        self.assertEqual(later.find_element(By.CSS_SELECTOR, ".status time").get_attribute("datetime"),
                         rfc3339(self.ben_start))
        self.assertIn("09:00–10:00", later.text)  # Ben's hour, in the zone asked for
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "nav a[href='/ui/alerts']"), [])
        self.shot("support")

    def test_8b_support_page_names_people_only_when_configured(self):
        work = Workdir(rules=None)
        self.addCleanup(work.cleanup)
        work.write("admin.token", ADMIN + "\n")
        work.write("calendar.key", "c" * 48)
        work.write("ack.key", "a" * 48)
        work.write("rota.yaml", self.work.read().replace(
            "ui: {public_support_page: true}", "ui: {public_support_page: true, support_page_names: true}")
            .replace(self.work.state, work.state))
        d = Rotad(work.config)
        self.addCleanup(d.stop)
        status, _, body = d.request("GET", "/ui/support")
        self.assertEqual(status, 200, body)
        self.assertIn("Support is available now: Ann Always", body)
        self.assertIn("Ben Later", body)  # who is next for "later"
        self.assertNotIn("ann@example.com", body)
        # and not public: a visitor without a session is sent to sign in
        work.write("rota.yaml", work.read().replace("public_support_page: true", "public_support_page: false"))
        status, _, _ = d.request("POST", "/-/reload", headers={"Authorization": "Bearer " + ADMIN})
        self.assertEqual(status, 200)
        status, headers, _ = d.request("GET", "/ui/support")
        self.assertEqual(status, 303)
        self.assertEqual(headers["Location"], "/ui/login?next=/ui/support")

    def test_8c_report_page_shows_the_review_the_api_gives(self):
        self.sign_in()
        self.open("/ui/report?team=later&days=7")
        self.wait_for("#heatmap")
        api = self.api("GET", "/api/v1/report?team=later&from=%s" % urllib.parse.quote(
            self.browser.find_element(By.CSS_SELECTOR, ".lead time").get_attribute("datetime")))
        self.assertEqual(self.browser.find_element(By.ID, "r-alerts").text, str(api["alerts"]))
        self.assertEqual(self.browser.find_element(By.ID, "r-held").text, str(api["held"]["alerts"]))
        self.assertGreaterEqual(api["held"]["alerts"], 1)  # DiskFull waits for Ben
        rows = self.browser.find_elements(By.CSS_SELECTOR, "#heatmap tbody tr")
        self.assertEqual(len(rows), 7)
        self.assertTrue(all(len(r.find_elements(By.TAG_NAME, "td")) == 24 for r in rows))
        # the held alert's hold saves time in the fit table, best first
        self.assertEqual(len(self.browser.find_elements(By.CSS_SELECTOR, "#fit tbody tr")), len(api["fit"]))
        self.assertGreater(len(api["fit"]), 0)
        self.shot("report")

    def test_9_every_page_is_valid_html_with_the_security_headers(self):
        cookie = self.session_cookie()
        pages = ["/ui/", "/ui/alerts", "/ui/alerts?state=all&label=team%3D%22later%22",
                 "/ui/alerts/%s" % self.held["id"], "/ui/teams", "/ui/teams/later", "/ui/people/ann",
                 "/ui/silences", "/ui/support", "/ui/login", "/ui/alerts/999999", "/ui/report?team=later",
                 "/ui/report?team=always&days=7", "/ui/report?team=nobody"]
        for path in pages:
            with self.subTest(path=path):
                headers = {"Cookie": cookie} if path != "/ui/login" else {}
                status, hdrs, body = self.raw("GET", path, headers=headers)
                self.assertIn(status, (200, 404), body)
                if path.endswith("nobody") or path.endswith("999999"):
                    self.assertEqual(status, 404)
                h = {k.lower(): v for k, v in hdrs}
                self.assertEqual(h["content-type"], "text/html; charset=utf-8")
                self.assertIn("script-src 'self'", h["content-security-policy"])
                self.assertNotIn("unsafe-inline", h["content-security-policy"])
                self.assertEqual(h["x-frame-options"], "DENY")
                self.assertEqual(h["referrer-policy"], "no-referrer")
                html5lib.HTMLParser(strict=True).parse(body)  # raises on any parse error
                # nothing inline that the CSP would block, nothing from outside
                self.assertIsNone(re.search(r"<script(?![^>]*\bsrc=)", body))
                self.assertNotIn(" style=", body)
                self.assertIsNone(re.search(r"<[^>]+\son[a-z]+=", body))
                self.assertIsNone(re.search(r"(src=|<link[^>]*href=)\"https?://", body))
        status, _, _ = self.raw("GET", "/")
        self.assertEqual(status, 303)


    # --- what a new user found missing or misleading (each at desktop and phone width) ---

    def prometheus_alert(self, labels, annotations):
        status, _, body = self.d.request("POST", "/api/v2/alerts", body=json.dumps(
            [{"labels": labels, "annotations": annotations}]), headers={"Authorization": "Bearer " + ADMIN})
        self.assertLess(status, 300, body)
        return wait_for_alert(self, labels["alertname"])

    def test_9a_badges_overrides_and_zones_on_the_now_page(self):
        self.api("POST", "/api/v1/silences", json.dumps({"matchers": ['alertname="Quiet"'], "duration": "1h",
                                                         "created_by": "ann", "comment": "test"}))
        quiet = self.post_event({"alertname": "Quiet", "team": "always"})
        added = self.api("POST", "/api/v1/overrides", json.dumps({
            "person": "ben", "team": "always", "start": rfc3339(self.now - datetime.timedelta(minutes=5)),
            "end": rfc3339(self.now + datetime.timedelta(hours=3))}))
        self.addCleanup(lambda: self.api("DELETE", "/api/v1/overrides/" + added["id"]))
        # ben on duty for "part" for an hour: the next change there is to nobody, and Next says so
        brief = self.api("POST", "/api/v1/overrides", json.dumps({
            "person": "ben", "team": "part", "start": rfc3339(self.now - datetime.timedelta(minutes=5)),
            "end": rfc3339(self.now + datetime.timedelta(hours=1))}))
        self.addCleanup(lambda: self.api("DELETE", "/api/v1/overrides/" + brief["id"]))
        self.sign_in()
        self.open("/ui/")
        part = self.wait_for("#team-part")
        self.assertRegex(part.find_element(By.CSS_SELECTOR, ".next").text, r"^Next: nobody at ")
        always = self.wait_for("#team-always")
        ben = always.find_element(By.CSS_SELECTOR, ".on-duty li[data-person='ben']")
        self.assertIn("added by an override", ben.text)
        self.assertIn(VIEWER_ZONE, ben.text)  # "until Sat 02:00 Asia/Tokyo": the zone is said
        badges = {a.get_attribute("href").rsplit("/", 1)[1]: a.find_element(By.XPATH, "..").find_element(
            By.CSS_SELECTOR, ".state") for a in self.browser.find_elements(By.CSS_SELECTOR, ".recent li > a")}
        self.assertEqual(badges[str(self.held["id"])].text, "held")
        self.assertIn("held", badges[str(self.held["id"])].get_attribute("class"))
        self.assertEqual(badges[str(quiet["id"])].text, "silenced")
        self.assertNotIn("firing", badges[str(quiet["id"])].get_attribute("class"))
        later = self.browser.find_element(By.ID, "team-later")
        self.assertIn(VIEWER_ZONE, later.find_element(By.CSS_SELECTOR, ".next").text)

    def test_9b_the_alert_page_links_defaults_warns_and_tells_the_next_step(self):
        a = self.prometheus_alert({"alertname": "Slow", "team": "always"},
                                  {"runbook_url": "https://runbooks.example.com/slow",
                                   "dashboard": "javascript:alert(1)", "summary": "slow"})
        self.sign_in()
        self.open("/ui/alerts/%s" % a["id"])
        self.wait_for("#resolve")
        link = self.browser.find_element(By.CSS_SELECTOR, "dl.kv a[href='https://runbooks.example.com/slow']")
        self.assertEqual(link.text, "https://runbooks.example.com/slow")
        self.assertEqual(self.browser.find_elements(By.CSS_SELECTOR, "a[href^='javascript']"), [])
        # "As" is someone who is on duty and was told, not the first name in the list
        self.assertEqual(Select(self.browser.find_element(By.ID, "by")).first_selected_option.get_attribute("value"),
                         "ann")
        self.assertIn("Prometheus still reports this alert firing", self.browser.find_element(By.ID, "resolve-warning").text)
        self.assertIn("acknowledge", self.browser.find_element(By.ID, "resolve-warning").text)
        self.assertRegex(self.browser.find_element(By.CSS_SELECTOR, ".next-step").text,
                         r"unacknowledged: reminds step 1 again at \w{3} \d\d:\d\d " + VIEWER_ZONE)
        # the API says it too
        resolved = self.api("POST", "/api/v1/alerts/%s/resolve" % a["id"], json.dumps({"by": "ann"}))
        self.assertIn("still reports this alert firing", resolved["warning"])
        # times in the timeline are all on the viewer's clock, none raw
        self.open("/ui/alerts/%s" % self.held["id"])
        timeline = self.wait_for("#timeline").text
        self.assertIsNone(re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", timeline), timeline)
        self.assertIn("held until " + self.ben_start.astimezone(zoneinfo.ZoneInfo(VIEWER_ZONE)).strftime("%a %H:%M"),
                      timeline)

    def test_9c_the_team_page_shows_support_hours_escalation_coverage_and_adds_to_the_team(self):
        self.sign_in()
        self.open("/ui/teams/later")
        self.wait_for("#cover-submit")
        self.assertIn("every day, all day (UTC)", self.browser.find_element(By.ID, "support-hours").text)
        esc = self.browser.find_element(By.ID, "escalations").text
        self.assertIn("to-later", esc)
        self.assertIn("team:later", esc)
        self.assertEqual(len(self.browser.find_elements(By.CSS_SELECTOR, "svg.coverage")), 1)
        who = Select(self.browser.find_element(By.ID, "cover-person")).first_selected_option.get_attribute("value")
        whom = Select(self.browser.find_element(By.ID, "cover-replaces")).first_selected_option.get_attribute("value")
        self.assertNotEqual(who, whom)  # never "ben covers for ben"
        Select(self.browser.find_element(By.ID, "cover-person")).select_by_value("ann")
        Select(self.browser.find_element(By.ID, "cover-replaces")).select_by_value("team:later")
        day = self.ben_start.strftime("%Y-%m-%d")
        for field, value in (("cover-start", day + "T01:00"), ("cover-end", day + "T02:00")):
            self.browser.execute_script("arguments[0].value = arguments[1]",
                                        self.browser.find_element(By.ID, field), value)
        zone = self.browser.find_element(By.ID, "cover-zone")
        zone.clear()
        zone.send_keys("UTC")
        self.browser.find_element(By.ID, "cover-submit").click()
        self.wait_text("#flash", "override added")
        mine = [o for o in self.api("GET", "/api/v1/overrides")["overrides"] if o["source"] == "api"]
        self.assertEqual([(o["person"], o["replaces"], o["team"]) for o in mine], [("ann", None, "later")])
        # at phone width its Remove button stays on the screen
        self.browser.set_window_size(390, 844)
        try:
            self.open("/ui/teams/later")
            button = self.wait_for("tr[data-override='%s'] button" % mine[0]["id"])
            right = self.browser.execute_script("return arguments[0].getBoundingClientRect().right", button)
            self.assertLessEqual(right, self.browser.execute_script("return window.innerWidth"))
            self.shot("team-phone")
        finally:
            self.browser.set_window_size(1280, 1400)
        self.api("DELETE", "/api/v1/overrides/" + mine[0]["id"])

    def test_9d_the_heat_map_paints_outside_support_hours_grey_as_the_now_page_does(self):
        self.sign_in()
        self.open("/ui/report?team=part&days=28")
        self.wait_for("#heatmap")
        ben_day = self.ben_start.strftime("%a")
        by_day = {}
        for row in self.browser.find_elements(By.CSS_SELECTOR, "#heatmap tbody tr"):
            day = row.find_element(By.TAG_NAME, "th").text
            by_day[day] = [td.get_attribute("class") for td in row.find_elements(By.TAG_NAME, "td")]
        self.assertEqual(len(by_day), 7)
        for day, cells in by_day.items():
            if day == ben_day:
                continue
            self.assertNotIn("cov-none", cells, day)  # outside support hours: grey, not red
            self.assertIn("cov-out", cells, day)
        self.assertIn("cov-none", by_day[ben_day])  # a gap inside support hours is red

    def test_9e_phone_width_keeps_the_alerts_and_the_current_hour_on_screen(self):
        self.sign_in()
        self.browser.set_window_size(390, 844)
        try:
            self.open("/ui/alerts?state=all")
            self.wait_for("table.alerts")
            width = self.browser.execute_script("return window.innerWidth")
            self.assertLessEqual(self.browser.execute_script("return document.documentElement.scrollWidth"), width)
            for cell in self.browser.find_elements(By.CSS_SELECTOR, "table.alerts td"):
                self.assertLessEqual(self.browser.execute_script(
                    "return arguments[0].getBoundingClientRect().right", cell), width + 1)
            self.shot("alerts-phone")
            self.open("/ui/")
            now = self.wait_for("#team-later svg.coverage .now")
            box = self.browser.execute_script("var r = arguments[0].getBoundingClientRect(); return [r.left, r.right]",
                                              now)
            self.assertGreaterEqual(box[0], 0)
            self.assertLessEqual(box[1], width)
        finally:
            self.browser.set_window_size(1280, 1400)

    def test_9f_the_ack_link_page_looks_like_rota_and_says_what_the_alert_is(self):
        import hashlib
        import hmac
        a = self.post_event({"alertname": "LinkMe", "team": "always"})
        expires = int(self.now.timestamp()) + 3600
        sig = hmac.new(b"a" * 48, ("%s.%d.ann" % (a["id"], expires)).encode(), hashlib.sha256).hexdigest()
        self.browser.get(self.base + "/ack/%s/%d/ann/%s" % (a["id"], expires, sig))
        self.wait_for("#ack")
        self.assertIn("LinkMe", self.browser.find_element(By.TAG_NAME, "main").text)
        sheets = self.browser.find_elements(By.CSS_SELECTOR, "link[rel=stylesheet]")
        self.assertEqual([l.get_attribute("href") for l in sheets], [self.base + "/ui/assets/rota.css"])
        self.assertEqual(self.browser.execute_script(
            "return getComputedStyle(document.querySelector('section.card')).borderTopStyle"), "solid")
        self.browser.find_element(By.ID, "ack").click()
        # the answer is a new page: read its heading by script (no element of the old page is held)
        WebDriverWait(self.browser, START_TIMEOUT).until(lambda b: "acknowledged" in b.execute_script(
            "var h = document.querySelector('h1'); return h ? h.textContent : ''"))
        self.shot("ack-link")


def wait_for_alert(test, name):
    def found():
        status, _, body = test.d.request("GET", "/api/v1/alerts", headers={"Authorization": "Bearer " + ADMIN})
        hits = [a for a in json.loads(body)["alerts"] if a["labels"].get("alertname") == name]
        return hits[0] if hits else None
    from harness import wait_until
    return wait_until(found, "alert " + name)


if __name__ == "__main__":
    unittest.main()
