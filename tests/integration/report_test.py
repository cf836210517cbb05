"""rotactl report against a running rotad: the JSON has
docs/reviews.md's keys and counts what happened, the CSV has one row per alert of
the team and period, the HTML is a document that stands alone, and bad
arguments are refused with the reason. The figures themselves are checked
against an independent computation in tests/unit/review/report_test.cpp."""

import csv
import html5lib
import io
import json
import subprocess
import unittest

from harness import ROTACTL, Rotad, Workdir, wait_until

CONFIG = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
channels: [{{name: console, type: log}}]
people:
  - {{id: ann, timezone: Europe/Berlin, hours: [{{}}], contacts: [{{channel: console, to: ann}}]}}
  - {{id: ben, timezone: America/New_York, hours: [{{weekdays: ['saturday'], times: [{{start_time: '03:00', end_time: '03:30'}}]}}],
     contacts: [{{channel: console, to: ben}}]}}
teams:
  - {{id: always, members: [ann], support_hours: [{{}}]}}
  - {{id: rarely, members: [ben], required_coverage: {{level: off}}}}
routes:
  - {{name: to-always, matchers: ['team="always"'], group_by: ['...'], group_wait: 0s, escalation: always}}
  - {{name: to-rarely, matchers: ['team="rarely"'], group_by: ['...'], group_wait: 0s, escalation: rarely}}
escalations:
  - {{name: always, steps: [{{notify: ['team:always']}}]}}
  - {{name: rarely, steps: [{{notify: ['team:rarely']}}]}}
