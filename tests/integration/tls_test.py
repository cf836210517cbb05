"""HTTPS on rotad's listener (server.tls): a CA and certificates made with the
openssl CLI at run time, real clients (Python's ssl, rotactl, Prometheus)
trusting that CA or not. All on 127.0.0.1, ports picked free at run time."""

import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import unittest
import urllib.parse

from harness import ROTACTL, Rotad, Sink, Workdir, free_port, sample, wait_until

PROMETHEUS = shutil.which("prometheus")


class Pki:
    """A throwaway CA in a folder, issuing EC P-256 certificates with openssl."""

    def __init__(self, directory, name="ca"):
        self.dir = directory
        self.ca_key = os.path.join(directory, name + ".key")
        self.ca = os.path.join(directory, name + ".pem")
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                      "-nodes", "-keyout", self.ca_key, "-out", self.ca, "-days", "2",
                      "-subj", "/CN=rota test %s" % name,
                      "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def _openssl(self, *args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    def stray_key(self, path):
        """A private key that belongs to no certificate, written to `path`."""
        self._openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)

    def issue(self, name, cn, server=True):
        """A certificate for `cn` (for 127.0.0.1 when server); returns (cert, key) paths."""
        key = os.path.join(self.dir, name + ".key")
        csr = os.path.join(self.dir, name + ".csr")
        cert = os.path.join(self.dir, name + ".pem")
        ext = os.path.join(self.dir, name + ".ext")
        with open(ext, "w") as f:
            if server:
                f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
            else:
                f.write("extendedKeyUsage=clientAuth\n")
        self._openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                      "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + cn)
        self._openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key,
                      "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext)
        return cert, key


def peer_cn(conn):
    """The CN of the certificate the server presented on an open connection."""
    cert = conn.sock.getpeercert()
    return dict(pair[0] for pair in cert["subject"])["commonName"]


def served_cn(d):
    """On a new connection: GET /-/healthy (must be 200) and the CN rotad serves."""
    conn = d.connection()
    try:
        conn.request("GET", "/-/healthy")
        reply = conn.getresponse()
        reply.read()
        assert reply.status == 200, reply.status
        return peer_cn(conn)
    finally:
        conn.close()


class TlsTestCase(unittest.TestCase):
    def setUp(self):
        self.work = Workdir(rules=None)
        self.addCleanup(self.work.cleanup)
        self.pki = Pki(self.work.path)
        self.cert, self.key = self.pki.issue("server", "rotad-1")
        self.trusting = ssl.create_default_context(cafile=self.pki.ca)

    def start(self, tls_extra="", extra="", listen="127.0.0.1:0", context=None):
        if "routes:" not in extra:  # rotad needs a route; these tests need no more
            extra += ("channels: [{name: log, type: log}]\nroutes: [{name: r, escalation: e}]\n"
                      "escalations: [{name: e, steps: [{notify: ['channel:log']}]}]\n")
        self.work.write("rota.yaml", """\
server:
  listen: '%s'
  tls: {cert_file: server.pem, key_file: server.key%s}
storage: {dir: '%s'}
%s""" % (listen, tls_extra, self.work.state, extra))
        d = Rotad(self.work.config, ssl_context=context or self.trusting)
        self.addCleanup(d.stop)
        return d

    def refused_handshakes(self, d):
        return sample(d.metrics(), 'rota_http_connections_refused_total{reason="tls_handshake"}')


