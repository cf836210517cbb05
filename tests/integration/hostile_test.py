"""What a hostile tester found (issue 12), each probe against the real rotad:
files that are not files, a store deleted under the daemon, labels that try
to forge log lines, fields over the limits, and running out of descriptors."""

import json
import os
import resource
import signal
import socket
import subprocess
import unittest

from harness import ROTAD, Rotad, Workdir, wait_until


class HostileTest(unittest.TestCase):
    def setUp(self):
        self.work = Workdir()
        self.addCleanup(self.work.cleanup)

    def start(self, **kw):
        d = Rotad(self.work.config, **kw)
        self.addCleanup(d.stop)
        return d

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


if __name__ == "__main__":
    unittest.main()
