"""Buttons in chat through the real rotad: a Slack
channel with a signing secret sends Acknowledge / Resolve buttons (Block
Kit) and a Mattermost channel with an actions token sends message actions;
POST /slack/interactions acts only on a request signed with the secret
(HMAC-SHA256 of v0:timestamp:body, built here), fresh, never replayed, from a
Slack user who is a rota person, and then updates the original message
through its response_url; POST /mattermost/actions acts only with the
channel's token. Every refusal changes nothing."""

import hashlib
import hmac
import http.client
import json
import socket
import time
import unittest
import urllib.parse

from harness import Rotad, Sink, Workdir, wait_until

SECRET = "8f1c0e2b9a7d4c3e5f6a7b8c9d0e1f2a"
TOKEN = "mm-actions-token-0123456789"

CONFIG = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
global: {{external_url: 'https://rota.example'}}
channels:
  - {{name: slack, type: slack, url: '{base}/slack', signing_secret_file: slack_secret}}
  - {{name: mm, type: mattermost, url: '{base}/mm', actions_token_file: mm_token}}
people:
  - {{id: ann, hours: [{{}}], contacts: [{{channel: slack, to: '@U0ANN'}}, {{channel: mm, to: '@ann'}}]}}
teams: [{{id: ops, members: [ann]}}]
routes: [{{name: r, group_wait: 0s, group_by: ['...'], escalation: e}}]
escalations: [{{name: e, steps: [{{notify: ['person:ann'], escalate_after: 1h}}]}}]
"""


class ChatButtonsTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink()
        self.addCleanup(self.sink.close)
        w = Workdir(rules=None)
        self.addCleanup(w.cleanup)
        w.write("slack_secret", SECRET)
        w.write("mm_token", TOKEN)
        self.base = self.sink.url.replace("/notify", "")
        w.write("rota.yaml", CONFIG.format(state=w.state, base=self.base))
        self.d = Rotad(w.config)
        self.addCleanup(self.d.stop)

    def fire(self, name):
        status, _, body = self.d.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": name}}))
        self.assertEqual(status, 202, body)
        return json.loads(body)["alerts"][0]["id"]

    def delivered(self, aid, channel):
        """Waits until rotad has recorded a delivery of the alert through `channel`."""
        def done():
            doc = json.loads(self.d.request("GET", "/api/v1/alerts/" + aid)[2])
            return any(d["channel"] == channel and d["state"] == "delivered" for d in doc["deliveries"])
        wait_until(done, "alert %s delivered through %s" % (aid, channel))

    def state(self, aid):
        return json.loads(self.d.request("GET", "/api/v1/alerts/" + aid)[2])["state"]

    def slack(self, payload, ts=None, secret=SECRET, body=None):
        body = body or "payload=" + urllib.parse.quote_plus(json.dumps(payload))
        ts = str(int(time.time()) if ts is None else ts)
        sig = "v0=" + hmac.new(secret.encode(), ("v0:%s:%s" % (ts, body)).encode(), hashlib.sha256).hexdigest()
        status, _, resp = self.d.request("POST", "/slack/interactions", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
        return status, resp, body, ts, sig

    def action(self, aid, verb="ack", user="U0ANN"):
        return {"type": "block_actions", "user": {"id": user},
                "actions": [{"action_id": "rota_%s_%s" % (verb, aid), "value": "%s:%s" % (verb, aid)}],
                "response_url": self.base + "/slack-response", "message": {"text": "Alert: Down"}}

    def test_slack_buttons_act_only_when_signed_fresh_once_and_known(self):
        aid = self.fire("Down")
        other = self.fire("Other")
        msg = self.sink.wait_for(lambda m: m["path"] == "/slack" and
                                 any("rota_ack_" + aid == e["action_id"]
                                     for b in m["json"].get("blocks", []) for e in b.get("elements", [])),
                                 "the Slack message with buttons")[0]["json"]
        elements = msg["blocks"][1]["elements"]
        self.assertEqual([e["value"] for e in elements], ["ack:" + aid, "resolve:" + aid])
        self.assertEqual(msg["blocks"][0]["text"]["text"], msg["text"])

        # Refused, and nothing changes: a wrong secret, a stale timestamp, an
        # unknown Slack user, a body changed after signing.
        status, resp, *_ = self.slack(self.action(other), secret="not-the-secret")
        self.assertEqual((status, json.loads(resp)["error"]), (403, "bad signature"))
        status, resp, *_ = self.slack(self.action(other), ts=int(time.time()) - 400)
        self.assertEqual(status, 403)
        self.assertIn("stale request", json.loads(resp)["error"])
        status, resp, *_ = self.slack(self.action(other, user="U0EVE"))
        self.assertEqual(status, 403)
        self.assertIn("Slack user U0EVE is not a rota person", json.loads(resp)["error"])
        _, _, body, ts, sig = self.slack(self.action(other, user="U0EVE"))
        tampered = body.replace("U0EVE", "U0ANN")
        status, _, resp = self.d.request("POST", "/slack/interactions", body=tampered, headers={
            "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
        self.assertEqual(status, 403, resp)
        self.assertEqual(self.state(other), "firing")

        # A good one acts, as ann, and updates the original message.
        self.delivered(aid, "slack")
        status, resp, body, ts, sig = self.slack(self.action(aid))
        self.assertEqual(status, 200, resp)
        self.assertEqual(self.state(aid), "acknowledged")
        whats = [e["what"] for e in json.loads(self.d.request("GET", "/api/v1/alerts/" + aid)[2])["timeline"]]
        self.assertTrue(any(w.startswith("acknowledged by ann") for w in whats), whats)
        update = self.sink.wait_for(lambda m: m["path"] == "/slack-response", "the message update")[0]["json"]
        self.assertEqual(update, {"replace_original": True, "text": "Alert: Down\nAcknowledged by ann (rota)"})
        # The same request again is a replay.
        status, _, resp = self.d.request("POST", "/slack/interactions", body=body, headers={
            "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
        self.assertEqual((status, json.loads(resp)["error"]), (403, "replayed request"))

    def test_a_response_url_that_never_answers_holds_up_nothing_for_long(self):
        # It accepts the connection (the kernel does) and never reads or answers.
        silent = socket.socket()
        self.addCleanup(silent.close)
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        aid = self.fire("Down")
        self.delivered(aid, "slack")
        payload = self.action(aid)
        payload["response_url"] = "http://127.0.0.1:%d/hang" % silent.getsockname()[1]
        status, resp, *_ = self.slack(payload)
        self.assertEqual(status, 200, resp)
        self.assertEqual(self.state(aid), "acknowledged")
        # The message update gives up after its 10 s timeout, and a report
        # (which runs on the same worker) answers.
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=120)
        self.addCleanup(conn.close)
        conn.request("GET", "/api/v1/report?team=ops")
        self.assertEqual(conn.getresponse().status, 200)
        wait_until(lambda: "cannot update the Slack message" in self.d.log(), "the update's timeout in the log")

    def test_mattermost_actions_act_only_with_the_token(self):
        aid = self.fire("Down")
        msg = self.sink.wait_for(lambda m: m["path"] == "/mm" and "attachments" in m["json"],
                                 "the Mattermost message with actions")[0]["json"]
        actions = msg["attachments"][0]["actions"]
        self.assertEqual([a["integration"]["url"] for a in actions], ["https://rota.example/mattermost/actions"] * 2)
        self.assertEqual(actions[1]["integration"]["context"], {"action": "resolve", "alert": aid, "token": TOKEN})

        def post(doc):
            status, _, resp = self.d.request("POST", "/mattermost/actions", body=json.dumps(doc))
            return status, json.loads(resp)

        status, resp = post({"user_name": "ann", "context": {"action": "resolve", "alert": aid, "token": "wrong"}})
        self.assertEqual((status, resp["error"]), (403, "bad actions token"))
        status, resp = post({"user_name": "eve", "context": {"action": "resolve", "alert": aid, "token": TOKEN}})
        self.assertEqual(status, 403)
        self.assertEqual(self.state(aid), "firing")
        self.delivered(aid, "mm")
        status, resp = post({"user_name": "ann", "context": {"action": "resolve", "alert": aid, "token": TOKEN}})
        self.assertEqual(status, 200, resp)
        self.assertEqual(resp["update"]["message"], "Resolved by ann (rota)")
        self.assertEqual(self.state(aid), "resolved")


TWO_TEAMS = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
global: {{external_url: 'https://rota.example'}}
channels:
  - {{name: slack-a, type: slack, url: '{base}/slack-a', signing_secret_file: secret_a}}
  - {{name: slack-b, type: slack, url: '{base}/slack-b', signing_secret_file: secret_b}}
  - {{name: mm-a, type: mattermost, url: '{base}/mm-a', actions_token_file: token_a}}
  - {{name: mm-b, type: mattermost, url: '{base}/mm-b', actions_token_file: token_b}}
people:
  - {{id: ann, hours: [{{}}], contacts: [{{channel: slack-a, to: '@U0ANN'}}, {{channel: mm-a, to: '@ann'}}]}}
  - {{id: bob, hours: [{{}}], contacts: [{{channel: slack-b, to: '@U0BOB'}}, {{channel: mm-b, to: '@bob'}}]}}
routes:
  - {{name: a, matchers: ['team="a"'], group_wait: 0s, group_by: ['...'], escalation: a}}
  - {{name: b, matchers: ['team="b"'], group_wait: 0s, group_by: ['...'], escalation: b}}
escalations:
  - {{name: a, steps: [{{notify: ['person:ann'], escalate_after: 1h}}]}}
  - {{name: b, steps: [{{notify: ['person:bob'], escalate_after: 1h}}]}}
"""