class ListenerTest(TlsTestCase):
    def test_a_client_with_the_ca_is_served_one_without_is_refused(self):
        d = self.start()
        self.assertIn("scheme=https", d.log())
        conn = d.connection()
        conn.request("GET", "/-/ready")
        self.assertEqual(conn.getresponse().status, 200)
        self.assertEqual(conn.sock.version() in ("TLSv1.2", "TLSv1.3"), True)
        # The expiry metric is the served certificate's notAfter.
        not_after = ssl.cert_time_to_seconds(conn.sock.getpeercert()["notAfter"])
        conn.close()
        self.assertEqual(sample(d.metrics(), "rota_http_tls_certificate_expiry_timestamp_seconds"), not_after)

        before = self.refused_handshakes(d)
        with self.assertRaises(ssl.SSLCertVerificationError):  # the system's CAs do not know ours
            d.connection(ssl.create_default_context()).request("GET", "/-/ready")
        with self.assertRaises((http.client.HTTPException, ConnectionError)):  # plain HTTP to an HTTPS port
            conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
            conn.request("GET", "/-/ready")
            conn.getresponse()
        wait_until(lambda: self.refused_handshakes(d) >= before + 2, "both handshakes to be counted as refused")

    def test_tls_below_1_2_is_refused_and_1_2_is_served(self):
        d = self.start()
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname = False
        old.verify_mode = ssl.CERT_NONE
        old.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer TLS 1.1 at all
        old.minimum_version = ssl.TLSVersion.TLSv1_1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        before = self.refused_handshakes(d)
        with self.assertRaises(ssl.SSLError):
            d.connection(old).request("GET", "/-/ready")
        wait_until(lambda: self.refused_handshakes(d) > before, "rotad to refuse the TLS 1.1 handshake")

        tls12 = ssl.create_default_context(cafile=self.pki.ca)
        tls12.maximum_version = ssl.TLSVersion.TLSv1_2
        conn = d.connection(tls12)
        conn.request("GET", "/-/healthy")
        self.assertEqual(conn.getresponse().status, 200)
        self.assertEqual(conn.sock.version(), "TLSv1.2")
        conn.close()

    def test_console_cookies_are_secure_over_https(self):
        d = self.start()
        conn = d.connection()
        conn.request("GET", "/ui/")
        resp = conn.getresponse()
        resp.read()
        conn.close()
        self.assertEqual(resp.status, 200)
        cookie = resp.getheader("Set-Cookie")
        self.assertTrue(cookie.startswith("rota_session="), cookie)
        self.assertIn("; HttpOnly; SameSite=Strict; Secure", cookie)

    def test_default_external_url_is_https(self):
        sink = Sink()
        self.addCleanup(sink.close)
        port = free_port()
        d = self.start(listen="127.0.0.1:%d" % port,
                       extra="channels: [{name: hooks, type: webhook, url: '%s'}]\n"
                             "people: [{id: alice, hours: [{}], contacts: [{channel: hooks, to: alice}]}]\n"
                             "routes: [{name: r, group_wait: 0s, escalation: e}]\n"
                             "escalations: [{name: e, steps: [{notify: ['person:alice']}]}]\n" % sink.url)
        status, _, body = d.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": "Tls"}}))
        self.assertEqual(status, 202, body)
        aid = json.loads(body)["alerts"][0]["id"]
        msg = sink.wait_for(lambda m: True, "the webhook")[0]
        self.assertEqual(msg["json"]["alerts"][0]["ack_url"],
                         "https://127.0.0.1:%d/api/v1/alerts/%s/ack" % (port, aid))


class MutualTlsTest(TlsTestCase):
    def setUp(self):
        super().setUp()
        self.client_cert, self.client_key = self.pki.issue("client", "ops-laptop", server=False)
        other = Pki(self.work.path, name="other-ca")
        self.foreign_cert, self.foreign_key = other.issue("foreign", "intruder", server=False)
        self.with_cert = ssl.create_default_context(cafile=self.pki.ca)
        self.with_cert.load_cert_chain(self.client_cert, self.client_key)

    def test_require_refuses_clients_without_a_certificate_from_the_ca(self):
        d = self.start(tls_extra=", client_ca_file: ca.pem, client_auth: require", context=self.with_cert)
        status, _, _ = d.request("GET", "/-/ready")
        self.assertEqual(status, 200)
        foreign = ssl.create_default_context(cafile=self.pki.ca)
        foreign.load_cert_chain(self.foreign_cert, self.foreign_key)
        for context in (self.trusting, foreign):
            before = self.refused_handshakes(d)
            conn = d.connection(context)
            with self.assertRaises((ssl.SSLError, ConnectionError)):
                conn.request("GET", "/-/ready")
                conn.getresponse()  # TLS 1.3 reports the refusal on the first read
            conn.close()
            wait_until(lambda: self.refused_handshakes(d) > before, "the handshake to be refused")

    def test_rotactl_speaks_https_with_a_client_certificate(self):
        d = self.start(tls_extra=", client_ca_file: ca.pem, client_auth: require", context=self.with_cert)
        url = "https://127.0.0.1:%d" % d.port
        ok = subprocess.run([ROTACTL, "alerts", "--url", url, "--ca-file", self.pki.ca, "--cert-file",
                             self.client_cert, "--key-file", self.client_key, "-o", "json"],
                            capture_output=True, text=True)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(json.loads(ok.stdout)["alerts"], [])
        no_cert = subprocess.run([ROTACTL, "alerts", "--url", url, "--ca-file", self.pki.ca],
                                 capture_output=True, text=True)
        self.assertEqual(no_cert.returncode, 1)
        self.assertIn("rotactl: cannot", no_cert.stderr)
        # One PEM holding certificate and key serves as --cert-file alone.
        both = os.path.join(self.work.path, "client-both.pem")
        with open(self.client_cert) as cert, open(self.client_key) as key, open(both, "w") as f:
            f.write(cert.read() + key.read())
        ok = subprocess.run([ROTACTL, "alerts", "--url", url, "--ca-file", self.pki.ca, "--cert-file", both],
                            capture_output=True, text=True)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        key_alone = subprocess.run([ROTACTL, "alerts", "--url", url, "--ca-file", self.pki.ca,
                                    "--key-file", self.client_key], capture_output=True, text=True)
        self.assertEqual(key_alone.returncode, 1)
        self.assertIn("--key-file needs --cert-file", key_alone.stderr)


