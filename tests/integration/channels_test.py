"""Channels through the real rotad: email to a real SMTP server (Debian's
python3-aiosmtpd) with STARTTLS, AUTH and certificate checks, multipart text
+ HTML from templates; and per-channel lanes: a hanging receiver holds only
its own channel, max_concurrency and rate_limit are kept."""

import json
import os
import unittest

from harness import Rotad, Sink, SmtpServer, Workdir, make_certificate, sample, thread_names, wait_until


def post(d, doc):
    status, _, body = d.request("POST", "/api/v1/events", body=json.dumps(doc))
    assert status == 202, (status, body)
    return json.loads(body)["alerts"][0]["id"]


def timeline(d, aid):
    return [e["what"] for e in json.loads(d.request("GET", "/api/v1/alerts/" + aid)[2])["timeline"]]


def has_entry(d, aid, prefix):
    return lambda: any(w.startswith(prefix) for w in timeline(d, aid))


class EmailTest(unittest.TestCase):
    def setUp(self):
        self.w = Workdir(rules=None)
        self.addCleanup(self.w.cleanup)
        self.cert, self.key = make_certificate(self.w.path)

    def start(self, channels, contacts):
        self.w.write("rota.yaml", """\
server: {listen: '127.0.0.1:0'}
storage: {dir: '%s'}
global: {external_url: 'https://rota.example'}
channels:
%s
people: [{id: alice, hours: [{}], contacts: [%s]}]
routes: [{name: r, group_wait: 0s, group_by: ['...'], escalation: e}]
escalations: [{name: e, steps: [{notify: ['person:alice'], escalate_after: 1h}]}]
""" % (self.w.state, channels, contacts))
        d = Rotad(self.w.config)
        self.addCleanup(d.stop)
        return d

    def test_starttls_auth_and_multipart_text_and_html(self):
        smtp = SmtpServer(cert=(self.cert, self.key), auth=("rota", "s3cret-pw"))
        self.addCleanup(smtp.close)
        self.w.write("smtp_pw", "s3cret-pw\n")
        self.w.write("subject.mustache", "")
        self.w.write("text.mustache", "{{#alerts}}TEXT {{labels.alertname}}: {{annotations.summary}}{{/alerts}}")
        self.w.write("html.mustache", "<p>{{#alerts}}HTML {{annotations.summary}}{{/alerts}}</p>")
        common = ("type: email, smarthost: '127.0.0.1:%d', from: 'Rota <rota@example.com>', "
                  "auth_username: rota, auth_password_file: smtp_pw, ca_file: cert.pem" % smtp.port)
        d = self.start(
            "  - {name: mail, %s}\n"
            "  - {name: mail-custom, %s, subject: '{{#alerts}}{{labels.alertname}}{{/alerts}} für {{recipient}}',\n"
            "     template_file: text.mustache, html_template_file: html.mustache}" % (common, common),
            "{channel: mail, to: alice@example.com}, {channel: mail-custom, to: alice+custom@example.com}")
        aid = post(d, {"labels": {"alertname": "CheckoutDown"},
                       "annotations": {"summary": "checkout & <refunds> fail"}})

        default = smtp.wait_for(lambda m: m["rcpt_tos"] == ["alice@example.com"], "the default email")[0]
        self.assertTrue(default["tls"], "STARTTLS before MAIL")
        self.assertTrue(default["authenticated"])
        self.assertEqual(default["mail_from"], "rota@example.com")
        msg = default["message"]
        self.assertEqual(msg["From"], "Rota <rota@example.com>")
        self.assertEqual(msg["To"], "alice@example.com")
        self.assertEqual(msg["Subject"], "[rota] Alert: CheckoutDown")
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertTrue(msg["X-Rota-Notification-Id"])
        self.assertIn(msg["X-Rota-Notification-Id"], msg["Message-ID"])
        self.assertIsNotNone(msg["Date"])
        alternatives = [p for p in msg.walk() if p.get_content_type() == "multipart/alternative"]
        self.assertEqual(len(alternatives), 1, msg.as_string())
        self.assertEqual([p.get_content_type() for p in alternatives[0].iter_parts()],
                         ["text/plain", "text/html"])
        text = msg.get_body(preferencelist=("plain",)).get_content()
        html = msg.get_body(preferencelist=("html",)).get_content()
        self.assertIn("An alert for you (route r, step 1; ", text)
        self.assertIn("* CheckoutDown (firing), since ", text)
        self.assertIn("  checkout & <refunds> fail\n", text, "plain text is not HTML-escaped")
        self.assertIn("Acknowledge: https://rota.example/api/v1/alerts/" + aid + "/ack", text)
        self.assertIn("checkout &amp; &lt;refunds&gt; fail", html, "HTML is escaped")
        self.assertIn('<a href="https://rota.example/api/v1/alerts/' + aid + "/ack", html)

        custom = smtp.wait_for(lambda m: m["rcpt_tos"] == ["alice+custom@example.com"], "the custom email")[0]
        msg = custom["message"]
        self.assertEqual(msg["Subject"], "CheckoutDown für alice", "non-ASCII subjects are RFC 2047 encoded")
        self.assertEqual(msg.get_body(preferencelist=("plain",)).get_content().strip(),
                         "TEXT CheckoutDown: checkout & <refunds> fail")
        self.assertEqual(msg.get_body(preferencelist=("html",)).get_content().strip(),
                         "<p>HTML checkout &amp; &lt;refunds&gt; fail</p>")

        wait_until(has_entry(d, aid, "delivered to alice via mail (SMTP 250"), "the delivery in the timeline")
        self.assertRegex(d.metrics(), r'rota_notifications_total\{channel="mail",kind="alert",outcome="delivered"\} 1')
        self.assertNotIn("s3cret-pw", d.log())

    def test_tls_and_certificates_are_checked_and_550_is_final(self):
        plain = SmtpServer()  # offers no STARTTLS
        self.addCleanup(plain.close)
        tls = SmtpServer(cert=(self.cert, self.key))
        self.addCleanup(tls.close)
        other = os.path.join(self.w.path, "other")
        os.mkdir(other)
        make_certificate(other)  # a CA that did not sign the server's certificate
        picky = SmtpServer(reject=("nobody@example.com",))
        self.addCleanup(picky.close)
        d = self.start(
            "  - {name: notls, type: email, smarthost: '127.0.0.1:%d', from: rota@example.com, retry_max_age: 1s}\n"
            "  - {name: wrongca, type: email, smarthost: '127.0.0.1:%d', from: rota@example.com, retry_max_age: 1s,\n"
            "     ca_file: other/cert.pem}\n"
            "  - {name: picky, type: email, smarthost: '127.0.0.1:%d', from: rota@example.com, require_tls: false}"
            % (plain.port, tls.port, picky.port),
            "{channel: notls, to: alice@example.com}, {channel: wrongca, to: alice@example.com},"
            "{channel: picky, to: nobody@example.com}")
        aid = post(d, {"labels": {"alertname": "Down"}})
        wait_until(has_entry(d, aid, "failed to alice via notls ("), "require_tls refusing a server without STARTTLS")
        wait_until(has_entry(d, aid, "failed to alice via wrongca ("), "an untrusted certificate refused")
        wait_until(has_entry(d, aid, "rejected to alice via picky (SMTP 550"), "550 as a final answer")
        entries = timeline(d, aid)
        notls = [w for w in entries if w.startswith("failed to alice via notls")][0]
        self.assertIn("gave up after retry_max_age", notls)
        self.assertIn("STARTTLS", notls)
        wrongca = [w for w in entries if w.startswith("failed to alice via wrongca")][0]
        self.assertRegex(wrongca, "(?i)certificate")
        self.assertIn("rejected to alice via picky (SMTP 550: ", "\n".join(entries))
        self.assertIn("1 attempt)", [w for w in entries if "via picky" in w][0])
        self.assertEqual(plain.received(), [])
        self.assertEqual(tls.received(), [])
        self.assertEqual(picky.received(), [])


