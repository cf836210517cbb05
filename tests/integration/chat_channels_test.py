"""The chat, push and 24/7-provider channels through the real rotad: Microsoft Teams, Telegram, ntfy, Mattermost, PagerDuty Events
API v2 out and Opsgenie, each against a local HTTP server that checks the
method, path, headers and body shape the provider documents. PagerDuty and
Opsgenie get one event per alert, and the alert's resolve reuses its
dedup_key / alias. No secret reaches the log."""

import base64
import json
import subprocess
import unittest

from harness import ROTACTL, Rotad, Sink, Workdir, wait_until

CONFIG = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
global: {{external_url: 'https://rota.example'}}
channels:
  - {{name: teams, type: msteams, url: '{base}/teams'}}
  - {{name: tg, type: telegram, api_url: '{base}/', bot_token_file: tg_token}}
  - {{name: push, type: ntfy, url: '{base}/rota-topic', username: rota, password_file: ntfy_pw}}
  - {{name: mm, type: mattermost, url: '{base}/mm'}}
  - {{name: pd, type: pagerduty, url: '{base}/pd/v2/enqueue', routing_key_file: pd_key}}
  - {{name: og, type: opsgenie, url: '{base}/og', api_key_file: og_key}}
people:
  - id: ann
    hours: [{{}}]
    contacts: [{{channel: teams, to: ann}}, {{channel: tg, to: '4242'}}, {{channel: push, to: ann}},
               {{channel: mm, to: '@ann'}}, {{channel: pd, to: vendor}}, {{channel: og, to: vendor}}]