class RotactlTest(TlsTestCase):
    def test_rotactl_trusts_the_ca_it_is_given_and_checks_the_name(self):
        d = self.start()
        url = "https://127.0.0.1:%d" % d.port
        ok = subprocess.run([ROTACTL, "alerts", "--url", url, "--ca-file", self.pki.ca], capture_output=True, text=True)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        env = dict(os.environ, ROTA_CA_FILE=self.pki.ca, ROTA_URL=url)
        ok = subprocess.run([ROTACTL, "alerts"], capture_output=True, text=True, env=env)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        untrusted = subprocess.run([ROTACTL, "alerts", "--url", url], capture_output=True, text=True)
        self.assertEqual(untrusted.returncode, 1)
        self.assertIn("certificate verify failed", untrusted.stderr)
        # The certificate names 127.0.0.1 and localhost, not 127.0.0.2.
        other_name = subprocess.run([ROTACTL, "alerts", "--url", "https://127.0.0.2:%d" % d.port,
                                     "--ca-file", self.pki.ca], capture_output=True, text=True)
        if "Connection refused" not in other_name.stderr:  # some hosts route only 127.0.0.1
            self.assertEqual(other_name.returncode, 1)
            self.assertIn("certificate verify failed", other_name.stderr)


class ReloadTest(TlsTestCase):
    def test_reload_swaps_the_certificate_without_dropping_connections(self):
        d = self.start()
        held = d.connection()
        held.request("GET", "/-/healthy")
        held.getresponse().read()
        self.assertEqual(peer_cn(held), "rotad-1")

        self.pki.issue("server", "rotad-2")  # renewed in place, as certbot would
        held.request("POST", "/-/reload")
        reply = held.getresponse()
        self.assertEqual(reply.status, 200, reply.read())
        reply.read()
        wait_until(lambda: "CN=rotad-2" in d.log(), "the new certificate to be logged")
        self.assertEqual(served_cn(d), "rotad-2")
        # The connection opened before the reload is still served, on its old session.
        held.request("GET", "/-/healthy")
        self.assertEqual(held.getresponse().status, 200)
        self.assertEqual(peer_cn(held), "rotad-1")
        held.close()

        # A key that does not match fails the reload; the running certificate stays.
        self.pki.stray_key(os.path.join(self.work.path, "server.key"))
        status, _, body = d.request("POST", "/-/reload")
        self.assertEqual(status, 400, body)
        errors = json.loads(body)["errors"]
        self.assertTrue(any("rota.yaml:3:" in e and "is not the private key of cert_file" in e for e in errors), errors)
        self.assertEqual(d.metric("rota_config_last_reload_successful"), 0)
        self.assertEqual(served_cn(d), "rotad-2")

        # SIGHUP takes the same path: a good pair again, and the swap.
        self.pki.issue("server", "rotad-3")
        d.signal(signal.SIGHUP)
        wait_until(lambda: "CN=rotad-3" in d.log(), "SIGHUP to load the third certificate")
        self.assertEqual(served_cn(d), "rotad-3")
        self.assertEqual(d.metric("rota_config_last_reload_successful"), 1)

    def test_turning_tls_on_takes_a_restart(self):
        route = ("channels: [{name: log, type: log}]\nroutes: [{name: r, escalation: e}]\n"
                 "escalations: [{name: e, steps: [{notify: ['channel:log']}]}]\n")
        self.work.write("rota.yaml", "server: {listen: '127.0.0.1:0'}\nstorage: {dir: '%s'}\n" % self.work.state + route)
        d = Rotad(self.work.config)
        self.addCleanup(d.stop)
        self.work.write("rota.yaml", "server: {listen: '127.0.0.1:0', tls: {cert_file: server.pem, "
                                     "key_file: server.key}}\nstorage: {dir: '%s'}\n" % self.work.state + route)
        for _ in range(2):  # the second reload must not switch the listener either
            status, _, body = d.request("POST", "/-/reload")
            self.assertEqual(status, 200, body)
        self.assertIn("server.tls was turned on or off; that takes effect after a restart", d.log())
        self.assertNotIn("tls certificate loaded", d.log())
        self.assertEqual(d.request("GET", "/-/healthy")[0], 200, "still plain HTTP")