class WebhookTlsTest(unittest.TestCase):
    """webhook and slack trust exactly ca_file when it is set; otherwise the system's CAs."""

    def test_ca_file_is_trusted_and_other_cas_are_not(self):
        w = Workdir(rules=None)
        self.addCleanup(w.cleanup)
        cert, key = make_certificate(w.path)
        sink = Sink(tls=(cert, key))
        self.addCleanup(sink.close)
        other = os.path.join(w.path, "other")
        os.mkdir(other)
        make_certificate(other)
        w.write("rota.yaml", """\
server: {listen: '127.0.0.1:0'}
storage: {dir: '%s'}
channels:
  - {name: hook, type: webhook, url: '%s', ca_file: cert.pem}
  - {name: chat, type: slack, url: '%s', ca_file: cert.pem}
  - {name: hook-system, type: webhook, url: '%s', retry_max_age: 1s}
  - {name: hook-wrong, type: webhook, url: '%s', ca_file: other/cert.pem, retry_max_age: 1s}
people: [{id: alice, hours: [{}], contacts: [{channel: hook, to: a}, {channel: chat, to: '@U1'},
                                            {channel: hook-system, to: a}, {channel: hook-wrong, to: a}]}]
routes: [{name: r, group_wait: 0s, group_by: ['...'], escalation: e}]
escalations: [{name: e, steps: [{notify: ['person:alice'], escalate_after: 1h}]}]
""" % (w.state, sink.url, sink.url, sink.url, sink.url))
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        aid = post(d, {"labels": {"alertname": "Down"}})
        wait_until(has_entry(d, aid, "delivered to alice via hook ("), "webhook over HTTPS with ca_file")
        wait_until(has_entry(d, aid, "delivered to alice via chat ("), "slack over HTTPS with ca_file")
        wait_until(has_entry(d, aid, "failed to alice via hook-system ("), "the system CAs refusing the test CA")
        wait_until(has_entry(d, aid, "failed to alice via hook-wrong ("), "another CA refused")
        wrong = [e for e in timeline(d, aid) if "via hook-wrong" in e][0]
        self.assertRegex(wrong, "(?i)certificate|SSL")
        self.assertEqual(len(sink.messages()), 2)
        self.assertIn("text", sink.messages(lambda m: "text" in (m["json"] or {}))[0]["json"])