routes: [{{name: r, group_wait: 1s, group_by: ['service'], escalation: e}}]
escalations: [{{name: e, steps: [{{notify: ['person:ann'], escalate_after: 1h}}]}}]
"""

SECRETS = ["TG-TOKEN-123:abc", "ntfy-pw-456", "PD-ROUTING-KEY-789", "OG-API-KEY-012"]


class ChatChannelsTest(unittest.TestCase):
    def test_each_channel_sends_its_documented_shape(self):
        sink = Sink()
        self.addCleanup(sink.close)
        w = Workdir(rules=None)
        self.addCleanup(w.cleanup)
        for name, value in zip(("tg_token", "ntfy_pw", "pd_key", "og_key"), SECRETS):
            w.write(name, value + "\n")
        w.write("rota.yaml", CONFIG.format(state=w.state, base=sink.url.replace("/notify", "")))
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        ids = []
        for name in ("DiskFull", "CpuHot"):
            status, _, body = d.request("POST", "/api/v1/events", body=json.dumps(
                {"labels": {"alertname": name, "service": "db", "severity": "critical", "instance": "db-1"},
                 "annotations": {"summary": "%s on db-1" % name}}))
            self.assertEqual(status, 202, body)
            ids.append(json.loads(body)["alerts"][0]["id"])
        ack = "https://rota.example/api/v1/alerts/%s/ack" % ids[0]

        # Teams: one Adaptive Card for the group, with an Acknowledge button.
        teams = sink.wait_for(lambda m: m["path"] == "/teams", "the Teams card")[0]
        self.assertEqual(teams["method"], "POST")
        self.assertEqual(teams["headers"]["Content-Type"], "application/json")
        self.assertEqual(teams["json"]["type"], "message")
        att = teams["json"]["attachments"][0]
        self.assertEqual(att["contentType"], "application/vnd.microsoft.card.adaptive")
        card = att["content"]
        self.assertEqual((card["type"], card["version"]), ("AdaptiveCard", "1.4"))
        self.assertEqual(card["body"][0]["text"], "Alert: DiskFull")
        self.assertIn("CpuHot on db-1", card["body"][1]["text"])
        self.assertEqual(card["actions"], [{"type": "Action.OpenUrl", "title": "Acknowledge", "url": ack}])

        # Telegram: sendMessage on the bot's path, to the contact's chat id.
        tg = sink.wait_for(lambda m: m["path"].endswith("/sendMessage"), "the Telegram message")[0]
        self.assertEqual(tg["path"], "/bot%s/sendMessage" % SECRETS[0])
        self.assertEqual(tg["json"]["chat_id"], "4242")
        self.assertIn("DiskFull: DiskFull on db-1 (firing)", tg["json"]["text"])
        self.assertIn("acknowledge: " + ack, tg["json"]["text"])

        # ntfy: text body, title, priority from severity, tags, an action, basic auth.
        push = sink.wait_for(lambda m: m["path"] == "/rota-topic", "the ntfy push")[0]
        h = push["headers"]
        self.assertTrue(h["Content-Type"].startswith("text/plain"))
        self.assertEqual((h["Title"], h["Priority"], h["Tags"]), ("Alert: DiskFull", "5", "rotating_light"))
        self.assertEqual(h["Actions"], "view, Acknowledge, %s, clear=true" % ack)
        self.assertEqual(h["Authorization"], "Basic " + base64.b64encode(b"rota:" + SECRETS[1].encode()).decode())
        self.assertIn("CpuHot", push["body"])

        # Mattermost: Slack-compatible {"text"} in Markdown.
        mm = sink.wait_for(lambda m: m["path"] == "/mm", "the Mattermost post")[0]
        self.assertTrue(mm["json"]["text"].startswith("**Alert** (route r, step 1)"))
        self.assertIn("[acknowledge](%s)" % ack, mm["json"]["text"])

        # PagerDuty: one trigger per alert, dedup_key per alert.
        pd = sink.wait_for(lambda m: m["path"] == "/pd/v2/enqueue", "the PagerDuty events")
        wait_until(lambda: len(sink.messages(lambda m: m["path"] == "/pd/v2/enqueue")) == 2, "both PagerDuty events")
        pd = sorted(sink.messages(lambda m: m["path"] == "/pd/v2/enqueue"), key=lambda m: m["json"]["dedup_key"])
        for event, aid, name in zip(pd, ids, ("DiskFull", "CpuHot")):
            doc = event["json"]
            self.assertEqual((doc["routing_key"], doc["event_action"], doc["dedup_key"]),
                             (SECRETS[2], "trigger", "rota-" + aid))
            self.assertEqual(doc["payload"]["summary"], "%s: %s on db-1" % (name, name))
            self.assertEqual((doc["payload"]["severity"], doc["payload"]["source"]), ("critical", "db-1"))
            self.assertEqual(doc["payload"]["custom_details"]["rota_alert_id"], aid)
            self.assertEqual(doc["links"][0]["href"], "https://rota.example/api/v1/alerts/%s/ack" % aid)

        # Opsgenie: create by alias, with the key in GenieKey.
        wait_until(lambda: len(sink.messages(lambda m: m["path"] == "/og/v2/alerts")) == 2, "both Opsgenie alerts")
        og = sorted(sink.messages(lambda m: m["path"] == "/og/v2/alerts"), key=lambda m: m["json"]["alias"])
        self.assertEqual(og[0]["headers"]["Authorization"], "GenieKey " + SECRETS[3])
        self.assertEqual((og[0]["json"]["alias"], og[0]["json"]["priority"], og[0]["json"]["message"]),
                         ("rota-" + ids[0], "P1", "DiskFull"))
        self.assertEqual(og[0]["json"]["details"]["service"], "db")

        # Resolved: the same dedup_key resolves at PagerDuty; Opsgenie closes by alias.
        status, _, body = d.request("POST", "/api/v1/alerts/%s/resolve" % ids[0], body='{"by": "ann"}')
        self.assertEqual(status, 200, body)
        resolve = sink.wait_for(lambda m: m["path"] == "/pd/v2/enqueue" and m["json"]["event_action"] == "resolve",
                                "the PagerDuty resolve")[0]["json"]
        self.assertEqual((resolve["dedup_key"], resolve["routing_key"]), ("rota-" + ids[0], SECRETS[2]))
        self.assertNotIn("payload", resolve)
        close = sink.wait_for(lambda m: m["path"] == "/og/v2/alerts/rota-%s/close?identifierType=alias" % ids[0],
                              "the Opsgenie close")[0]
        self.assertEqual(close["json"]["source"], "rota")
        for name, path in (("Teams", "/teams"), ("ntfy", "/rota-topic")):
            sink.wait_for(lambda m: m["path"] == path and "Resolved" in m["body"], "the %s resolved notice" % name)

        log = d.log()
        for secret in SECRETS:
            self.assertNotIn(secret, log)


class ChannelTargetTest(unittest.TestCase):
    def test_a_step_reaches_the_provider_when_nobody_is_on(self):
        sink = Sink()
        self.addCleanup(sink.close)
        w = Workdir(rules=None)
        self.addCleanup(w.cleanup)
        w.write("pd_key", SECRETS[2])
        w.write("rota.yaml", """\
