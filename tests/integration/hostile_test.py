"""What a hostile tester found, each probe against the real rotad:
files that are not files, a store deleted under the daemon, labels that try
to forge log lines, fields over the limits, and running out of descriptors."""

import http.client
import json
import os
import resource
import signal
import socket
import subprocess
import time
import unittest

from harness import ROTAD, Rotad, RotadTestCase, sample, wait_until


class HostileTest(RotadTestCase):
    def post(self, d, path, body):
        status, _, text = d.request("POST", path, body=json.dumps(body),
                                    headers={"Content-Type": "application/json"})
        return status, json.loads(text) if text else {}

    def hostile_rule_files(self):
        """A FIFO, /dev/zero, a symlink loop and a directory, all matched by routes/*.yaml."""
        routes = os.path.join(self.work.path, "routes")
        os.mkfifo(os.path.join(routes, "fifo.yaml"))
        os.symlink("/dev/zero", os.path.join(routes, "zero.yaml"))
        os.symlink(os.path.join(routes, "loop-b.yaml"), os.path.join(routes, "loop-a.yaml"))
        os.symlink(os.path.join(routes, "loop-a.yaml"), os.path.join(routes, "loop-b.yaml"))
        os.mkdir(os.path.join(routes, "dir.yaml"))
        return routes

    # -- files that are not files ---------------------------------------------------------

    def test_a_symlink_loop_in_rule_files_is_a_config_error_at_start(self):
        routes = os.path.join(self.work.path, "routes")
        os.symlink(os.path.join(routes, "b.yaml"), os.path.join(routes, "a.yaml"))
        os.symlink(os.path.join(routes, "a.yaml"), os.path.join(routes, "b.yaml"))
        d = self.start(wait_ready=False)
        self.assertEqual(d.wait(), 1, d.log())
        self.assertIn(os.path.join(routes, "a.yaml") + ": Too many levels of symbolic links", d.log())
        self.assertNotIn("terminate called", d.log())

    def test_rule_files_that_are_not_regular_files_fail_a_reload_and_keep_the_old_config(self):
        d = self.start()
        old_hash = d.metric("rota_config_hash")
        routes = self.hostile_rule_files()
        # The answer comes (a FIFO used to hang the reload forever), and names every path.
        status, out = self.post(d, "/-/reload", {})
        self.assertEqual(status, 400, out)
        errors = "\n".join(out["errors"])
        for name, why in (("fifo.yaml", "a FIFO"), ("zero.yaml", "a character device"),
                          ("dir.yaml", "a directory"), ("loop-a.yaml", "Too many levels of symbolic links")):
            self.assertIn(os.path.join(routes, name) + ": " + why, errors)
        self.assertEqual(d.metric("rota_config_last_reload_successful"), 0)
        self.assertEqual(d.metric("rota_config_hash"), old_hash)
        # The old routes still work, and so does SIGHUP's path.
        status, out = self.post(d, "/api/v1/events", {"labels": {"alertname": "A", "service": "payments"}})
        self.assertEqual(status, 202, out)
        status, _, body = d.request("GET", "/api/v1/alerts/" + out["alerts"][0]["id"])
        self.assertEqual(status, 200, body)
        self.assertEqual([r["route"] for r in json.loads(body)["routes"]], ["payments"])
        d.signal(signal.SIGHUP)
        wait_until(lambda: d.log().count("config reload failed") >= 2, "the SIGHUP reload to fail")
        self.assertIsNone(d.proc.poll(), "rotad is still running")

    def test_a_main_config_that_is_a_fifo_is_refused_at_start(self):
        fifo = os.path.join(self.work.path, "fifo.yaml")
        os.mkfifo(fifo)
        proc = subprocess.run([ROTAD, "--config", fifo], capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("a FIFO, only regular files are read", proc.stderr)

    # -- a store deleted under the daemon -------------------------------------------------

    def test_deleting_the_database_is_detected_and_a_restart_refuses_to_begin_empty(self):
        d = self.start()
        status, out = self.post(d, "/api/v1/events", {"labels": {"alertname": "Kept", "service": "payments"}})
        self.assertEqual(status, 202, out)
        for suffix in ("", "-wal", "-shm"):
            path = os.path.join(self.work.state, "rota.db" + suffix)
            if os.path.exists(path):
                os.unlink(path)
        status, out = self.post(d, "/api/v1/events", {"labels": {"alertname": "Lost", "service": "payments"}})
        self.assertEqual(status, 503, out)
        status, _, body = d.request("GET", "/-/ready")
        self.assertEqual(status, 503, body)
        self.assertIn("rota.db was deleted or replaced while rotad ran", d.log())
        self.assertEqual(d.metric("rota_store_up"), 0)
        # It stays refused: nothing is answered 202 into a file nobody will open again.
        status, _ = self.post(d, "/api/v1/events", {"labels": {"alertname": "Lost2", "service": "payments"}})
        self.assertEqual(status, 503)
        d.stop()
        again = Rotad(self.work.config, wait_ready=False)
        self.addCleanup(again.stop)
        self.assertEqual(again.wait(), 1, again.log())
        self.assertIn("rota.db is missing, but", again.log())
        self.assertIn("--fresh-store", again.log())
        fresh = Rotad(self.work.config, args=("--fresh-store",))
        self.addCleanup(fresh.stop)
        self.assertIn("--fresh-store", fresh.log())
        status, _, body = fresh.request("GET", "/api/v1/alerts")
        self.assertEqual((status, json.loads(body)["alerts"]), (200, []))

    # -- labels that try to forge log lines -----------------------------------------------

    def test_control_bytes_in_labels_never_reach_the_log_raw(self):
        self.work.write("rota.yaml", self.work.read().replace("timezone: Europe/Berlin",
                                                              "timezone: Europe/Berlin\n    hours: [{}]"))
        self.work.write("routes/main.yaml", """\
routes:
  - {name: payments, matchers: ['service="payments"'], group_wait: 0s, escalation: payments}
escalations:
  - name: payments
    steps: [{notify: ['team:payments']}]
""")
        d = self.start()
        evil = "x\u0000y\u001b[2J\u007f\rlevel=error msg=forged"
        status, out = self.post(d, "/api/v1/events", {"labels": {"alertname": evil, "service": "payments"},
                                                      "annotations": {"summary": evil}})
        self.assertEqual(status, 202, out)
        wait_until(lambda: "msg=notification" in d.log(), "the notification to be logged")
        with open(d.log_path, "rb") as f:
            raw = f.read()
        for line in raw.split(b"\n")[:-1]:
            self.assertFalse(any(b < 0x20 or b == 0x7f for b in line), line)
        self.assertIn(b"x\\x00y\\x1b[2J\\x7f\\rlevel=error msg=forged", raw)

    # -- fields over the limits ------------------------------------------------------------

    def test_pagerduty_and_generic_fields_over_the_label_limit_are_400_naming_the_field(self):
        self.work.write("rota.yaml", self.work.read() + """\
ingest:
  pagerduty:
    routing_keys:
      - {key: k1, labels: {service: payments}}
""")
        d = self.start()
        big = "x" * 5000
        for field in ("source", "component", "class"):
            payload = {"summary": "s", "source": "db1", "severity": "info", field: big}
            status, out = self.post(d, "/v2/enqueue", {"routing_key": "k1", "event_action": "trigger",
                                                            "payload": payload})
            self.assertEqual(status, 400, field)
            self.assertIn("'payload.%s' must be at most 4096 bytes" % field, out["errors"])
        for field in ("dedup_key", "actor", "url"):
            status, out = self.post(d, "/api/v1/events", {"labels": {"alertname": "A"}, field: big})
            self.assertEqual(status, 400, field)
            self.assertEqual(out["error"], "events[0].%s: longer than 4096 bytes" % field)
        self.assertNotIn(big[:5000], d.log())
        status, out = self.post(d, "/api/v1/events", {"labels": {"alertname": "A"},
                                                      "starts_at": "2026-11-23T10:00:00Z",
                                                      "ends_at": "2026-11-23T09:00:00Z"})
        self.assertEqual((status, out["error"]), (400, "events[0]: ends_at is before starts_at"))

    # -- running out of descriptors --------------------------------------------------------

    def keep_alive(self, d):
        """A connection that has been served once, so rotad holds it open."""
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
        self.addCleanup(conn.close)
        self.assertEqual(self.get(conn, "/-/healthy")[0], 200)
        return conn

    def try_keep_alive(self, d):
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
        self.addCleanup(conn.close)
        try:
            return conn if self.get(conn, "/-/healthy")[0] == 200 else None
        except (ConnectionError, http.client.HTTPException):
            return None

    @staticmethod
    def get(conn, path):
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode()

    def test_connections_over_max_connections_are_refused_and_the_others_served(self):
        self.work.write("rota.yaml", self.work.read().replace("  listen: 127.0.0.1:0",
                                                              "  listen: 127.0.0.1:0\n  max_connections: 3"))
        d = self.start()
        # The start-up probes' connections may still be counted for a moment:
        # hold one connection, and wait through it until it is the only one.
        first = wait_until(lambda: self.try_keep_alive(d), "a first connection to be served")
        wait_until(lambda: sample(self.get(first, "/metrics")[1], "rota_http_connections_open") == 1,
                   "start-up connections to close")
        held = [first] + [self.keep_alive(d) for _ in range(2)]
        extra = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        self.addCleanup(extra.close)
        extra.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            answer = extra.recv(4096)
        except ConnectionResetError:
            answer = b""
        # Either the 503 arrives or the reset does; it is never served.
        self.assertFalse(answer.startswith(b"HTTP/1.1 200"), answer)
        if answer:
            self.assertTrue(answer.startswith(b"HTTP/1.1 503"), answer)
            self.assertIn(b"server.max_connections", answer)
        status, text = self.get(held[0], "/metrics")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(sample(text, 'rota_http_connections_refused_total{reason="max_connections"}'), 1)
        self.assertEqual(sample(text, "rota_http_connections_open"), 3)
        held[1].close()
        wait_until(lambda: sample(self.get(held[0], "/metrics")[1], "rota_http_connections_open") == 2,
                   "the closed connection to be counted out")
        self.keep_alive(d)  # and a new one is served again

    def open_fds(self, pid):
        return len(os.listdir("/proc/%d/fd" % pid))

    def test_out_of_file_descriptors_accept_backs_off_and_open_connections_are_served(self):
        d = self.start()
        served = self.keep_alive(d)
        # The start-up probes' connections are gone, so the count below holds still.
        wait_until(lambda: sample(self.get(served, "/metrics")[1], "rota_http_connections_open") == 1,
                   "start-up connections to close")
        pid = d.proc.pid
        soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
        # Room for nothing new: every accept now fails with EMFILE, even if rotad
        # closes a few descriptors of its own meanwhile (a limit under the count
        # holds until the count drops below it).
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (self.open_fds(pid) - 4, hard))
        began = time.monotonic()
        waiting = []
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", d.port), timeout=10)  # the backlog takes it
            self.addCleanup(s.close)
            s.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            waiting.append(s)
        wait_until(lambda: (sample(self.get(served, "/metrics")[1],
                                        'rota_http_connections_refused_total{reason="file_descriptors"}') or 0) >= 5,
                   "accept to fail and be retried")
        # The open connection is still served, and so is ingest through it.
        self.assertEqual(self.get(served, "/-/healthy")[0], 200)
        served.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": "A", "service": "payments"}}),
                       headers={"Content-Type": "application/json"})
        resp = served.getresponse()
        self.assertEqual(resp.status, 202, resp.read())
        resp.read()
        failures = sample(self.get(served, "/metrics")[1],
                               'rota_http_connections_refused_total{reason="file_descriptors"}')
        elapsed = time.monotonic() - began
        # Backing off 100 ms between tries: a spinning loop makes ~10^5 a second.
        self.assertLessEqual(failures, 10 * 3 * (elapsed + 1), "accept is spinning")
        lines = [l for l in d.log().splitlines() if "http accept failed" in l]
        self.assertLessEqual(len(lines), 1 + int(elapsed // 60), lines)
        self.assertIn("out of file descriptors", lines[0])
        # Descriptors back: the connections that waited in the backlog are answered.
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
        for s in waiting:
            self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 200"))
        wait_until(lambda: "http accept works again" in d.log(), "the recovery to be logged")


if __name__ == "__main__":
    unittest.main()
