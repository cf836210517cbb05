"""The alert pipeline end to end through the real rotad and a local HTTP sink:
each ingest format, hours (an on-duty person is notified, an off-duty one is
not), holds answered with held_until, ack stopping escalation, the alerts,
silences and overrides API, bad input, and auth."""

import datetime as dt
import json
import os
import time
import unittest

from harness import Rotad, Sink, Workdir, wait_until

UTC = dt.timezone.utc


def hhmm(t):
    return t.strftime("%H:%M")


class PipelineTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink()
        self.addCleanup(self.sink.close)
        now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
        # `later` starts work two hours from now (UTC), for an hour, every day.
        self.later_start = now + dt.timedelta(hours=2)
        config = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
global: {{external_url: 'http://rota.example'}}
channels:
  - {{name: hooks, type: webhook, url: '%(sink)s', timeout: 5s}}
  - {{name: console, type: log}}
time_intervals:
  - {{name: always, time_intervals: [{{}}]}}
people:
  - {{id: oncall, hours: [always], contacts: [{{channel: hooks, to: oncall@example}}, {{channel: console, to: oncall}}]}}
  - {{id: backup, hours: [always], contacts: [{{channel: hooks, to: backup@example}}]}}
  - {{id: later, hours: [{{times: [{{start_time: '%(start)s', end_time: '%(end)s'}}]}}], contacts: [{{channel: hooks, to: later@example}}]}}
teams:
  - {{id: ops, members: [oncall, later]}}
ingest:
  pagerduty:
    routing_keys: [{{key: 'pd-key-1', labels: {{service: payments}}}}]
routes:
  - {{name: held, matchers: ['severity="held"'], group_wait: 0s, group_by: ['...'], escalation: later-only}}
  - {{name: pages, group_wait: 0s, group_by: ['...'], escalation: pages}}
escalations:
  - name: pages
    steps:
      - {{notify: ['team:ops'], escalate_after: 2s}}
      - {{notify: ['person:backup'], escalate_after: 1h}}
  - name: later-only
    steps: [{{notify: ['person:later']}}]