server: {listen: '127.0.0.1:0'}
storage: {dir: '%s'}
channels: [{name: pd, type: pagerduty, url: '%s', routing_key_file: pd_key}]
people: [{id: bob, hours: [{years: ['2020']}]}]
teams: [{id: night, members: [bob]}]
routes: [{name: r, group_wait: 0s, group_by: ['...'], escalation: vendor}]
escalations:
  - name: vendor
    when_nobody_on_duty: next
    steps: [{notify: ['person:bob'], escalate_after: 30m}, {notify: ['channel:pd']}]
""" % (w.state, sink.url))
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        status, _, body = d.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": "Night"}}))
        self.assertEqual(status, 202, body)
        alert = json.loads(body)["alerts"][0]
        self.assertEqual((alert["status"], alert["notified"]), ("notified", ["channel:pd"]))
        event = sink.wait_for(lambda m: m["json"]["event_action"] == "trigger", "the trigger")[0]["json"]
        self.assertEqual(event["dedup_key"], "rota-" + alert["id"])
        status, _, body = d.request("GET", "/api/v1/alerts/" + alert["id"])
        whats = [e["what"] for e in json.loads(body)["timeline"]]
        notified = [w for w in whats if "notified channel:pd" in w]
        self.assertEqual(len(notified), 1, whats)
        self.assertTrue(notified[0].startswith("step 2 (channel:pd): notified channel:pd (a channel: no hours)"),
                        notified[0])
        # Taken in rota: the provider hears it (acknowledge), then the resolve.
        status, _, body = d.request("POST", "/api/v1/alerts/%s/ack" % alert["id"], body='{"by": "bob"}')
        self.assertEqual(status, 200, body)
        ack = sink.wait_for(lambda m: m["json"]["event_action"] == "acknowledge", "the acknowledge")[0]["json"]
        self.assertEqual(ack["dedup_key"], "rota-" + alert["id"])
        self.assertNotIn("payload", ack)
        status, _, body = d.request("POST", "/api/v1/alerts/%s/resolve" % alert["id"], body='{"by": "bob"}')
        self.assertEqual(status, 200, body)
        resolve = sink.wait_for(lambda m: m["json"]["event_action"] == "resolve", "the resolve")[0]["json"]
        self.assertEqual(resolve["dedup_key"], "rota-" + alert["id"])

        # Shown as the exception in coverage and in a drill.
        status, _, body = d.request("GET", "/api/v1/coverage?team=night")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["channel_targets"],
                         [{"route": "r", "escalation": "vendor", "step": 2, "channel": "pd"}])
        out = subprocess.run([ROTACTL, "coverage", "--config", w.config, "--team", "night"],
                             capture_output=True, text=True)
        self.assertIn("channel:pd (escalation vendor, step 2, route r) is reached at any hour: "
                      "a channel has no hours", out.stdout)
        out = subprocess.run([ROTACTL, "drill", "--url", "http://127.0.0.1:%d" % d.port],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("notified channel:pd\n", out.stdout)
        self.assertIn("channel:pd via pd: delivered [HTTP 200]", out.stdout)
        self.assertIn("channel:pd is a channel: no hours (the one explicit exception to hours are law)", out.stdout)


class ContactDelayTest(unittest.TestCase):
    def test_a_later_contact_only_if_still_unacknowledged(self):
        sink = Sink()
        self.addCleanup(sink.close)
        w = Workdir(rules=None)
        self.addCleanup(w.cleanup)
        base = sink.url.replace("/notify", "")
        w.write("rota.yaml", """\