class ChannelScopeTest(ChatButtonsTest):
    """A chat request acts only as a person of the channel whose secret or
    token proved it, and only on an alert that channel was sent."""

    def setUp(self):
        self.sink = Sink()
        self.addCleanup(self.sink.close)
        w = Workdir(rules=None)
        self.addCleanup(w.cleanup)
        w.write("secret_a", "a" * 32)
        w.write("secret_b", "b" * 32)
        w.write("token_a", "mm-token-a-0123456789")
        w.write("token_b", "mm-token-b-0123456789")
        self.base = self.sink.url.replace("/notify", "")
        w.write("rota.yaml", TWO_TEAMS.format(state=w.state, base=self.base))
        self.d = Rotad(w.config)
        self.addCleanup(self.d.stop)

    def fire_for(self, team):
        status, _, body = self.d.request("POST", "/api/v1/events", body=json.dumps(
            {"labels": {"alertname": "Down", "team": team}}))
        self.assertEqual(status, 202, body)
        return json.loads(body)["alerts"][0]["id"]

    def test_a_slack_click_is_scoped_to_the_channel_that_signed_it(self):
        x, y = self.fire_for("a"), self.fire_for("b")
        self.delivered(x, "slack-a")
        self.delivered(y, "slack-b")
        # ann is a contact on slack-a only: signed with slack-b's secret she is nobody.
        status, resp, *_ = self.slack(self.action(y, user="U0ANN"), secret="b" * 32)
        self.assertEqual(status, 403, resp)
        self.assertIn("Slack user U0ANN is not a rota person on channel slack-b", json.loads(resp)["error"])
        # bob is slack-b's, but alert x was only ever sent through slack-a.
        status, resp, *_ = self.slack(self.action(x, user="U0BOB"), secret="b" * 32)
        self.assertEqual(status, 200, resp)  # Slack is answered; the message says why nothing happened
        update = self.sink.wait_for(lambda m: m["path"] == "/slack-response", "the message update")[0]["json"]
        self.assertIn("alert %s was not sent through channel slack-b" % x, update["text"])
        self.assertEqual((self.state(x), self.state(y)), ("firing", "firing"))
        self.assertIn('msg="Slack action from a user who is nobody in rota on its channel" '
                      "slack_user=U0ANN channel=slack-b", self.d.log())
        # Each on their own channel's alert: acts.
        status, resp, *_ = self.slack(self.action(y, user="U0BOB"), secret="b" * 32)
        self.assertEqual(status, 200, resp)
        self.assertEqual(self.state(y), "acknowledged")
        self.assertRegex(self.d.log(), r'msg="Slack action" alert=%s action=ack by=bob channel=slack-b status=200' % y)

    def test_a_mattermost_action_is_scoped_to_the_channel_whose_token_it_carries(self):
        x, y = self.fire_for("a"), self.fire_for("b")
        self.delivered(x, "mm-a")
        self.delivered(y, "mm-b")

        def post(user, alert, token):
            status, _, resp = self.d.request("POST", "/mattermost/actions", body=json.dumps(
                {"user_name": user, "context": {"action": "ack", "alert": alert, "token": token}}))
            return status, json.loads(resp)

        status, resp = post("ann", y, "mm-token-b-0123456789")
        self.assertEqual(status, 403)
        self.assertIn("Mattermost user ann is not a rota person on channel mm-b", resp["error"])
        status, resp = post("bob", x, "mm-token-b-0123456789")
        self.assertEqual(status, 200, resp)
        self.assertIn("alert %s was not sent through channel mm-b" % x, resp["update"]["message"])
        self.assertEqual((self.state(x), self.state(y)), ("firing", "firing"))
        status, resp = post("ann", x, "mm-token-a-0123456789")
        self.assertEqual(status, 200, resp)
        self.assertEqual(self.state(x), "acknowledged")

    # The single-channel tests of the base class need its own setUp.
    test_slack_buttons_act_only_when_signed_fresh_once_and_known = None
    test_a_response_url_that_never_answers_holds_up_nothing_for_long = None
    test_mattermost_actions_act_only_with_the_token = None


