"""rotactl against a running rotad (alerts, ack, resolve, explain, silence,
override, drill) and rotactl test rules (offline)."""

import json
import os
import socket
import subprocess
import unittest

from harness import ROTACTL, SOURCE_DIR, Rotad, Sink, Workdir

CONFIG = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
channels: [{{name: console, type: log}}]
time_intervals: [{{name: always, time_intervals: [{{}}]}}]
people:
  - {{id: oncall, hours: [always], contacts: [{{channel: console, to: oncall}}]}}
  - {{id: nobody, contacts: [{{channel: console, to: nobody}}]}}
teams: [{{id: ops, members: [oncall]}}]
routes:
  - {{name: void, matchers: ['team="void"'], group_wait: 0s, group_by: ['...'], escalation: void}}
  - {{name: ops, group_wait: 0s, group_by: ['...'], escalation: ops}}
escalations:
  - {{name: ops, steps: [{{notify: ['team:ops'], escalate_after: 1h}}]}}
  - {{name: void, steps: [{{notify: ['person:nobody']}}]}}
"""


class RotactlDaemonTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = Workdir(config=CONFIG, rules=None)
        cls.d = Rotad(cls.work.config)
        cls.url = "http://127.0.0.1:%d" % cls.d.port

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.work.cleanup()

    def ctl(self, *args):
        r = subprocess.run([ROTACTL, *args, "--url", self.url], capture_output=True, text=True, timeout=60)
        return r

    def fire(self, name):
        status, _, body = self.d.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": name}}))
        self.assertEqual(status, 202)
        return json.loads(body)["alerts"][0]["id"]

    def test_alerts_ack_resolve_explain(self):
        aid = self.fire("CtlAlert")
        r = self.ctl("alerts")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^%s\s+firing\s+notified\s+CtlAlert\s+notified=oncall" % aid)
        r = self.ctl("ack", aid, "--by", "oncall", "--comment", "mine")
        self.assertEqual((r.returncode, r.stdout), (0, "alert %s: acknowledged\n" % aid))
        r = self.ctl("explain", aid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("matched route ops (escalation ops)", r.stdout)
        self.assertIn("acknowledged by oncall: mine", r.stdout)
        r = self.ctl("resolve", aid, "--by", "oncall", "-o", "json")
        self.assertEqual(json.loads(r.stdout)["state"], "resolved")
        r = self.ctl("alerts", "--state", "resolved", "-o", "json")
        self.assertIn(aid, [a["id"] for a in json.loads(r.stdout)["alerts"]])
        r = self.ctl("ack", "999999", "--by", "x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("rotad answered 404", r.stderr)
        self.assertEqual(self.ctl("ack", aid).returncode, 2)  # --by is required

    def test_silence_commands(self):
        r = self.ctl("silence", "add", "--matcher", 'alertname="Shh"', "--duration", "1h", "--by", "oncall", "--comment", "test")
        self.assertEqual(r.returncode, 0, r.stderr)
        sid = r.stdout.strip()
        self.assertTrue(sid.startswith("s-"))
        r = self.ctl("silence", "ls")
        self.assertRegex(r.stdout, r'%s  active .*alertname="Shh"  by oncall: test' % sid)
        r = self.ctl("silence", "expire", sid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("expired", self.ctl("silence", "ls").stdout)
        self.assertEqual(self.ctl("silence", "add", "--by", "x").returncode, 2)

    def test_override_commands(self):
        r = self.ctl("override", "add", "--person", "nobody", "--team", "ops", "--start", "2026-01-01T00:00:00Z",
                     "--end", "2036-01-01T00:00:00Z", "--note", "helping")
        self.assertEqual(r.returncode, 0, r.stderr)
        oid = r.stdout.strip()
        self.assertIn("%s  nobody added to ops" % oid, self.ctl("override", "ls").stdout)
        self.assertEqual(self.ctl("override", "rm", oid).returncode, 0)
        self.assertNotIn(oid, self.ctl("override", "ls").stdout)

    def test_drill_reports_who_got_it(self):
        r = self.ctl("drill", "--label", "service=checkout")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("notified oncall\n", r.stdout)
        self.assertRegex(r.stdout, r"oncall via console: delivered \[logged\] at \d{4}-")
        self.assertIn("drill passed", r.stdout)
        self.assertIn("(resolved the drill alert)", r.stdout)
        self.assertRegex(self.d.log(), r"msg=notification channel=console recipient=oncall")
        # A drill that reaches nobody says so and fails.
        r = self.ctl("drill", "--label", "team=void")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("nobody on duty within a year", r.stdout)  # from the timeline

    def test_unreachable_daemon(self):
        r = subprocess.run([ROTACTL, "alerts", "--url", "http://127.0.0.1:1"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach rotad at http://127.0.0.1:1", r.stderr)

    def test_a_daemon_that_never_answers_is_given_up_on(self):
        # A port that accepts connections (the kernel does) and never answers,
        # over plain HTTP and HTTPS: rotactl stops at its --request-timeout.
        silent = socket.socket()
        self.addCleanup(silent.close)
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        for scheme in ("http", "https"):
            with self.subTest(scheme=scheme):
                url = "%s://127.0.0.1:%d" % (scheme, silent.getsockname()[1])
                r = subprocess.run([ROTACTL, "alerts", "--url", url, "--request-timeout", "2s"],
                                   capture_output=True, text=True, timeout=120)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(": no answer within 2s", r.stderr)
        r = subprocess.run([ROTACTL, "alerts", "--url", "http://127.0.0.1:1", "--request-timeout", "0s"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--request-timeout: must be positive", r.stderr)


class TestRulesTest(unittest.TestCase):
    def test_example_rule_tests_pass(self):
        r = subprocess.run([ROTACTL, "test", "rules", os.path.join(SOURCE_DIR, "rules", "tests.yaml")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.splitlines()[-1], "5 passed, 0 failed")

    def test_failures_show_expected_and_got(self):
        work = Workdir(rules=None)
        self.addCleanup(work.cleanup)
        work.write("rota.yaml", open(os.path.join(SOURCE_DIR, "rules", "rota.yaml")).read().replace(
            "rule_files:\n  - routes/*.yaml", "rule_files: ['%s/rules/routes/*.yaml']" % SOURCE_DIR))
        path = work.write("tests.yaml", """\
config: rota.yaml
tests:
  - name: wrong on purpose
    at: '2026-11-23T09:30:00+01:00'
    alert: {alertname: PaymentsDown, service: payments, severity: critical}
    expect: {route: payments-tickets, notified: [bob]}
  - name: right
    at: '2026-11-23T09:30:00+01:00'
    alert: {alertname: PaymentsDown, service: payments, severity: critical}
    expect: {notified: [alice]}
""")
        r = subprocess.run([ROTACTL, "test", "rules", path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("FAIL %s:3:5 wrong on purpose\n" % path, r.stdout)
        self.assertIn("  route: expected payments-tickets, got payments-pages\n", r.stdout)
        self.assertIn("  notified: expected [bob], got [alice]\n", r.stdout)
        self.assertEqual(r.stdout.splitlines()[-1], "1 passed, 1 failed")

    def test_bad_test_file(self):
        work = Workdir(rules=None)
        self.addCleanup(work.cleanup)
        path = work.write("tests.yaml", "config: rota.yaml\ntests:\n  - {name: x, at: soon, alert: {a: b}, expect: {}}\n")
        r = subprocess.run([ROTACTL, "test", "rules", path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("tests.yaml:3:19: at: not an RFC 3339 instant", r.stderr)


if __name__ == "__main__":
    unittest.main()