server: {listen: '127.0.0.1:0'}
storage: {dir: '%s'}
channels:
  - {name: chat, type: webhook, url: '%s/chat'}
  - {name: phone, type: webhook, url: '%s/phone'}
people:
  - id: ann
    hours: [{}]
    contacts: [{channel: chat, to: ann-chat}, {channel: phone, to: ann-phone, after: 20s}]
routes: [{name: r, group_wait: 0s, group_by: ['...'], escalation: e}]
escalations: [{name: e, steps: [{notify: ['person:ann'], escalate_after: 1h}]}]
""" % (w.state, base, base))
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        ids = {}
        for name in ("Acked", "Open"):
            status, _, body = d.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": name}}))
            self.assertEqual(status, 202, body)
            ids[name] = json.loads(body)["alerts"][0]["id"]
        status, _, body = d.request("POST", "/api/v1/alerts/%s/ack" % ids["Acked"], body='{"by": "ann"}')
        self.assertEqual(status, 200, body)
        # Both reach the first contact at once.
        wait_until(lambda: len(sink.messages(lambda m: m["path"] == "/chat")) == 2, "both on the first contact")

        def timeline(aid):
            return [e["what"] for e in json.loads(d.request("GET", "/api/v1/alerts/" + aid)[2])["timeline"]]

        # The acknowledged one never reaches the later contact; the open one does.
        wait_until(lambda: any(w.startswith("not sent to ann via phone: acknowledged or resolved")
                               for w in timeline(ids["Acked"])), "the later contact skipped for the acked alert", timeout=90)
        phone = sink.wait_for(lambda m: m["path"] == "/phone", "the later contact for the open alert", timeout=90)
        self.assertEqual([m["json"]["alerts"][0]["id"] for m in phone], [ids["Open"]])
        self.assertEqual(phone[0]["json"]["after_seconds"], 20)
        first = [m for m in sink.messages(lambda m: m["path"] == "/chat")
                 if m["json"]["alerts"][0]["id"] == ids["Open"]][0]
        self.assertLess(first["at"], phone[0]["at"])  # in order: the first contact, then the later one
        wait_until(lambda: any("delivered to ann via phone" in w for w in timeline(ids["Open"])),
                   "the later delivery on the timeline")


class ChannelConfigTest(unittest.TestCase):
    def test_missing_keys_and_keys_of_other_types_are_named(self):
        w = Workdir(rules=None)
        self.addCleanup(w.cleanup)
        w.write("rota.yaml", """\
channels:
  - {name: tg, type: telegram}
  - {name: pd, type: pagerduty, bot_token_file: x}
  - {name: push, type: ntfy, url: 'http://127.0.0.1:1/t', username: u}
  - {name: og, type: opsgenie, api_key_file: missing_key}
  - {name: teams, type: msteams}
  - {name: list, type: pagerduty, routing_key_file: missing_key}
teams: [{id: t, members: []}]
reviews: [{team: t, at: 'mon 09:00', to: ['channel:list']}]
""")
        out = subprocess.run([ROTACTL, "check", "config", w.config], capture_output=True, text=True)
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        err = out.stdout + out.stderr
        for fragment in ("2:5: a telegram channel needs bot_token_file",
                         '3:5: a pagerduty channel needs routing_key_file',
                         '3:49: key "bot_token_file" is only for telegram and slack channels, not pagerduty',
                         "4:69: username needs password_file",
                         "5:46: cannot read",  # the unreadable key file, named at its key
                         "6:5: missing url or url_file",
                         'channel "list" is a pagerduty channel, which takes alerts, not reports'):
            self.assertIn(fragment, err)


if __name__ == "__main__":
    unittest.main()