class SlackBotTest(unittest.TestCase):
    def start(self, answer, channel="C0OPS"):
        """rotad with a Slack bot channel whose Web API (a local sink) answers `answer`."""
        sink = Sink()
        self.addCleanup(sink.close)
        sink.answer = answer
        w = Workdir(rules=None)
        self.addCleanup(w.cleanup)
        w.write("bot_token", "xoxb-test-token-123")
        w.write("rota.yaml", """\
server: {listen: '127.0.0.1:0'}
storage: {dir: '%s'}
channels:
  - {name: slack, type: slack, bot_token_file: bot_token, channel: %s, api_url: '%s/api'}
people:
  - {id: ann, hours: [{}], contacts: [{channel: slack, to: '@U0ANN'}]}
routes: [{name: r, group_wait: 0s, group_by: ['...'], escalation: e}]
escalations: [{name: e, steps: [{notify: ['person:ann'], escalate_after: 1h}]}]
""" % (w.state, channel, sink.url.replace("/notify", "")))
        return sink, w

    def test_a_bot_posts_to_its_channel_and_follow_ups_go_into_the_thread(self):
        sink, w = self.start(b'{"ok": true, "channel": "C0OPS", "ts": "1700000000.000100"}')
        d = Rotad(w.config)
        try:
            status, _, body = d.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": "Down"}}))
            self.assertEqual(status, 202, body)
            aid = json.loads(body)["alerts"][0]["id"]
            first = sink.wait_for(lambda m: m["path"] == "/api/chat.postMessage", "the first message")[0]
            self.assertEqual(first["headers"]["Authorization"], "Bearer xoxb-test-token-123")
            self.assertEqual(first["json"]["channel"], "C0OPS")
            self.assertNotIn("thread_ts", first["json"])
            wait_until(lambda: any("delivered to ann via slack" in e["what"] for e in
                                   json.loads(d.request("GET", "/api/v1/alerts/" + aid)[2])["timeline"]),
                       "the delivery recorded")
        finally:
            d.stop()
        d = Rotad(w.config)  # the thread is stored with the alert
        try:
            status, _, body = d.request("POST", "/api/v1/alerts/%s/resolve" % aid, body='{"by": "ann"}')
            self.assertEqual(status, 200, body)
            follow = sink.wait_for(lambda m: m["path"] == "/api/chat.postMessage" and "Resolved" in m["json"]["text"],
                                   "the resolved notice")[0]
            self.assertEqual(follow["json"]["thread_ts"], "1700000000.000100")
            self.assertNotIn("xoxb-test-token-123", d.log())
        finally:
            d.stop()

    def test_an_answer_that_is_not_ok_is_final(self):
        _, w = self.start(b'{"ok": false, "error": "channel_not_found"}', channel="C0NOPE")
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        status, _, body = d.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": "Down"}}))
        aid = json.loads(body)["alerts"][0]["id"]
        wait_until(lambda: any(e["what"].startswith("rejected to ann via slack (Slack: channel_not_found")
                               for e in json.loads(d.request("GET", "/api/v1/alerts/" + aid)[2])["timeline"]),
                   "the rejection on the timeline")


if __name__ == "__main__":
    unittest.main()