""" % {"sink": self.sink.url, "start": hhmm(self.later_start),
       "end": hhmm(self.later_start + dt.timedelta(hours=1))}
        self.work = Workdir(config=config, rules=None)
        self.addCleanup(self.work.cleanup)
        self.d = Rotad(self.work.config)
        self.addCleanup(self.d.stop)

    def post(self, path, doc, headers=None):
        body = doc if isinstance(doc, (bytes, str)) else json.dumps(doc)
        status, hdrs, text = self.d.request("POST", path, body=body, headers=headers or {"Content-Type": "application/json"})
        return status, (json.loads(text) if text else None)

    def to(self, recipient, alertname=None):
        def pred(m):
            if m["json"]["recipient"] != recipient:
                return False
            return alertname is None or any(a["labels"].get("alertname") == alertname for a in m["json"]["alerts"])
        return pred

    def test_alertmanager_webhook(self):
        status, out = self.post("/api/v1/alertmanager", {
            "version": "4", "status": "firing", "receiver": "rota", "groupKey": "{}",
            "alerts": [{"status": "firing", "labels": {"alertname": "AmDown", "instance": "db1"},
                        "annotations": {"summary": "db1 is down"},
                        "startsAt": "2026-11-23T09:00:00.000000001Z", "endsAt": "0001-01-01T00:00:00Z"}]})
        self.assertEqual(status, 202, out)
        a = out["alerts"][0]
        self.assertEqual(a["status"], "notified")
        self.assertEqual(a["notified"], ["oncall"])  # `later` is off duty: not notified
        self.assertIsNone(a["held_until"])
        msg = self.sink.wait_for(self.to("oncall", "AmDown"), "the webhook to oncall")[0]
        body = msg["json"]
        self.assertEqual(body["kind"], "alert")
        self.assertEqual(body["to"], "oncall@example")
        self.assertEqual(body["route"], "pages")
        self.assertEqual(body["step"], 1)
        self.assertEqual(body["alerts"][0]["labels"], {"alertname": "AmDown", "instance": "db1"})
        self.assertEqual(body["alerts"][0]["annotations"], {"summary": "db1 is down"})
        self.assertEqual(body["alerts"][0]["id"], a["id"])
        self.assertEqual(body["ack_url"], "http://rota.example/api/v1/alerts/%s/ack" % a["id"])
        self.assertEqual(msg["headers"]["Idempotency-Key"], body["notification_id"])
        self.assertFalse(self.sink.messages(self.to("later")), "off duty: never notified")
        timeline = lambda: [e["what"] for e in json.loads(self.d.request("GET", "/api/v1/alerts/" + a["id"])[2])["timeline"]]
        wait_until(lambda: any(w.startswith("delivered to oncall via hooks (HTTP 200, 1 attempt)") for w in timeline()),
                   "the delivery in the timeline")
        self.assertRegex(self.d.log(), r'msg=notification channel=console recipient=oncall to=oncall kind=alert')
        # The timeline as data: each entry's kind and fields.
        entries = json.loads(self.d.request("GET", "/api/v1/alerts/" + a["id"])[2])["timeline"]
        by_kind = {}
        for e in entries:
            by_kind.setdefault(e["kind"], e)
        self.assertEqual(by_kind["received"]["source"], "alertmanager")
        self.assertEqual(by_kind["matched"]["route"], "pages")
        notified = by_kind["notified"]
        self.assertEqual(notified["step"], 1)
        self.assertIn("oncall", notified["people"])
        self.assertIn("later", [s["person"] for s in notified["skipped"]])
        self.assertEqual({s["reason_code"] for s in notified["skipped"] if s["person"] == "later"}, {"outside_hours"})
        delivered = [e for e in entries if e["kind"] == "delivered" and e["channel"] == "hooks"][0]
        self.assertEqual(delivered["person"], "oncall")
        self.assertEqual(delivered["attempts"], 1)
        self.assertEqual(delivered["detail"], "HTTP 200")

    def test_alerts_v2_like_prometheus(self):
        status, out = self.post("/api/v2/alerts", [{"labels": {"alertname": "PromDown", "job": "node"}}])
        self.assertEqual(status, 202, out)
        self.assertEqual(out["alerts"][0]["status"], "notified")
        self.sink.wait_for(self.to("oncall", "PromDown"), "the webhook")
        # Re-sent, as Prometheus does every evaluation: a duplicate, not a new page.
        status, out2 = self.post("/api/v2/alerts", [{"labels": {"alertname": "PromDown", "job": "node"}}])
        self.assertEqual(out2["alerts"][0]["status"], "duplicate")
        self.assertEqual(out2["alerts"][0]["id"], out["alerts"][0]["id"])

    def test_pagerduty_events(self):
        status, out = self.post("/v2/enqueue", {
            "routing_key": "pd-key-1", "event_action": "trigger", "dedup_key": "disk-full-db1",
            "payload": {"summary": "Disk full", "source": "db1", "severity": "critical"}})
        self.assertEqual(status, 202)
        self.assertEqual(out, {"status": "success", "message": "Event processed", "dedup_key": "disk-full-db1"})
        msg = self.sink.wait_for(self.to("oncall", "Disk full"), "the webhook")[0]
        self.assertEqual(msg["json"]["alerts"][0]["labels"]["service"], "payments")
        status, out = self.post("/v2/enqueue", {"routing_key": "pd-key-1", "event_action": "acknowledge",
                                                 "dedup_key": "disk-full-db1"})
        self.assertEqual(status, 202)
        status, _, alerts = self.d.request("GET", "/api/v1/alerts")
        alert = [a for a in json.loads(alerts)["alerts"] if a["fingerprint"] == "disk-full-db1"][0]
        self.assertEqual(alert["state"], "acknowledged")
        status, out = self.post("/v2/enqueue", {"routing_key": "wrong", "event_action": "trigger",
                                                 "payload": {"summary": "x", "source": "y", "severity": "info"}})
        self.assertEqual(status, 400)
        self.assertEqual(out["status"], "invalid event")
        self.assertIn("'routing_key' is not a routing key rota knows (ingest.pagerduty.routing_keys)", out["errors"])

    def test_generic_events(self):
        status, out = self.post("/api/v1/events", {"labels": {"alertname": "Backup"}, "dedup_key": "backup-nightly"})
        self.assertEqual(status, 202, out)
        self.assertEqual(out["alerts"][0]["fingerprint"], "backup-nightly")
        status, out = self.post("/api/v1/events", {"action": "resolve", "dedup_key": "backup-nightly"})
        self.assertEqual(out["alerts"][0]["status"], "resolved")
        self.sink.wait_for(lambda m: m["json"]["kind"] == "resolved", "the resolved notice")

    def test_nobody_on_duty_is_held_with_held_until(self):
        status, out = self.post("/api/v1/events", {"labels": {"alertname": "Later", "severity": "held"}})
        self.assertEqual(status, 202, out)
        a = out["alerts"][0]
        self.assertEqual(a["status"], "held")
        self.assertEqual(a["notified"], [])
        self.assertEqual(a["held_until"], self.later_start.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.assertEqual(a["next_on_duty"], ["later"])
        status, _, detail = self.d.request("GET", "/api/v1/alerts/" + a["id"])
        timeline = [e["what"] for e in json.loads(detail)["timeline"]]
        self.assertTrue(any("held until " + a["held_until"] + " for later" in w for w in timeline), timeline)
        self.assertTrue(any("skipped later: outside hours until" in w for w in timeline), timeline)
        held = [e for e in json.loads(detail)["timeline"] if e["kind"] == "held"][0]
        self.assertEqual(held["until"], a["held_until"])
        self.assertEqual(held["people"], ["later"])

    def test_ack_stops_escalation(self):
        # Without an ack, step 2 (backup) follows after escalate_after (2s).
        status, out = self.post("/api/v1/events", {"labels": {"alertname": "Unacked"}})
        self.sink.wait_for(self.to("backup", "Unacked"), "the escalation to backup")
        # With an ack inside the 2s, nothing more is sent.
        status, out = self.post("/api/v1/events", {"labels": {"alertname": "Acked"}})
        aid = out["alerts"][0]["id"]
        status, acked = self.post("/api/v1/alerts/%s/ack" % aid, {"by": "oncall", "comment": "on it"})
        self.assertEqual(status, 200, acked)
        self.assertEqual(acked["state"], "acknowledged")
        self.assertEqual(acked["acked_by"], "oncall")
        time.sleep(3)  # past escalate_after: the deadline has certainly come and gone
        self.assertFalse(self.sink.messages(self.to("backup", "Acked")))
        status, _, detail = self.d.request("GET", "/api/v1/alerts/" + aid)
        timeline = [e["what"] for e in json.loads(detail)["timeline"]]
        self.assertIn("acknowledged by oncall: on it", timeline)
        self.assertFalse(any(w.startswith("escalated") for w in timeline), timeline)

    def test_silences_api(self):
        status, out = self.post("/api/v1/silences", {"matchers": ['alertname="Quiet"'], "duration": "1h",
                                                      "created_by": "oncall", "comment": "deploy"})
        self.assertEqual(status, 201, out)
        sid = out["id"]
        status, out = self.post("/api/v1/events", {"labels": {"alertname": "Quiet"}})
        self.assertEqual(out["alerts"][0]["status"], "silenced")
        status, _, listing = self.d.request("GET", "/api/v1/silences")
        s = json.loads(listing)["silences"][0]
        self.assertEqual((s["id"], s["matchers"], s["active"]), (sid, ['alertname="Quiet"'], True))
        status, _, _ = self.d.request("DELETE", "/api/v1/silences/" + sid)
        self.assertEqual(status, 200)
        self.sink.wait_for(self.to("oncall", "Quiet"), "the alert once the silence is expired")
        status, out = self.post("/api/v1/silences", {"matchers": ["a=~\"(\""], "duration": "1h", "created_by": "x"})
        self.assertEqual(status, 400)
        self.assertIn("invalid regular expression", out["error"])

    def test_silences_that_would_mute_everything_are_refused(self):
        for matchers in (["{}"], ['alertname=~".*"'], ['alertname=~".*"', 'job=""'], ['x!="y"']):
            status, out = self.post("/api/v1/silences", {"matchers": matchers, "duration": "1h",
                                                          "created_by": "x"})
            self.assertEqual(status, 400, matchers)
            self.assertIn("at least one matcher must not match the empty string", out["error"])
        status, _, listing = self.d.request("GET", "/api/v1/silences")
        self.assertEqual(json.loads(listing)["silences"], [])
        status, out = self.post("/api/v1/events", {"labels": {"alertname": "StillHeard"}})
        self.assertNotEqual(out["alerts"][0]["status"], "silenced")
        # One matcher that needs a value is enough.
        status, out = self.post("/api/v1/silences", {"matchers": ['alertname=~".*"', 'job="x"'],
                                                      "duration": "1h", "created_by": "x"})
        self.assertEqual(status, 201, out)

    def test_overrides_api_changes_who_is_on_duty(self):
        start = dt.datetime.now(UTC) - dt.timedelta(minutes=1)
        end = start + dt.timedelta(hours=1)
        status, out = self.post("/api/v1/overrides", {"person": "later", "team": "ops",
                                                       "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                                       "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "note": "incident"})
        self.assertEqual(status, 201, out)
        status, _, body = self.d.request("GET", "/api/v1/oncall?team=ops")
        self.assertEqual(sorted(json.loads(body)["teams"][0]["on_duty"]), ["later", "oncall"])
        status, out = self.post("/api/v1/events", {"labels": {"alertname": "WithOverride"}})
        self.assertEqual(sorted(out["alerts"][0]["notified"]), ["later", "oncall"])
        status, _, listing = self.d.request("GET", "/api/v1/overrides")
        self.assertEqual(json.loads(listing)["overrides"][0]["source"], "api")
        status, _, _ = self.d.request("DELETE", "/api/v1/overrides/" + json.loads(listing)["overrides"][0]["id"])
        self.assertEqual(status, 200)
        status, _, body = self.d.request("GET", "/api/v1/oncall?team=ops")
        self.assertEqual(json.loads(body)["teams"][0]["on_duty"], ["oncall"])
        status, out = self.post("/api/v1/overrides", {"person": "ghost", "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"})
        self.assertEqual(status, 400)
        status, out = self.post("/api/v1/overrides", {"person": "oncall", "replaces": "oncall",
                                                       "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"})
        self.assertEqual((status, out["error"]), (400, "replaces: a person cannot replace themself"))

    def test_bad_input_is_400_with_the_reason(self):
        status, out = self.post("/api/v2/alerts", b"{not json")
        self.assertEqual(status, 400)
        self.assertIn("invalid JSON", out["error"])
        status, out = self.post("/api/v2/alerts", [{"labels": {"": "x"}}])
        self.assertEqual(status, 400)
        self.assertIn('[0].labels: label name "" is not valid', out["error"])
        # Prometheus 3 sends UTF-8 label names; they are labels like any other.
        status, out = self.post("/api/v2/alerts", [{"labels": {"alertname": "Dotted", "service.name": "api"}}])
        self.assertEqual(status, 202, out)
        status, out = self.post("/api/v1/alertmanager", {"version": "4", "alerts": [{"status": "firing"}]})
        self.assertEqual(status, 400)
        self.assertIn("alerts[0].labels", out["error"])
        status, out = self.post("/api/v1/alerts/999999/ack", {"by": "x"})
        self.assertEqual(status, 404)
        status, out = self.post("/api/v1/alerts/1/ack", {})
        self.assertEqual(status, 400)
        metrics = self.d.metrics()
        self.assertRegex(metrics, r'rota_events_received_total\{outcome="invalid",source="prometheus"\} 2')

    def test_metrics_of_the_pipeline(self):
        self.post("/api/v1/events", {"labels": {"alertname": "M"}})
        self.sink.wait_for(self.to("oncall", "M"), "the webhook")
        wait_until(lambda: 'rota_notifications_total{channel="hooks",kind="alert",outcome="delivered"}' in self.d.metrics(),
                   "the delivery to be counted")
        body = self.d.metrics()
        self.assertRegex(body, r'(?m)^rota_events_received_total\{outcome="notified",source="generic"\} 1$')
        self.assertRegex(body, r'(?m)^rota_notifications_refused_off_duty_total 0$')
        self.assertRegex(body, r'(?m)^rota_time_to_notification_seconds_count 1$')


class AuthTest(unittest.TestCase):
    def test_tokens(self):
        work = Workdir(rules="routes: [{name: r, escalation: e}]\nescalations: [{name: e, steps: [{notify: ['person:alice']}]}]\n")
        self.addCleanup(work.cleanup)
        work.write("ingest.token", "ingest-secret\n")
        work.write("admin.token", "admin-secret\n")
        work.write("rota.yaml", work.read() + "auth: {ingest_token_files: [ingest.token], admin_token_files: [admin.token]}\n")
        d = Rotad(work.config)
        self.addCleanup(d.stop)
        body = json.dumps({"labels": {"alertname": "A"}})
        status, headers, _ = d.request("POST", "/api/v1/events", body=body)
        self.assertEqual(status, 401)
        self.assertEqual(headers["WWW-Authenticate"], "Bearer")
        status, _, _ = d.request("POST", "/api/v1/events", body=body, headers={"Authorization": "Bearer wrong"})
        self.assertEqual(status, 403)
        status, _, _ = d.request("POST", "/api/v1/events", body=body, headers={"Authorization": "Bearer ingest-secret"})
        self.assertEqual(status, 202)
        status, _, _ = d.request("GET", "/api/v1/alerts", headers={"Authorization": "Bearer ingest-secret"})
        self.assertEqual(status, 403)
        status, _, _ = d.request("GET", "/api/v1/alerts", headers={"Authorization": "Bearer admin-secret"})
        self.assertEqual(status, 200)
        self.assertEqual(d.request("GET", "/-/healthy")[0], 200)  # operational endpoints stay open
        self.assertNotIn("secret", d.log())



class AckLinkTest(unittest.TestCase):
    def test_signed_link_confirms_then_acks(self):
        import urllib.parse
        sink = Sink()
        self.addCleanup(sink.close)
        work = Workdir(rules=None)
        self.addCleanup(work.cleanup)
        work.write("ack.key", "k" * 48 + "\n")
        work.write("rota.yaml", """\
