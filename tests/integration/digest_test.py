"""Scheduled review digests through the real binary: a digest is
delivered on schedule to the real SMTP test server (python3-aiosmtpd), to a
webhook and to a Slack-style receiver, for the period that ends at its
occurrence; one whose occurrence passed while rotad was down is sent once at
start-up; and no digest is sent twice across restarts. Times are real: the
schedules are set to the next minutes of the wall clock."""

import datetime
import json
import time
import unittest

from harness import Rotad, SmtpServer, Sink, Workdir, sample, wait_until

UTC = datetime.timezone.utc
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

CONFIG = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
global: {{external_url: 'https://rota.example.org'}}
channels:
  - {{name: mail, type: email, smarthost: '127.0.0.1:{smtp}', from: 'rota@example.org', require_tls: false,
     to: 'reviews@example.org'}}
  - {{name: hook, type: webhook, url: '{hook}'}}
  - {{name: chat, type: slack, url: '{chat}'}}
people:
  - {{id: ann, timezone: Europe/Berlin, hours: [{{}}], contacts: [{{channel: mail, to: ann@example.org}}]}}
teams:
  - {{id: payments, name: Payments, timezone: UTC, members: [ann], support_hours: [{{}}]}}
routes:
  - {{name: pay, matchers: ['team="payments"'], group_by: ['...'], group_wait: 0s, escalation: pay}}
escalations:
  - {{name: pay, steps: [{{notify: ['team:payments']}}]}}
reviews:
  - {{team: payments, every: 1w, at: '{at1}', to: ['person:ann', 'channel:mail', 'channel:hook', 'channel:chat']}}
  - {{team: payments, every: 1w, at: '{at2}', timezone: UTC, to: ['channel:mail']}}