class AckLinkTest(TlsTestCase):
    def test_signed_ack_link_works_over_https(self):
        sink = Sink()
        self.addCleanup(sink.close)
        port = free_port()
        self.work.write("ack.key", "k" * 48 + "\n")
        d = self.start(listen="127.0.0.1:%d" % port, extra="""\
global: {external_url: 'https://127.0.0.1:%d', ack_key_file: ack.key, ack_link_ttl: 1h}
channels: [{name: hooks, type: webhook, url: '%s'}]
people: [{id: alice, hours: [{}], contacts: [{channel: hooks, to: alice}]}]
routes: [{name: r, group_wait: 0s, group_by: ['...'], escalation: e}]
escalations: [{name: e, steps: [{notify: ['person:alice'], escalate_after: 1h}]}]
""" % (port, sink.url))
        status, _, body = d.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": "Click"}}))
        self.assertEqual(status, 202, body)
        aid = json.loads(body)["alerts"][0]["id"]
        url = sink.wait_for(lambda m: True, "the webhook")[0]["json"]["alerts"][0]["ack_url"]
        self.assertRegex(url, r"^https://127\.0\.0\.1:%d/ack/%s/" % (port, aid))
        parsed = urllib.parse.urlparse(url)
        conn = http.client.HTTPSConnection(parsed.hostname, parsed.port, timeout=10, context=self.trusting)
        conn.request("GET", parsed.path)
        page = conn.getresponse()
        self.assertEqual(page.status, 200)
        self.assertIn("<form method=post>", page.read().decode())
        conn.request("POST", parsed.path)
        done = conn.getresponse()
        self.assertEqual(done.status, 200)
        self.assertIn("acknowledged", done.read().decode())
        conn.close()
        _, _, detail = d.request("GET", "/api/v1/alerts/" + aid)
        self.assertEqual(json.loads(detail)["acked_by"], "alice")


class CheckConfigTest(TlsTestCase):
    def test_check_config_judges_the_certificate_as_rotad_does(self):
        self.work.write("rota.yaml", """\
server:
  listen: '127.0.0.1:0'
  tls: {cert_file: server.pem, key_file: server.key}
storage: {dir: '%s'}
channels: [{name: log, type: log}]
routes: [{name: r, escalation: e}]
escalations: [{name: e, steps: [{notify: ['channel:log']}]}]
""" % self.work.state)
        ok = subprocess.run([ROTACTL, "check", "config", self.work.config], capture_output=True, text=True)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.pki.stray_key(os.path.join(self.work.path, "server.key"))
        bad = subprocess.run([ROTACTL, "check", "config", self.work.config], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("rota.yaml:3:8: server.tls: key_file %s is not the private key of cert_file"
                      % os.path.join(self.work.path, "server.key"), bad.stderr)
        # rotad refuses to start on it, with the same words.
        d = Rotad(self.work.config, wait_ready=False)
        self.assertEqual(d.wait(), 1)
        d.stop()
        self.assertIn("is not the private key of cert_file", d.log())


@unittest.skipIf(PROMETHEUS is None, "install-deps.sh installs prometheus")
class PrometheusTest(TlsTestCase):
    def test_prometheus_sends_alerts_over_https(self):
        from e2e_test import Peer
        d = self.start(extra="""\
channels: [{name: console, type: log}]
people: [{id: alice, hours: [{}], contacts: [{channel: console, to: alice}]}]
routes: [{name: r, matchers: ['severity="page"'], group_wait: 0s, escalation: e}]
escalations: [{name: e, steps: [{notify: ['person:alice']}]}]
""")
        tmp = tempfile.mkdtemp(prefix="rota-prom-tls-")
        self.addCleanup(shutil.rmtree, tmp, True)
        rules = os.path.join(tmp, "rules.yml")
        with open(rules, "w") as f:
            f.write("""\
groups:
  - name: rota-tls
    interval: 1s
    rules:
      - {alert: OverTls, expr: vector(1), labels: {severity: page}}
""")
        config = os.path.join(tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write("""\
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [%s]
alerting:
  alertmanagers:
    - api_version: v2
      scheme: https
      tls_config: {ca_file: %s}
      static_configs: [{targets: ['127.0.0.1:%d']}]
""" % (rules, self.pki.ca, d.port))
        port = free_port()
        prom = Peer([PROMETHEUS, "--config.file=" + config, "--storage.tsdb.path=" + os.path.join(tmp, "tsdb"),
                     "--web.listen-address=127.0.0.1:%d" % port, "--rules.alert.resend-delay=1s"],
                    "http://127.0.0.1:%d/-/ready" % port)
        self.addCleanup(prom.stop)

        def alert_names():
            _, _, body = d.request("GET", "/api/v1/alerts")
            return [a["labels"].get("alertname") for a in json.loads(body)["alerts"]]
        wait_until(lambda: "OverTls" in alert_names(), "Prometheus's alert to arrive over HTTPS", timeout=90)
        self.assertEqual(self.refused_handshakes(d), 0)


if __name__ == "__main__":
    unittest.main()