server: {listen: '127.0.0.1:0'}
storage: {dir: '%s'}
global: {external_url: 'http://rota.example', ack_key_file: ack.key, ack_link_ttl: 1h}
channels: [{name: hooks, type: webhook, url: '%s'}]
people: [{id: alice, hours: [{}], contacts: [{channel: hooks, to: alice}]}]
routes: [{name: r, group_wait: 0s, group_by: ['...'], escalation: e}]
escalations: [{name: e, steps: [{notify: ['person:alice'], escalate_after: 1h}]}]
""" % (work.state, sink.url))
        d = Rotad(work.config)
        self.addCleanup(d.stop)
        status, _, body = d.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": "Click"}}))
        aid = json.loads(body)["alerts"][0]["id"]
        msg = sink.wait_for(lambda m: True, "the webhook")[0]
        url = msg["json"]["alerts"][0]["ack_url"]
        self.assertRegex(url, r"^http://rota\.example/ack/%s/\d+/alice/[0-9a-f]{64}$" % aid)
        path = urllib.parse.urlparse(url).path
        status, headers, page = d.request("GET", path)
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn("<form method=post>", page)
        self.assertIn("alertname=Click", page)
        _, _, detail = d.request("GET", "/api/v1/alerts/" + aid)
        self.assertEqual(json.loads(detail)["state"], "firing", "GET never acts")
        tampered = path[:-1] + ("0" if path[-1] != "0" else "1")
        self.assertEqual(d.request("POST", tampered)[0], 403)
        self.assertEqual(d.request("POST", path.replace("/alice/", "/mallory/"))[0], 403)
        status, _, page = d.request("POST", path)
        self.assertEqual(status, 200, page)
        self.assertIn("acknowledged", page)
        _, _, detail = d.request("GET", "/api/v1/alerts/" + aid)
        self.assertEqual(json.loads(detail)["acked_by"], "alice")
        self.assertNotIn("k" * 48, d.log())


class SlackTest(unittest.TestCase):
    def test_slack_text_from_the_default_and_a_custom_template(self):
        sink = Sink()
        self.addCleanup(sink.close)
        work = Workdir(rules=None)
        self.addCleanup(work.cleanup)
        work.write("custom.mustache", "{{#alerts}}[{{labels.alertname}}] for {{recipient}}{{/alerts}}")
        work.write("rota.yaml", """\