"""


def rfc3339(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def at_of(t):
    return "%s %s" % (DAYS[t.weekday()][:3], t.strftime("%H:%M"))


def subject(m):
    return str(m["message"]["Subject"])


class DigestTest(unittest.TestCase):
    def test_on_schedule_missed_while_down_and_once(self):
        smtp = SmtpServer()
        self.addCleanup(smtp.close)
        hook = Sink()
        self.addCleanup(hook.close)
        chat = Sink()
        self.addCleanup(chat.close)
        work = Workdir(rules=None)
        self.addCleanup(work.cleanup)
        # The first minute at least 25 s away, and the one after it.
        now = datetime.datetime.now(UTC)
        t1 = (now + datetime.timedelta(seconds=85)).replace(second=0, microsecond=0)
        t2 = t1 + datetime.timedelta(minutes=1)
        work.write("rota.yaml", CONFIG.format(state=work.state, smtp=smtp.port, hook=hook.url,
                                              chat=chat.url.replace("/notify", "/chat"),
                                              at1=at_of(t1), at2=at_of(t2)))

        d = Rotad(work.config)
        try:
            # First seen: each schedule records its latest occurrence (a week
            # ago) and sends nothing for it.
            status, _, body = d.request("GET", "/api/v1/reviews")
            self.assertEqual(status, 200, body)
            reviews = json.loads(body)["reviews"]
            self.assertEqual([r["at"] for r in reviews], [at_of(t1), at_of(t2)])
            self.assertEqual(reviews[0]["last_period_end"], rfc3339(t1 - datetime.timedelta(days=7)))
            self.assertEqual(reviews[0]["next_at"], rfc3339(t1))
            self.assertEqual(reviews[1]["timezone"], "UTC")
            self.assertEqual(reviews[0]["timezone"], "UTC")  # the team's zone
            status, _, body = d.request("POST", "/api/v1/events",
                                        body=json.dumps({"labels": {"alertname": "Slow", "team": "payments"}}))
            self.assertEqual(status, 202, body)

            # On schedule: the mail to ann and to the channel's address, the
            # webhook JSON and the Slack text, for [t1 - 7 d, t1).
            mails = smtp.wait_for(lambda m: subject(m).startswith("[rota] Review of Payments"),
                                  "the digest by mail", timeout=150)
            wait_until(lambda: len(smtp.received(lambda m: "Review" in subject(m))) == 2,
                       "the digest to ann and to reviews@", timeout=30)
            mails = smtp.received(lambda m: "Review" in subject(m))
            self.assertEqual(sorted(m["rcpt_tos"][0] for m in mails), ["ann@example.org", "reviews@example.org"])
            msg = mails[0]["message"]
            self.assertEqual(msg["X-Rota-Kind"], "review")
            html = msg.get_body(("html",)).get_content()
            text = msg.get_body(("plain",)).get_content()
            url = ("https://rota.example.org/ui/report?team=payments&amp;from=%s&amp;to=%s"
                   % (rfc3339(t1 - datetime.timedelta(days=7)).replace(":", "%3A"),
                      rfc3339(t1).replace(":", "%3A")))
            self.assertIn('<a href="%s">Open the report</a>' % url, html)
            self.assertIn("Alerts by hour of the week", html)
            self.assertIn("<b>1</b> (1 while someone was on duty)", html)
            self.assertIn("Alerts: 1 (1 while someone was on duty)", text)
            self.assertIn(url.replace("&amp;", "&"), text)

            post = hook.wait_for(lambda m: m["json"]["kind"] == "review", "the digest by webhook", timeout=30)[0]
            doc = post["json"]
            self.assertEqual(doc["recipient"], "channel:hook")
            self.assertEqual(doc["report"]["team"], "payments")
            self.assertEqual((doc["report"]["from"], doc["report"]["to"]),
                             (rfc3339(t1 - datetime.timedelta(days=7)), rfc3339(t1)))
            self.assertEqual(doc["report"]["alerts"], 1)
            self.assertEqual(doc["review"]["url"], url.replace("&amp;", "&"))
            self.assertTrue(post["headers"]["Idempotency-Key"].startswith("review-"))

            slack = chat.wait_for(lambda m: "Review of" in m["json"]["text"], "the digest on Slack", timeout=30)[0]
            self.assertIn("*Review of Payments*", slack["json"]["text"])
            self.assertIn("|Open the report>", slack["json"]["text"])
            # Counted once its delivery is back on the strand: wait for it.
            delivered = 'rota_notifications_total{channel="mail",kind="review",outcome="delivered"}'
            wait_until(lambda: sample(d.metrics(), delivered) == 2, "both mail digests counted")
            self.assertEqual(sample(d.metrics(), delivered), 2)
        finally:
            d.stop()
        self.assertLess(time.time(), t2.timestamp(),
                        "this machine was too slow to stop rotad before the second schedule's minute")

        # Down across t2: the second schedule's digest is sent once at start-up.
        wait_until(lambda: time.time() > t2.timestamp() + 1, "the second schedule's minute to pass", timeout=90)
        d = Rotad(work.config)
        try:
            second = smtp.wait_for(lambda m: rfc3339(t2).replace(":", "%3A") in
                                   m["message"].get_body(("plain",)).get_content(),
                                   "the missed digest at start-up", timeout=30)
            self.assertEqual([m["rcpt_tos"] for m in second], [["reviews@example.org"]])
            wait_until(lambda: sample(d.metrics(), 'rota_notifications_total{channel="mail",kind="review",'
                                                   'outcome="delivered"}') == 1,
                       "the delivery counted", timeout=30)
        finally:
            d.stop()
        self.assertEqual(len(smtp.received(lambda m: "Review" in subject(m))), 3)

        # Once: after another restart both schedules know what they sent,
        # from the store, before anything could be sent again.
        d = Rotad(work.config)
        try:
            status, _, body = d.request("GET", "/api/v1/reviews")
            reviews = json.loads(body)["reviews"]
            self.assertEqual([r["last_period_end"] for r in reviews], [rfc3339(t1), rfc3339(t2)])
            self.assertEqual(reviews[0]["next_at"], rfc3339(t1 + datetime.timedelta(days=7)))
        finally:
            d.stop()
        self.assertEqual(len(smtp.received(lambda m: "Review" in subject(m))), 3)
        self.assertEqual(len(hook.messages(lambda m: m["json"]["kind"] == "review")), 1)


if __name__ == "__main__":
    unittest.main()