class LaneTest(unittest.TestCase):
    """One lane per channel: limits hold, a hanging receiver holds only its own."""

    def sink(self):
        sink = Sink()
        self.addCleanup(sink.close)
        return sink

    def start(self, config):
        """Starts rotad on `config` (the keys after server and storage)."""
        w = Workdir(rules=None)
        self.addCleanup(w.cleanup)
        w.write("rota.yaml", "server: {listen: '127.0.0.1:0'}\nstorage: {dir: '%s'}\n" % w.state + config)
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        return d

    def test_a_hanging_receiver_holds_only_its_own_channel_and_at_most_max_concurrency(self):
        slow = self.sink()
        slow.gate.clear()  # every request hangs until the test lets it go
        fast = self.sink()
        d = self.start("""\
channels:
  - {name: slow, type: webhook, url: '%s', max_concurrency: 2, timeout: 60s}
  - {name: fast, type: webhook, url: '%s'}
people:
  - {id: p1, hours: [{}], contacts: [{channel: slow, to: p1}]}
  - {id: p2, hours: [{}], contacts: [{channel: fast, to: p2}]}
routes:
  - {name: to-p1, matchers: ['who="p1"'], group_wait: 0s, group_by: ['...'], escalation: p1}
  - {name: to-p2, matchers: ['who="p2"'], group_wait: 0s, group_by: ['...'], escalation: p2}
escalations:
  - {name: p1, steps: [{notify: ['person:p1'], escalate_after: 1h}]}
  - {name: p2, steps: [{notify: ['person:p2'], escalate_after: 1h}]}
""" % (slow.url, fast.url))
        for i in range(12):  # more than the lane's max_concurrency
            post(d, {"labels": {"alertname": "Slow%d" % i, "who": "p1"}})
        wait_until(lambda: slow.arrived >= 2, "two sends hanging at the slow receiver")
        post(d, {"labels": {"alertname": "Fast", "who": "p2"}})
        fast.wait_for(lambda m: True, "the fast channel's message while the slow one hangs")
        self.assertEqual(slow.arrived, 2, "max_concurrency: 2 sends at once, the rest wait in their lane")
        # The metrics count all twelve: two the receiver has not answered, ten
        # waiting in the lane (refreshed every 5 s).
        wait_until(lambda: sample(d.metrics(), 'rota_outbox_pending{channel="slow"}') == 12,
                   "rota_outbox_pending counts what a hung receiver holds up")
        self.assertGreater(sample(d.metrics(), 'rota_outbox_oldest_pending_seconds{channel="slow"}'), 0)
        slow.gate.set()
        wait_until(lambda: len(slow.messages()) == 12, "all of the slow channel's messages")
        self.assertEqual(slow.max_in_flight, 2)
        # One thread per lane, named for `top -H`, beside the daemon's own.
        names = thread_names(d.proc.pid)
        for name in ("http", "engine", "store", "checkpoint", "n:slow", "n:fast"):
            self.assertIn(name, names)
        self.assertEqual(names.count("n:slow"), 1, names)

    def test_rate_limit_spaces_sends(self):
        sink = self.sink()
        d = self.start("""\
channels: [{name: hooks, type: webhook, url: '%s', rate_limit: 4, rate_burst: 2}]
people: [{id: p, hours: [{}], contacts: [{channel: hooks, to: p}]}]
routes: [{name: r, group_wait: 0s, group_by: ['...'], escalation: e}]
escalations: [{name: e, steps: [{notify: ['person:p'], escalate_after: 1h}]}]
""" % sink.url)
        body = json.dumps({"events": [{"labels": {"alertname": "A%d" % i}} for i in range(10)]})
        self.assertEqual(d.request("POST", "/api/v1/events", body=body)[0], 202)
        wait_until(lambda: len(sink.messages()) == 10, "all ten messages")
        at = sorted(m["at"] for m in sink.messages())
        # A bucket of 2 refilled at 4/s: the n-th send (from 0) cannot come
        # before (n - 2 + 1) / 4 s after the first. Lower bounds only: a slow
        # machine cannot make this fail.
        for n in range(2, 10):
            self.assertGreaterEqual(at[n] - at[0], (n - 1) / 4 - 0.05, "send %d came too early" % n)


if __name__ == "__main__":
    unittest.main()
