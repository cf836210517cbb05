"""Run-time silences and overrides do not pile up: an override wholly in the
past is refused, and expired silences and ended overrides are forgotten once
storage.retention has passed (from memory, the API and the store, so a
restart does not bring them back) without their ids being handed out again."""

import datetime as dt
import json
import unittest

from harness import Rotad, Workdir, wait_until

UTC = dt.timezone.utc

CONFIG = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}', retention: 2s}}
channels: [{{name: console, type: log}}]
people:
  - {{id: ann, hours: [{{}}], contacts: [{{channel: console, to: ann}}]}}
  - {{id: bob, hours: [{{}}], contacts: [{{channel: console, to: bob}}]}}
teams: [{{id: ops, members: [ann]}}]
routes: [{{name: r, escalation: e}}]
escalations: [{{name: e, steps: [{{notify: ['team:ops']}}]}}]
"""


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class PruneTest(unittest.TestCase):
    def setUp(self):
        self.w = Workdir(rules=None)
        self.addCleanup(self.w.cleanup)
        self.w.write("rota.yaml", CONFIG.format(state=self.w.state))

    def post(self, d, path, doc):
        status, _, body = d.request("POST", path, body=json.dumps(doc))
        return status, json.loads(body)

    def listed(self, d, what):
        return [x["id"] for x in json.loads(d.request("GET", "/api/v1/" + what)[2])[what]]

    def test_an_override_wholly_in_the_past_is_refused(self):
        d = Rotad(self.w.config)
        self.addCleanup(d.stop)
        now = dt.datetime.now(UTC)
        status, out = self.post(d, "/api/v1/overrides", {
            "person": "bob", "team": "ops", "start": rfc3339(now - dt.timedelta(hours=3)),
            "end": rfc3339(now - dt.timedelta(hours=1))})
        self.assertEqual(status, 400, out)
        self.assertIn("end: the override would be over already", out["error"])
        self.assertEqual(self.listed(d, "overrides"), [])

    def test_what_ended_is_forgotten_after_the_retention_and_stays_forgotten(self):
        d = Rotad(self.w.config)
        self.addCleanup(d.stop)
        status, out = self.post(d, "/api/v1/silences", {"matchers": ['alertname="Quiet"'], "duration": "1h",
                                                         "created_by": "ann"})
        self.assertEqual((status, out["id"]), (201, "s-1"))
        status, out = self.post(d, "/api/v1/silences", {"matchers": ['alertname="Kept"'], "duration": "1h",
                                                         "created_by": "ann"})
        self.assertEqual((status, out["id"]), (201, "s-2"))
        now = dt.datetime.now(UTC)
        status, out = self.post(d, "/api/v1/overrides", {
            "person": "bob", "team": "ops", "start": rfc3339(now - dt.timedelta(minutes=1)),
            "end": rfc3339(now + dt.timedelta(seconds=3))})
        self.assertEqual((status, out["id"]), (201, "o-1"), out)
        status, out = self.post(d, "/api/v1/overrides", {
            "person": "bob", "team": "ops", "start": rfc3339(now),
            "end": rfc3339(now + dt.timedelta(hours=1))})
        self.assertEqual((status, out["id"]), (201, "o-2"), out)
        self.assertEqual(d.request("DELETE", "/api/v1/silences/s-1")[0], 200)  # expired now
        # Both still listed until the retention has passed, then gone.
        wait_until(lambda: self.listed(d, "silences") == ["s-2"], "the expired silence forgotten")
        wait_until(lambda: self.listed(d, "overrides") == ["o-2"], "the ended override forgotten")
        d.stop()
        d = Rotad(self.w.config)  # not back after a restart, and the ids are not reused
        self.addCleanup(d.stop)
        self.assertEqual(self.listed(d, "silences"), ["s-2"])
        self.assertEqual(self.listed(d, "overrides"), ["o-2"])
        status, out = self.post(d, "/api/v1/silences", {"matchers": ['alertname="New"'], "duration": "1h",
                                                         "created_by": "ann"})
        self.assertEqual((status, out["id"]), (201, "s-3"))
        self.assertEqual(self.post(d, "/api/v1/overrides", {
            "person": "bob", "start": rfc3339(now), "end": rfc3339(now + dt.timedelta(hours=2))})[1]["id"], "o-3")


if __name__ == "__main__":
    unittest.main()