server: {listen: '127.0.0.1:0'}
storage: {dir: '%s'}
global: {external_url: 'https://rota.example'}
channels:
  - {name: slack, type: slack, url: '%s/default'}
  - {name: slack-custom, type: slack, url: '%s/custom', template_file: custom.mustache}
people: [{id: alice, hours: [{}], contacts: [{channel: slack, to: '#ops'}, {channel: slack-custom, to: '#ops'}]}]
routes: [{name: r, group_wait: 0s, group_by: ['...'], escalation: e}]
escalations: [{name: e, steps: [{notify: ['person:alice'], escalate_after: 1h}]}]
""" % (work.state, sink.url, sink.url))
        d = Rotad(work.config)
        self.addCleanup(d.stop)
        status, _, body = d.request("POST", "/api/v1/events", body=json.dumps(
            {"labels": {"alertname": "CheckoutDown"}, "annotations": {"summary": "checkout fails"}}))
        self.assertEqual(status, 202)
        default = sink.wait_for(lambda m: m["path"].endswith("/default"), "the default Slack message")[0]
        self.assertEqual(set(default["json"]), {"text"})
        text = default["json"]["text"]
        self.assertTrue(text.startswith("*Alert* (route r, step 1)\n"), text)
        self.assertIn("• *CheckoutDown* checkout fails (firing) <https://rota.example/api/v1/alerts/", text)
        custom = sink.wait_for(lambda m: m["path"].endswith("/custom"), "the custom Slack message")[0]
        self.assertEqual(custom["json"], {"text": "[CheckoutDown] for alice"})


if __name__ == "__main__":
    unittest.main()
