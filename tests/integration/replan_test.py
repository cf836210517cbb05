"""Plans that follow the roster, through the real rotad: a run-time override
releases held alerts and moves their ETA, a reload does too, removing an
override re-plans a handover; after an outage a receiver gets an alert before
its resolved notice; rotactl drill waits for the delivery's outcome.

anna works only on the day after tomorrow (UTC), so she is never on duty
while a test runs; nate has no hours of his own; a 503 from the sink is an
outage."""

import datetime
import json
import subprocess
import unittest

from harness import ROTACTL, Rotad, Sink, Workdir, wait_until

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def config(state, url, extra_member=""):
    today = datetime.datetime.now(datetime.timezone.utc).date()
    anna_day = DAYS[(today + datetime.timedelta(days=2)).weekday()]
    return """\
server: {listen: '127.0.0.1:0'}
storage: {dir: '%s'}
channels: [{name: hook, type: webhook, url: '%s'}]
time_intervals: [{name: always, time_intervals: [{}]}]
people:
  - {id: anna, timezone: UTC, hours: [{weekdays: ['%s']}], contacts: [{channel: hook, to: anna}]}
  - {id: nate, timezone: UTC, contacts: [{channel: hook, to: nate}]}
  - {id: olga, timezone: UTC, hours: [always], contacts: [{channel: hook, to: olga}]}
teams: [{id: payments, members: [anna%s]}]
routes:
  - {name: pages, matchers: ['service="payments"'], group_wait: 0s, group_by: ['...'], escalation: payments}
escalations:
  - name: payments
    steps: [{notify: ['team:payments'], escalate_after: 10h}]
""" % (state, url, anna_day, extra_member)


class ReplanTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink()
        self.addCleanup(self.sink.close)
        self.work = Workdir(rules=None)
        self.addCleanup(self.work.cleanup)
        self.work.write("rota.yaml", config(self.work.state, self.sink.url))
        self.d = Rotad(self.work.config)
        self.addCleanup(self.d.stop)
        self.url = "http://127.0.0.1:%d" % self.d.port
        self.now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)

    def ctl(self, *args):
        return subprocess.run([ROTACTL, *args, "--url", self.url], capture_output=True, text=True, timeout=120)

    def fire(self, name):
        status, _, body = self.d.request("POST", "/api/v1/events",
                                         body=json.dumps({"labels": {"alertname": name, "service": "payments"}}))
        self.assertEqual(status, 202, body)
        return json.loads(body)["alerts"][0]

    def alert(self, aid):
        status, _, body = self.d.request("GET", "/api/v1/alerts/%s" % aid)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def kinds(self, aid):
        return [e["kind"] for e in self.alert(aid)["timeline"]]

    def to(self, who, kind=None):
        return self.sink.messages(lambda m: m["json"] and m["json"]["recipient"] == who and
                                  (kind is None or m["json"]["kind"] == kind))

    def test_an_override_releases_held_alerts_at_once(self):
        held = [self.fire("Held%d" % i) for i in range(2)]
        for a in held:
            self.assertEqual(a["status"], "held")
            self.assertEqual(a["next_on_duty"], ["anna"])
        r = self.ctl("override", "add", "--person", "nate", "--team", "payments",
                     "--start", rfc3339(self.now - datetime.timedelta(minutes=1)),
                     "--end", rfc3339(self.now + datetime.timedelta(hours=2)))
        self.assertEqual(r.returncode, 0, r.stderr)
        oid = r.stdout.strip()
        # Both held alerts reach nate, in one digest, without waiting for anna.
        digest = self.sink.wait_for(lambda m: m["json"]["recipient"] == "nate", "nate's digest")[0]["json"]
        self.assertEqual(digest["kind"], "digest")
        self.assertEqual(sorted(a["id"] for a in digest["alerts"]), sorted(a["id"] for a in held))
        for a in held:
            doc = self.alert(a["id"])
            self.assertEqual(doc["status"], "notified")
            self.assertIn("nate", doc["notified"])
            replanned = [e for e in doc["timeline"] if e["kind"] == "replanned"]
            self.assertEqual(len(replanned), 1)
            self.assertIn("override %s added" % oid, replanned[0]["reason"])
        self.assertFalse(self.to("anna"))  # hours are law: anna was never told

    def test_a_cover_moves_the_eta_and_its_removal_moves_it_back(self):
        a = self.fire("Later")
        self.assertEqual(a["next_on_duty"], ["anna"])
        anna_start = a["held_until"]
        start = datetime.datetime.strptime(anna_start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        r = self.ctl("override", "add", "--person", "nate", "--replaces", "anna",
                     "--start", rfc3339(start - datetime.timedelta(hours=1)),
                     "--end", rfc3339(start + datetime.timedelta(hours=3)))
        self.assertEqual(r.returncode, 0, r.stderr)
        oid = r.stdout.strip()
        doc = self.alert(a["id"])
        self.assertEqual((doc["held_until"], doc["next_on_duty"]), (anna_start, ["nate"]))
        self.assertIn("replanned", self.kinds(a["id"]))
        # The console says the same as the API.
        status, _, page = self.d.request("GET", "/ui/alerts/%s" % a["id"])
        self.assertEqual(status, 200)
        self.assertIn("nate", (page.decode() if isinstance(page, bytes) else page).lower())
        r = self.ctl("override", "rm", oid)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = self.alert(a["id"])
        self.assertEqual((doc["held_until"], doc["next_on_duty"]), (anna_start, ["anna"]))
        self.assertEqual(self.kinds(a["id"]).count("replanned"), 2)
        self.assertFalse(self.sink.messages())

    def test_a_reload_that_puts_someone_on_duty_releases_the_hold(self):
        a = self.fire("Reloaded")
        self.assertEqual(a["status"], "held")
        self.work.write("rota.yaml", config(self.work.state, self.sink.url, extra_member=", olga"))
        status, _, body = self.d.request("POST", "/-/reload")
        self.assertEqual(status, 200, body)
        msg = self.sink.wait_for(lambda m: m["json"]["recipient"] == "olga", "olga's digest")[0]["json"]
        self.assertEqual([x["id"] for x in msg["alerts"]], [a["id"]])
        doc = self.alert(a["id"])
        self.assertEqual(doc["status"], "notified")
        self.assertIn("config reloaded", [e.get("reason") for e in doc["timeline"] if e["kind"] == "replanned"])

    def test_removing_an_override_hands_an_acked_alert_over_at_once(self):
        r = self.ctl("override", "add", "--person", "nate", "--team", "payments",
                     "--start", rfc3339(self.now - datetime.timedelta(minutes=1)),
                     "--end", rfc3339(self.now + datetime.timedelta(hours=5)))
        self.assertEqual(r.returncode, 0, r.stderr)
        oid = r.stdout.strip()
        a = self.fire("Acked")
        self.assertEqual(a["notified"], ["nate"])
        r = self.ctl("ack", a["id"], "--by", "nate")
        self.assertEqual(r.returncode, 0, r.stderr)
        planned = [e for e in self.alert(a["id"])["timeline"] if e["kind"] == "handover_planned"]
        self.assertEqual(len(planned), 1)
        r = self.ctl("override", "rm", oid)
        self.assertEqual(r.returncode, 0, r.stderr)
        # nate is off duty now: the alert is his no more; anna holds it next.
        doc = self.alert(a["id"])
        self.assertEqual(doc["state"], "firing")
        self.assertEqual(doc["status"], "held")
        self.assertEqual(doc["next_on_duty"], ["anna"])
        kinds = self.kinds(a["id"])
        self.assertLess(kinds.index("replanned"), kinds.index("handed_over"))
        r = self.ctl("explain", a["id"])
        self.assertIn("handed over", r.stdout.lower())

    def test_after_an_outage_the_alert_arrives_before_its_resolved_notice(self):
        r = self.ctl("override", "add", "--person", "nate", "--team", "payments",
                     "--start", rfc3339(self.now - datetime.timedelta(minutes=1)),
                     "--end", rfc3339(self.now + datetime.timedelta(hours=5)))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.sink.status = 503
        a = self.fire("Outage")
        self.assertEqual(a["status"], "notified")
        wait_until(lambda: self.sink.messages(), "the first (refused) attempt")
        status, _, body = self.d.request("POST", "/api/v1/alerts/%s/resolve" % a["id"], body='{"by": "nate"}')
        self.assertEqual(status, 200, body)
        self.sink.status = 200
        self.sink.wait_for(lambda m: m["json"]["kind"] == "resolved" and m["status"] == 200, "the resolved notice")
        attempts = [(m["json"]["kind"], m["status"]) for m in self.sink.messages()]
        # The resolved notice was not even tried before the alert was accepted.
        self.assertIn(("alert", 200), attempts)
        first_resolved = next(i for i, (kind, _) in enumerate(attempts) if kind == "resolved")
        self.assertLess(attempts.index(("alert", 200)), first_resolved, attempts)
        wait_until(lambda: [d["state"] for d in self.alert(a["id"])["deliveries"]] == ["delivered"],
                   "the delivery's outcome")

    def test_a_drill_waits_for_the_outcome_and_fails_while_the_receiver_is_down(self):
        r = self.ctl("override", "add", "--person", "nate", "--team", "payments",
                     "--start", rfc3339(self.now - datetime.timedelta(minutes=1)),
                     "--end", rfc3339(self.now + datetime.timedelta(hours=5)))
        self.assertEqual(r.returncode, 0, r.stderr)
        # --dry-run pages nobody.
        r = self.ctl("drill", "--label", "service=payments", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("dry run: nobody is paged", r.stdout)
        self.assertIn("would page nate at ", r.stdout)
        self.assertFalse(self.sink.messages())
        status, _, body = self.d.request("GET", "/api/v1/alerts?state=all")
        self.assertEqual(json.loads(body)["alerts"], [])
        # Receiver down: the drill says so and fails.
        self.sink.status = 503
        r = self.ctl("drill", "--label", "service=payments", "--timeout", "4s")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("pages real people", r.stderr)
        self.assertIn("nate via hook: retrying (no outcome within 4s) [HTTP 503]", r.stdout)
        self.assertIn("drill FAILED", r.stdout)
        # Receiver up: delivered, exit 0.
        self.sink.status = 200
        r = self.ctl("drill", "--label", "service=payments")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"nate via hook: delivered \[HTTP 20\d\] at \d{4}-")
        self.assertIn("drill passed: every notification was delivered", r.stdout)
        # Nobody on duty: held, nobody paged, exit 1.
        status, _, body = self.d.request("GET", "/api/v1/overrides")
        for o in json.loads(body)["overrides"]:
            self.assertEqual(self.ctl("override", "rm", o["id"]).returncode, 0)
        r = self.ctl("drill", "--label", "service=payments")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("nobody on duty: held until ", r.stdout)


if __name__ == "__main__":
    unittest.main()
