"""A switch to reroute through the real binaries: rotactl
reroute flips a team's new alerts to another escalation (here a 24/7
provider's channel) while alerts arrive, /api/v1/oncall shows it, every affected timeline says so, it survives a restart, and
clearing it sends the next alert to the team again. Bad requests get a 400
that says what is wrong."""

import json
import subprocess
import unittest

from harness import ROTACTL, Rotad, Sink, Workdir, sample, wait_until

CONFIG = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
channels:
  - {{name: console, type: log}}
  - {{name: pd, type: pagerduty, url: '{pd}', routing_key_file: pd_key}}
people:
  - {{id: ann, hours: [{{}}], contacts: [{{channel: console, to: ann}}]}}
teams:
  - {{id: payments, members: [ann]}}
routes:
  - {{name: pay, matchers: ['team="payments"'], group_by: ['...'], group_wait: 0s, escalation: payments}}
escalations:
  - {{name: payments, steps: [{{notify: ['team:payments']}}]}}
  - {{name: vendor, steps: [{{notify: ['channel:pd']}}]}}
"""


class RerouteTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink()
        self.addCleanup(self.sink.close)
        self.w = Workdir(rules=None)
        self.addCleanup(self.w.cleanup)
        self.w.write("pd_key", "key")
        self.w.write("rota.yaml", CONFIG.format(state=self.w.state, pd=self.sink.url))

    def ctl(self, d, *args):
        out = subprocess.run([ROTACTL, *args, "--url", "http://127.0.0.1:%d" % d.port],
                             capture_output=True, text=True)
        return out.returncode, out.stdout, out.stderr

    def fire(self, d, name):
        status, _, body = d.request("POST", "/api/v1/events",
                                    body=json.dumps({"labels": {"alertname": name, "team": "payments"}}))
        self.assertEqual(status, 202, body)
        return json.loads(body)["alerts"][0]

    def test_flip_restart_clear(self):
        d = Rotad(self.w.config)
        try:
            self.assertEqual(self.fire(d, "Before")["notified"], ["ann"])
            rc, out, err = self.ctl(d, "reroute", "--team", "payments", "--to", "escalation:vendor",
                                    "--reason", "team offsite", "--by", "lead")
            self.assertEqual((rc, out.strip()), (0, "r-1"), err)
            oncall = json.loads(d.request("GET", "/api/v1/oncall?team=payments")[2])
            reroute = oncall["teams"][0]["reroute"]
            self.assertEqual((reroute["id"], reroute["to"], reroute["until"], reroute["reason"]),
                             ("r-1", "escalation:vendor", None, "team offsite"))

            during = self.fire(d, "During")
            self.assertEqual(during["notified"], ["channel:pd"])
            self.sink.wait_for(lambda m: m["json"]["dedup_key"] == "rota-" + during["id"], "the provider's trigger")
            whats = [e["what"] for e in json.loads(d.request("GET", "/api/v1/alerts/" + during["id"])[2])["timeline"]]
            self.assertIn("rerouted by r-1: route pay uses escalation vendor (team offsite)", whats)
            wait_until(lambda: sample(d.metrics(), "rota_alerts_rerouted_total") == 1, "the rerouted count")
            self.assertEqual(sample(d.metrics(), "rota_reroutes_active"), 1)
            self.assertIn("msg=\"reroute added\" id=r-1 team=payments escalation=vendor", d.log())
        finally:
            d.stop()

        d = Rotad(self.w.config)  # durable across a restart
        try:
            rc, out, _ = self.ctl(d, "reroute", "ls")
            self.assertEqual(rc, 0)
            self.assertIn("r-1  team payments -> escalation:vendor  until cleared  by lead: team offsite", out)
            self.assertEqual(self.fire(d, "AfterRestart")["notified"], ["channel:pd"])
            rc, out, err = self.ctl(d, "reroute", "clear", "r-1")
            self.assertEqual((rc, out.strip()), (0, "reroute r-1 cleared"), err)
            self.assertEqual(self.fire(d, "AfterClear")["notified"], ["ann"])
            self.assertIsNone(json.loads(d.request("GET", "/api/v1/oncall?team=payments")[2])["teams"][0]["reroute"])
            rc, _, err = self.ctl(d, "reroute", "clear", "r-1")
            self.assertEqual(rc, 1)
            self.assertIn("no reroute r-1", err)
        finally:
            d.stop()

    def test_a_reload_that_removes_the_escalation_ends_the_reroute(self):
        d = Rotad(self.w.config)
        self.addCleanup(d.stop)
        rc, out, err = self.ctl(d, "reroute", "--team", "payments", "--to", "escalation:vendor",
                                "--reason", "team offsite", "--by", "lead")
        self.assertEqual((rc, out.strip()), (0, "r-1"), err)
        during = self.fire(d, "During")
        self.assertEqual(during["notified"], ["channel:pd"])
        # The vendor escalation goes; the reroute that named it ends with it.
        self.w.write("rota.yaml", self.w.read().replace(
            "  - {name: vendor, steps: [{notify: ['channel:pd']}]}\n", ""))
        self.assertEqual(d.request("POST", "/-/reload")[0], 200)
        self.assertEqual(json.loads(d.request("GET", "/api/v1/reroutes")[2]), {"reroutes": []})
        self.assertIsNone(json.loads(d.request("GET", "/api/v1/oncall?team=payments")[2])["teams"][0]["reroute"])
        wait_until(lambda: sample(d.metrics(), "rota_reroutes_active") == 0, "no reroute counted")
        self.assertIn('msg="reroute ended: its team or escalation is no longer in the config" '
                      "id=r-1 team=payments escalation=vendor", d.log())
        whats = [e["what"] for e in json.loads(d.request("GET", "/api/v1/alerts/" + during["id"])[2])["timeline"]]
        self.assertIn('reroute r-1 ended: its escalation "vendor" is no longer in the config', whats)
        self.assertEqual(self.fire(d, "After")["notified"], ["ann"])
        d.stop()
        d2 = Rotad(self.w.config)  # and it stays ended after a restart
        self.addCleanup(d2.stop)
        self.assertEqual(json.loads(d2.request("GET", "/api/v1/reroutes")[2]), {"reroutes": []})

    def test_bad_requests_say_what_is_wrong(self):
        d = Rotad(self.w.config)
        self.addCleanup(d.stop)
        for body, message in (({"team": "nobody", "to": "escalation:vendor", "reason": "x"}, 'unknown team "nobody"'),
                              ({"team": "payments", "to": "vendor", "reason": "x"}, "to must be escalation:NAME"),
                              ({"team": "payments", "to": "escalation:nope", "reason": "x"}, 'unknown escalation "nope"'),
                              ({"team": "payments", "to": "escalation:vendor"}, "reason is required"),
                              ({"team": "payments", "to": "escalation:vendor", "reason": "x",
                                "until": "2020-01-01T00:00:00Z"}, "until must be in the future"),
                              ({"team": "payments", "to": "escalation:vendor", "reason": "x", "until": "soon"}, "until:")):
            status, _, resp = d.request("POST", "/api/v1/reroutes", body=json.dumps(body))
            self.assertEqual(status, 400, resp)
            self.assertIn(message, json.loads(resp)["error"])
        self.assertEqual(json.loads(d.request("GET", "/api/v1/reroutes")[2]), {"reroutes": []})


if __name__ == "__main__":
    unittest.main()
