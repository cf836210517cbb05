"""Helpers for integration tests that start the real rotad binary.

rotad listens on 127.0.0.1:0 and the test reads the bound port from its
"listening" log line, so no port is ever hard-coded. Paths to the binaries
come from the environment CTest sets (ROTAD, ROTACTL, ROTA_SOURCE_DIR).
"""

import http.client
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

ROTAD = os.environ.get("ROTAD", "rotad")
ROTACTL = os.environ.get("ROTACTL", "rotactl")
SOURCE_DIR = os.environ.get("ROTA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))

# Waiting for a process is not timing a test: these bounds only stop a hung
# test; nothing passes or fails on how fast something happened.
START_TIMEOUT = 30.0

MINIMAL_CONFIG = """\
server:
  listen: 127.0.0.1:0
storage:
  dir: {state}
channels:
  - {{name: console, type: log}}
people:
  - id: alice
    timezone: Europe/Berlin
    contacts: [{{channel: console, to: alice}}]
teams:
  - {{id: payments, members: [alice]}}
rule_files: ['routes/*.yaml']
"""

MINIMAL_RULES = """\
routes:
  - {name: payments, matchers: ['service="payments"'], escalation: payments}
escalations:
  - name: payments
    steps: [{notify: ['team:payments']}]
"""


class Workdir:
    """A temporary folder holding a config, its rule files and state."""

    def __init__(self, config=MINIMAL_CONFIG, rules=MINIMAL_RULES):
        self.path = tempfile.mkdtemp(prefix="rota-it-")
        self.state = os.path.join(self.path, "state")
        self.config = os.path.join(self.path, "rota.yaml")
        self.write("rota.yaml", config.format(state=self.state))
        if rules is not None:
            self.write("routes/main.yaml", rules)

    def write(self, name, text):
        full = os.path.join(self.path, name)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
        return full

    def read(self, name="rota.yaml"):
        with open(os.path.join(self.path, name), encoding="utf-8") as f:
            return f.read()

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


class Rotad:
    """A running rotad. Use as a context manager or call stop()."""

    def __init__(self, config_path, env=None, args=(), wait_ready=True, ssl_context=None):
        # ssl_context: the listener speaks HTTPS (server.tls); request() trusts this context.
        self.ssl_context = ssl_context
        self.log_path = config_path + ".log"
        self.log_file = open(self.log_path, "w+", encoding="utf-8")
        full_env = dict(os.environ)
        full_env.pop("NOTIFY_SOCKET", None)
        full_env.pop("JOURNAL_STREAM", None)
        full_env.pop("STATE_DIRECTORY", None)
        if env:
            full_env.update(env)
        self.proc = subprocess.Popen(
            [ROTAD, "--config", config_path, *args],
            stdout=subprocess.DEVNULL,
            stderr=self.log_file,
            env=full_env,
        )
        self.port = None
        if wait_ready:
            self.port = self.wait_listening()
            self.wait_ready()

    def wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            m = re.search(r"msg=listening addr=127\.0\.0\.1:(\d+)", self.log())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                raise AssertionError("rotad exited with %s:\n%s" % (self.proc.returncode, self.log()))
            time.sleep(0.02)
        raise AssertionError("rotad did not log its address:\n" + self.log())

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            status, _, _ = self.request("GET", "/-/ready")
            if status == 200:
                return
            time.sleep(0.02)
        raise AssertionError("rotad never became ready:\n" + self.log())

    def log(self):
        with open(self.log_path, encoding="utf-8") as f:
            return f.read()

    def connection(self, ssl_context=None):
        """A new connection to rotad: HTTPS with `ssl_context` (default: the one given at start)."""
        context = ssl_context or self.ssl_context
        if context is not None:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10, context=context)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def request(self, method, path, body=None, headers=None):
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read().decode("utf-8")
        finally:
            conn.close()

    def metrics(self):
        status, _, body = self.request("GET", "/metrics")
        assert status == 200, body
        return body

    def metric(self, name):
        """The value of an unlabelled sample, or None."""
        return sample(self.metrics(), name)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=START_TIMEOUT):
        return self.proc.wait(timeout=timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class RotadTestCase(unittest.TestCase):
    """A test with a Workdir of its own; start() runs rotad on it until cleanup."""

    def setUp(self):
        self.work = Workdir()
        self.addCleanup(self.work.cleanup)

    def start(self, **kw):
        d = Rotad(self.work.config, **kw)
        self.addCleanup(d.stop)
        return d


def sample(metrics_text, name):
    """The value of one sample line (`name` may carry labels), or None."""
    m = re.search(r"^%s (\S+)$" % re.escape(name), metrics_text, re.M)
    return float(m.group(1)) if m else None


def thread_names(pid):
    """The names of a process's threads (as `top -H` shows them)."""
    names = []
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                names.append(f.read().strip())
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    return names


def wait_until(predicate, what, timeout=START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def promtool_findings(metrics_text):
    """Runs `promtool check metrics`; returns (exit code, every finding)."""
    import shutil
    import subprocess
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is required"
    check = subprocess.run([promtool, "check", "metrics"], input=metrics_text,
                           capture_output=True, text=True)
    lines = [l.strip() for l in (check.stdout + check.stderr).splitlines() if l.strip()]
    return check.returncode, lines


class Sink:
    """A local HTTP receiver that records every POST (method, path, headers, body and its JSON)."""

    def __init__(self, status=200, tls=None):
        """tls: (cert, key) paths to serve HTTPS instead of HTTP."""
        import http.server
        import json as _json
        import threading
        self.received = []
        self.status = status
        # The response body: bytes, or a function of the path that gives them.
        self.answer = b""
        # Cleared, every request waits inside the handler until it is set
        # again: a receiver that hangs, for concurrency tests.
        self.gate = threading.Event()
        self.gate.set()
        self.in_flight = 0
        self.max_in_flight = 0
        self.arrived = 0  # requests that reached the handler, answered or not
        self._lock = threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                try:
                    doc = _json.loads(body)
                except ValueError:
                    doc = None
                with sink._lock:
                    sink.arrived += 1
                    sink.in_flight += 1
                    sink.max_in_flight = max(sink.max_in_flight, sink.in_flight)
                sink.gate.wait()
                status = sink.status
                with sink._lock:
                    sink.in_flight -= 1
                    sink.received.append({"path": self.path, "headers": dict(self.headers), "json": doc,
                                          "body": body.decode("utf-8", "replace"), "method": self.command,
                                          "at": time.monotonic(), "status": status})
                self.send_response(status)
                answer = sink.answer(self.path) if callable(sink.answer) else sink.answer
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        scheme = "http"
        if tls:
            import ssl
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = "%s://127.0.0.1:%d/notify" % (scheme, self.port)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def messages(self, predicate=lambda m: True):
        with self._lock:
            return [m for m in self.received if predicate(m)]

    def wait_for(self, predicate, what, timeout=START_TIMEOUT):
        return wait_until(lambda: self.messages(predicate), what, timeout)

    def close(self):
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


def console_form(d, path):
    """GETs a console page: (the cookie it sets, the csrf token of its form)."""
    conn = d.connection()
    conn.request("GET", path)
    resp = conn.getresponse()
    page = resp.read().decode()
    cookie = resp.getheader("Set-Cookie").split(";")[0]
    conn.close()
    return cookie, re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 (openssl CLI); returns (cert, key) paths."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class SmtpServer:
    """A real SMTP server on loopback (Debian's python3-aiosmtpd) that keeps
    every message it accepts.

    cert: (cert, key) to offer STARTTLS (and require it before MAIL);
    auth: (user, password) to require AUTH; reject: recipients answered 550.
    """

    def __init__(self, cert=None, auth=None, reject=()):
        import email
        import email.policy
        import logging
        import ssl
        import threading
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult
        # Refused handshakes (the certificate tests) are expected; keep
        # aiosmtpd's tracebacks out of the test output.
        logging.getLogger("mail.log").setLevel(logging.CRITICAL)
        self.messages = []
        self.auth_failures = 0
        self._lock = threading.Lock()
        server = self

        class Handler:
            async def handle_RCPT(self, srv, session, envelope, address, rcpt_options):
                if address in reject:
                    return "550 5.1.1 no such mailbox"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, srv, session, envelope):
                msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                               policy=email.policy.default)
                with server._lock:
                    server.messages.append({
                        "mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                        "message": msg, "tls": session.ssl is not None,
                        "authenticated": bool(session.authenticated)})
                return "250 2.0.0 queued"

        def authenticator(srv, session, envelope, mechanism, auth_data):
            ok = auth is not None and auth_data.login.decode() == auth[0] and \
                auth_data.password.decode() == auth[1]
            if not ok:
                with server._lock:
                    server.auth_failures += 1
            return AuthResult(success=ok)

        kwargs = {}
        if cert:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(cert[0], cert[1])
            kwargs.update(tls_context=ctx, require_starttls=True)
        if auth:
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=bool(cert))
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()

    def received(self, predicate=lambda m: True):
        with self._lock:
            return [m for m in self.messages if predicate(m)]

    def wait_for(self, predicate, what, timeout=START_TIMEOUT):
        return wait_until(lambda: self.received(predicate), what, timeout)

    def close(self):
        self.controller.stop()
