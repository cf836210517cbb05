"""GET /api/v1/oncall and /api/v1/coverage on a running rotad, and the
per-team schedule metrics. Same JSON shapes as rotactl."""

import json
import os
import re
import shutil
import subprocess
import unittest
import urllib.parse

from harness import ROTACTL, Rotad, Workdir, promtool_findings

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "schedule.yaml")


class ScheduleApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = Workdir(rules=None)
        with open(FIXTURE) as f:
            fixture = f.read()
        cls.work.write("rota.yaml", fixture.replace(
            "teams:\n",
            "teams:\n  - {id: idle, members: [erin]}\n").replace(
            "people:\n", "people:\n  - {id: erin, contacts: [{channel: console, to: erin}]}\n")
            + "server: {listen: '127.0.0.1:0'}\nstorage: {dir: '%s'}\n" % cls.work.state)
        cls.d = Rotad(cls.work.config)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.work.cleanup()

    def get(self, path, **params):
        status, headers, body = self.d.request("GET", path + "?" + urllib.parse.urlencode(params))
        return status, headers, body

    def test_oncall_matches_rotactl(self):
        status, headers, body = self.get("/api/v1/oncall", at="2026-11-23T14:45:00Z", team="payments")
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Content-Type"], "application/json")
        api = json.loads(body)
        cli = subprocess.run([ROTACTL, "oncall", "--config", self.work.config, "--at", "2026-11-23T14:45:00Z",
                              "--team", "payments", "-o", "json"], capture_output=True, text=True)
        self.assertEqual(cli.returncode, 0, cli.stderr)
        # The daemon adds run-time state the config alone does not hold: a
        # team's reroute (none here). Everything else is the same.
        for team in api["teams"]:
            self.assertIsNone(team.pop("reroute"))
        offline = json.loads(cli.stdout)
        self.assertIn("run-time overrides not included", offline.pop("source"))
        self.assertEqual(api, offline)
        self.assertEqual(api["teams"][0]["on_duty"], ["bob", "carol"])

    def test_oncall_percent_decoded_params_and_errors(self):
        status, _, body = self.d.request("GET", "/api/v1/oncall?at=2026-11-23T10%3A00%3A00%2B01%3A00&person=alice")
        self.assertEqual(status, 200, body)
        out = json.loads(body)
        self.assertEqual(out["at"], "2026-11-23T09:00:00Z")
        self.assertTrue(out["people"][0]["on_duty"])
        status, _, body = self.get("/api/v1/oncall", team="nope")
        self.assertEqual(status, 404)
        self.assertIn('unknown team "nope"', json.loads(body)["error"])
        status, _, body = self.get("/api/v1/oncall", at="tomorrow")
        self.assertEqual(status, 400)
        self.assertIn("at: not an RFC 3339 instant", json.loads(body)["error"])

    def test_coverage(self):
        status, _, body = self.get("/api/v1/coverage", team="payments", **{"from": "2026-11-23T00:00:00Z", "to": "2026-11-24T00:00:00Z"})
        self.assertEqual(status, 200, body)
        out = json.loads(body)
        self.assertEqual(out["windows"][0], {"start": "2026-11-23T08:00:00Z", "end": "2026-11-23T12:00:00Z", "on_duty": ["alice"]})
        self.assertEqual([g["in_support_hours"] for g in out["gaps"]], [False, True, True, False])
        self.assertEqual(self.get("/api/v1/coverage")[0], 400)
        self.assertEqual(self.get("/api/v1/coverage", team="ghost")[0], 404)
        self.assertEqual(self.get("/api/v1/coverage", team="payments", **{"from": "2026-11-24T00:00:00Z", "to": "2026-11-23T00:00:00Z"})[0], 400)

    def test_schedule_metrics(self):
        body = self.d.metrics()
        self.assertRegex(body, r'(?m)^rota_team_on_duty_people\{team="payments"\} [0-3]$')
        self.assertRegex(body, r'(?m)^rota_team_next_coverage_timestamp_seconds\{team="payments"\} \d')
        self.assertRegex(body, r'(?m)^rota_team_next_coverage_timestamp_seconds\{team="idle"\} \+Inf$')
        m = re.search(r'(?m)^rota_team_uncovered_required_seconds\{team="payments",window="7d"\} (\S+)$', body)
        self.assertIsNotNone(m)
        self.assertGreater(float(m.group(1)), 0)  # the fixture has gaps in support hours every day
        rc, findings = promtool_findings(body)
        self.assertEqual(findings, [])
        self.assertEqual(rc, 0)


if __name__ == "__main__":
    unittest.main()
