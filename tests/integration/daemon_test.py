"""rotad as a service: health, readiness, metrics, reload, signals, sd_notify,
HTTP limits and logging. Each test starts the real binary on 127.0.0.1:0."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest

from harness import ROTAD, Rotad, RotadTestCase, Workdir, promtool_findings, wait_until

REQUIRED_METRICS = [
    "rota_build_info",
    "rota_config_last_reload_successful",
    "rota_config_last_reload_success_timestamp_seconds",
    "rota_config_hash",
    "rota_http_requests_total",
    "rota_http_request_duration_seconds_bucket",
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "process_open_fds",
    "process_start_time_seconds",
]


class DaemonTest(RotadTestCase):
    def test_healthy_and_ready(self):
        d = self.start()
        status, _, body = d.request("GET", "/-/healthy")
        self.assertEqual(status, 200)
        self.assertIn("healthy", body)
        status, _, body = d.request("GET", "/-/ready")
        self.assertEqual(status, 200)
        self.assertIn("ready", body)
        self.assertTrue(os.path.isdir(self.work.state), "storage.dir is created at start")

    def test_metrics_pass_promtool(self):
        d = self.start()
        d.request("GET", "/-/healthy")
        d.request("GET", "/nope")
        body = d.metrics()
        for name in REQUIRED_METRICS:
            self.assertRegex(body, r"(?m)^%s[{ ]" % re.escape(name))
        self.assertIn('rota_http_requests_total{code="200",handler="/-/healthy"} 1', body)
        self.assertIn('rota_http_requests_total{code="404",handler="other"} 1', body)
        rc, findings = promtool_findings(body)
        self.assertEqual(findings, [], "promtool reports nothing at all")
        self.assertEqual(rc, 0)
        self.assertIn("rota_notifications_refused_off_duty_total 0", body)

    def test_process_metrics_describe_this_process(self):
        d = self.start()
        fds = len(os.listdir("/proc/%d/fd" % d.proc.pid))
        reported = d.metric("process_open_fds")
        self.assertGreater(reported, 3)
        self.assertLess(abs(reported - fds), 8)
        start = d.metric("process_start_time_seconds")
        with open("/proc/%d/stat" % d.proc.pid) as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as f:
            btime = int(next(l for l in f if l.startswith("btime")).split()[1])
        self.assertAlmostEqual(start, btime + ticks / os.sysconf("SC_CLK_TCK"), delta=2)
        self.assertGreater(d.metric("process_resident_memory_bytes"), 1 << 20)

    def test_unknown_path_is_404_json_and_wrong_method_405(self):
        d = self.start()
        status, headers, body = d.request("GET", "/api/v9/nothing")
        self.assertEqual(status, 404)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertIn("/api/v9/nothing", json.loads(body)["error"])
        status, headers, body = d.request("GET", "/-/reload")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "POST")
        self.assertIn("not allowed", json.loads(body)["error"])

    def test_reload_good_config_changes_hash(self):
        d = self.start()
        old_hash = d.metric("rota_config_hash")
        self.work.write("routes/main.yaml", self.work.read("routes/main.yaml")
                        + "# a change\n")
        status, _, body = d.request("POST", "/-/reload")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["status"], "success")
        self.assertNotEqual(d.metric("rota_config_hash"), old_hash)
        self.assertEqual(d.metric("rota_config_last_reload_successful"), 1)

    def test_reload_bad_config_keeps_old_and_answers_400(self):
        d = self.start()
        old_hash = d.metric("rota_config_hash")
        old_ts = d.metric("rota_config_last_reload_success_timestamp_seconds")
        self.work.write("routes/main.yaml", "routes:\n  - {name: x, escalation: nope, bogus: 1}\n")
        status, headers, body = d.request("POST", "/-/reload")
        self.assertEqual(status, 400, body)
        self.assertEqual(headers["Content-Type"], "application/json")
        answer = json.loads(body)
        self.assertEqual(answer["status"], "error")
        self.assertEqual(len(answer["errors"]), 2)
        for e in answer["errors"]:
            self.assertRegex(e, r"routes/main\.yaml:\d+:\d+: ")
        self.assertTrue(any('unknown key "bogus"' in e for e in answer["errors"]))
        self.assertTrue(any('unknown escalation "nope"' in e for e in answer["errors"]))
        self.assertEqual(d.metric("rota_config_last_reload_successful"), 0)
        self.assertEqual(d.metric("rota_config_hash"), old_hash)
        self.assertEqual(d.metric("rota_config_last_reload_success_timestamp_seconds"), old_ts)
        self.assertEqual(d.request("GET", "/-/ready")[0], 200, "still serving on the old config")
        self.assertRegex(d.log(), r'level=error msg="config error" at=\S+routes/main\.yaml:2:\d+')

    def test_sighup_reloads(self):
        d = self.start()
        old_hash = d.metric("rota_config_hash")
        self.work.write("routes/main.yaml", self.work.read("routes/main.yaml").replace("service=", "team="))
        d.signal(signal.SIGHUP)
        wait_until(lambda: d.metric("rota_config_hash") != old_hash, "the SIGHUP reload")
        self.assertEqual(d.metric("rota_config_last_reload_successful"), 1)
        self.assertIn("trigger=SIGHUP", d.log())

    def test_ingest_is_served_while_a_large_rule_file_reloads(self):
        # Parsing happens on the reload thread; only the swap runs on the
        # engine's strand. Ordering, not timing: an event posted after the
        # reload began is answered before the reload ends (the file takes
        # seconds to parse, the event milliseconds).
        d = self.start()
        routes = "".join("  - {name: bulk-%d, matchers: ['team=\"t%d\"', 'severity=~\"page|critical\"'], "
                         "group_by: [alertname, instance], escalation: payments}\n" % (i, i)
                         for i in range(30000))
        self.work.write("routes/bulk.yaml", "routes:\n" + routes)
        d.signal(signal.SIGHUP)
        wait_until(lambda: "msg=\"reloading config\"" in d.log(), "the reload to begin")
        status, _, body = d.request("POST", "/api/v1/events",
                                    body=json.dumps({"labels": {"alertname": "A", "service": "payments"}}))
        self.assertEqual(status, 202, body)
        self.assertNotIn("msg=\"config reloaded\"", d.log(), "the event waited for the reload")
        wait_until(lambda: "msg=\"config reloaded\"" in d.log(), "the reload to finish", timeout=600)
        self.assertEqual(d.metric("rota_config_last_reload_successful"), 1)

    def test_sigterm_exits_zero_even_with_idle_keepalive_connection(self):
        d = self.start()
        idle = socket.create_connection(("127.0.0.1", d.port))
        self.addCleanup(idle.close)
        idle.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertIn(b"200 OK", idle.recv(4096))
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(), 0)
        self.assertIn("msg=stopped", d.log())
        self.assertEqual(idle.recv(4096), b"", "the idle connection was closed")

    def test_sigint_exits_zero(self):
        d = self.start()
        d.signal(signal.SIGINT)
        self.assertEqual(d.wait(), 0)

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        import http.client
        d = self.start()
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
        self.addCleanup(conn.close)
        for _ in range(3):
            conn.request("GET", "/-/healthy")
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 200)
        body = d.metrics()
        self.assertIn('rota_http_requests_total{code="200",handler="/-/healthy"} 3', body)

    def test_body_over_limit_is_413_json(self):
        text = self.work.read().replace("  listen: 127.0.0.1:0\n",
                                                     "  listen: 127.0.0.1:0\n  max_request_bytes: 1024\n")
        self.work.write("rota.yaml", text)
        d = self.start()
        status, _, body = d.request("POST", "/-/reload", body=b"x" * 4096)
        self.assertEqual(status, 413)
        self.assertIn("1024", json.loads(body)["error"])
        self.assertEqual(d.request("GET", "/-/ready")[0], 200)

    def test_oversized_headers_are_431_json(self):
        d = self.start()
        status, _, body = d.request("GET", "/-/healthy", headers={"X-Big": "y" * (20 << 10)})
        self.assertEqual(status, 431)
        self.assertIn("headers too large", json.loads(body)["error"])

    def test_malformed_request_is_400_json(self):
        d = self.start()
        s = socket.create_connection(("127.0.0.1", d.port))
        self.addCleanup(s.close)
        s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 400"), data)
        self.assertIn(b'"error":"malformed HTTP request', data)

    def test_sd_notify_ready_reloading_stopping_and_watchdog(self):
        sock_dir = tempfile.mkdtemp(prefix="rota-notify-")
        self.addCleanup(shutil.rmtree, sock_dir, True)
        path = os.path.join(sock_dir, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(30)
        self.addCleanup(sock.close)
        # Without WATCHDOG_PID, sd_watchdog_enabled() trusts WATCHDOG_USEC as is.
        env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"}
        d = Rotad(self.work.config, env=env, wait_ready=False)
        self.addCleanup(d.stop)
        messages = []

        def receive_until(token):
            while True:
                msg = sock.recv(4096).decode()
                messages.append(msg)
                if token in msg.split("\n"):
                    return msg

        ready = receive_until("READY=1")
        self.assertIn("STATUS=ready", ready)
        receive_until("WATCHDOG=1")  # pinged from the event loop
        d.port = int(re.search(r"addr=127\.0\.0\.1:(\d+)", d.log()).group(1))
        d.signal(signal.SIGHUP)
        receive_until("RELOADING=1")
        receive_until("READY=1")
        d.signal(signal.SIGTERM)
        receive_until("STOPPING=1")
        self.assertEqual(d.wait(), 0)

    def test_journal_stream_gives_priority_prefixes_without_timestamps(self):
        # JOURNAL_STREAM names stderr's device:inode, as systemd sets it.
        log_path = self.work.config + ".log"
        open(log_path, "w").close()
        st = os.stat(log_path)
        d = Rotad(self.work.config, env={"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)})
        self.addCleanup(d.stop)
        lines = [l for l in d.log().splitlines() if l]
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^<[0-7]>level=\w+ msg=")
            self.assertNotRegex(line, r"(^|\s)ts=")  # no timestamp field
        self.assertTrue(any(l.startswith("<6>level=info msg=ready") for l in lines))

    def test_terminal_log_lines_have_timestamps(self):
        d = self.start()
        for line in filter(None, d.log().splitlines()):
            self.assertRegex(line, r"^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=\w+ msg=")

    def test_secrets_never_reach_the_log(self):
        self.work.write("slack_url", "https://hooks.example/SECRET-TOKEN-123\n")
        text = self.work.read().replace(
            "  - {name: console, type: log}\n",
            "  - {name: console, type: log}\n  - {name: slack, type: slack, url_file: slack_url}\n")
        self.work.write("rota.yaml", text)
        d = self.start(args=("--log-level", "debug"))
        d.request("POST", "/-/reload")
        self.assertNotIn("SECRET-TOKEN", d.log())


class StartupTest(unittest.TestCase):
    def run_rotad(self, *args, env=None):
        full_env = dict(os.environ)
        full_env.pop("NOTIFY_SOCKET", None)
        if env:
            full_env.update(env)
        return subprocess.run([ROTAD, *args], capture_output=True, text=True, timeout=60, env=full_env)

    def test_bad_config_at_start_exits_1_with_positions(self):
        work = Workdir(rules="routes:\n  - {name: r, escalation: missing}\n")
        self.addCleanup(work.cleanup)
        r = self.run_rotad("--config", work.config)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r'msg="config error" at=\S+routes/main\.yaml:2:\d+ error="route \\"r\\": unknown escalation')
        self.assertIn("cannot start", r.stderr)

    def test_missing_config_flag_is_usage_error(self):
        r = self.run_rotad()
        self.assertEqual(r.returncode, 2)
        self.assertIn("--config is required", r.stderr)

    def test_unknown_flag_and_bad_log_level_are_usage_errors(self):
        self.assertEqual(self.run_rotad("--frobnicate").returncode, 2)
        r = self.run_rotad("--config", "x", "--log-level", "loud")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--log-level", r.stderr)

    def test_version(self):
        r = self.run_rotad("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^rotad \d+\.\d+\.\d+ \(revision \S+\)")

    def test_port_in_use_exits_1(self):
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        self.addCleanup(blocker.close)
        port = blocker.getsockname()[1]
        work = Workdir()
        self.addCleanup(work.cleanup)
        work.write("rota.yaml", work.read().replace("127.0.0.1:0", "127.0.0.1:%d" % port))
        r = self.run_rotad("--config", work.config)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot listen on 127.0.0.1:%d" % port, r.stderr)

    def test_state_directory_is_the_default_storage_dir(self):
        work = Workdir()
        self.addCleanup(work.cleanup)
        text = work.read()
        text = re.sub(r"storage:\n  dir: \S+\n", "", text)
        work.write("rota.yaml", text)
        state = os.path.join(work.path, "from-systemd")
        d = Rotad(work.config, env={"STATE_DIRECTORY": state})
        self.addCleanup(d.stop)
        self.assertTrue(os.path.isdir(state))
        self.assertIn("dir=" + state, d.log())


if __name__ == "__main__":
    unittest.main()