"""

KEYS = {"team", "from", "to", "alerts", "time_to_seen", "time_to_ack", "in_hours", "held",
        "escalated_beyond_first_step", "failed_notifications", "refused_off_duty", "coverage",
        "by_hour_of_week", "fit", "idle_covered_hours", "drills"}


class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = Workdir(rules=None)
        cls.work.write("rota.yaml", CONFIG.format(state=cls.work.state))
        cls.d = Rotad(cls.work.config)
        cls.ids = {}
        for name, team in (("A1", "always"), ("A2", "always"), ("RotaDrill", "always"), ("R1", "rarely")):
            status, _, body = cls.d.request("POST", "/api/v1/events",
                                            body=json.dumps({"labels": {"alertname": name, "team": team}}))
            assert status == 202, body
            cls.ids[name] = json.loads(body)["alerts"][0]["id"]
        status, _, body = cls.d.request("POST", "/api/v1/alerts/%s/ack" % cls.ids["A1"], body='{"by": "ann"}')
        assert status == 200, body

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.work.cleanup()

    def report(self, *args):
        out = subprocess.run([ROTACTL, "report", "--url", "http://127.0.0.1:%d" % self.d.port, *args],
                             capture_output=True, text=True)
        return out.returncode, out.stdout, out.stderr

    def test_json_counts_what_happened(self):
        rc, out, err = self.report("--team", "always", "-o", "json")
        self.assertEqual(rc, 0, err)
        r = json.loads(out)
        self.assertEqual(set(r), KEYS)
        self.assertEqual(r["alerts"], 3)
        self.assertEqual(r["in_hours"]["alerts"], 3)
        self.assertEqual(r["time_to_seen"]["count"], 3)
        self.assertEqual(r["time_to_seen"]["max_s"], 0)  # ann is on around the clock
        self.assertEqual(r["time_to_ack"]["count"], 1)
        self.assertEqual(r["held"]["alerts"], 0)
        self.assertEqual([d["alert"] for d in r["drills"]], [self.ids["RotaDrill"]])
        self.assertEqual(r["coverage"]["ratio"], 1.0)
        self.assertEqual(r["coverage"]["gaps"], [])
        self.assertEqual(len(r["by_hour_of_week"]), 168)
        self.assertEqual(sum(c["alerts"] for c in r["by_hour_of_week"]), 3)

        rc, out, err = self.report("--team", "rarely", "-o", "json")
        self.assertEqual(rc, 0, err)
        r = json.loads(out)
        self.assertEqual((r["alerts"], r["held"]["alerts"], r["in_hours"]["alerts"]), (1, 1, 0))
        self.assertGreater(r["held"]["total_s"], -1)
        self.assertIsNone(r["coverage"]["ratio"])  # no support hours declared

    def test_csv_is_one_row_per_alert(self):
        rc, out, err = self.report("--team", "always", "-o", "csv")
        self.assertEqual(rc, 0, err)
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual([r["id"] for r in rows], sorted((self.ids["A1"], self.ids["A2"], self.ids["RotaDrill"]), key=int))
        self.assertEqual(list(rows[0]), ["id", "team", "route", "received_at", "first_notified_at", "acked_at",
                                         "resolved_at", "held_s", "in_hours"])
        acked = [r for r in rows if r["id"] == self.ids["A1"]][0]
        self.assertTrue(acked["acked_at"].endswith("Z"))
        self.assertEqual((acked["route"], acked["in_hours"], acked["held_s"]), ("to-always", "true", "0"))

    def test_html_is_a_document_of_its_own(self):
        rc, out, err = self.report("--team", "always", "-o", "html")
        self.assertEqual(rc, 0, err)
        html5lib.HTMLParser(strict=True).parse(out)
        self.assertIn("<title>Review of always · rota</title>", out)
        self.assertIn("<style>", out)  # inlined: it is read away from rotad
        self.assertNotIn("<script", out)
        self.assertNotIn("<form", out)
        self.assertNotIn('href="/ui/assets', out)
        self.assertRegex(out, r'<dd id="r-alerts">3</dd>')

    def test_text_and_refusals(self):
        rc, out, err = self.report("--team", "always")
        self.assertEqual(rc, 0, err)
        self.assertIn("team always", out)
        self.assertIn("time to seen", out)
        rc, _, err = self.report("--team", "nobody")
        self.assertEqual(rc, 1)
        self.assertIn('unknown team "nobody"', err)
        rc, _, err = self.report("--team", "always", "--from", "yesterday")
        self.assertEqual(rc, 2)  # rotactl refuses it itself; it takes RFC 3339, now, now-1d, -1d
        self.assertIn("--from:", err)
        rc, _, err = self.report("--team", "always", "--from", "2026-01-01T00:00:00Z", "--to", "2027-06-01T00:00:00Z")
        self.assertEqual(rc, 1)
        self.assertIn("at most 366 days", err)
        rc, _, err = self.report("--team", "always", "-o", "xml")
        self.assertEqual(rc, 2)


class HistoryTest(unittest.TestCase):
    """A report still counts an alert after storage.retention forgot it, and
    after a restart: its facts were kept as history."""

    def test_forgotten_alerts_stay_in_the_report(self):
        work = Workdir(rules=None)
        self.addCleanup(work.cleanup)
        work.write("rota.yaml", CONFIG.format(state=work.state).replace(
            "storage: {dir: '%s'}" % work.state, "storage: {dir: '%s', retention: 1s}" % work.state))
        d = Rotad(work.config)
        self.addCleanup(d.stop)
        status, _, body = d.request("POST", "/api/v1/events",
                                    body=json.dumps({"labels": {"alertname": "Old", "team": "always"}}))
        self.assertEqual(status, 202, body)
        aid = json.loads(body)["alerts"][0]["id"]
        status, _, body = d.request("POST", "/api/v1/alerts/%s/resolve" % aid, body='{"by": "ann"}')
        self.assertEqual(status, 200, body)
        # Retention runs every few seconds: wait until rotad forgot it.
        wait_until(lambda: d.request("GET", "/api/v1/alerts/%s" % aid)[0] == 404, "the alert is forgotten")

        def report(daemon):
            out = subprocess.run([ROTACTL, "report", "--url", "http://127.0.0.1:%d" % daemon.port,
                                  "--team", "always", "-o", "csv"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            return list(csv.DictReader(io.StringIO(out.stdout)))

        rows = report(d)
        self.assertEqual([r["id"] for r in rows], [aid])
        self.assertTrue(rows[0]["resolved_at"].endswith("Z"))
        d.stop()
        d2 = Rotad(work.config)
        self.addCleanup(d2.stop)
        self.assertEqual([r["id"] for r in report(d2)], [aid])


if __name__ == "__main__":
    unittest.main()
