"""Nothing accepted is lost: state survives kill -9; an escalation resumes
after a restart and fires once; a store that cannot write answers 503 (with
Retry-After), never 202; and a crash loop under concurrent ingest loses no
alert that was answered 202."""

import json
import os
import random
import signal
import threading
import time
import unittest

from harness import Rotad, Sink, Workdir, wait_until

CONFIG = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'%(extra)s}}
channels: [{{name: hooks, type: webhook, url: '%(sink)s'}}]
time_intervals: [{{name: always, time_intervals: [{{}}]}}]
people:
  - {{id: first, hours: [always], contacts: [{{channel: hooks, to: first}}]}}
  - {{id: second, hours: [always], contacts: [{{channel: hooks, to: second}}]}}
  - {{id: never, contacts: [{{channel: hooks, to: never}}]}}
routes:
  - {{name: slow, matchers: ['speed="slow"'], group_wait: 0s, group_by: ['...'], escalation: slow}}
  - {{name: all, group_wait: 0s, group_by: ['...'], escalation: two-steps}}
escalations:
  - name: two-steps
    steps:
      - {{notify: ['person:first'], escalate_after: 3s}}
      - {{notify: ['person:second'], escalate_after: 1h}}
  - name: slow
    steps: [{{notify: ['person:first'], escalate_after: 1h}}]
"""


def post(d, doc):
    status, _, body = d.request("POST", "/api/v1/events", body=json.dumps(doc))
    return status, json.loads(body) if body else None


class DurabilityTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink()
        self.addCleanup(self.sink.close)

    def work(self, extra=""):
        w = Workdir(config=CONFIG % {"sink": self.sink.url, "extra": extra}, rules=None)
        self.addCleanup(w.cleanup)
        return w

    def kill9(self, d):
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        d.log_file.close()

    def test_state_survives_kill_and_the_escalation_resumes_once(self):
        w = self.work()
        d = Rotad(w.config)
        status, out = post(d, {"labels": {"alertname": "Survivor"}})
        self.assertEqual(status, 202)
        aid = out["alerts"][0]["id"]
        self.sink.wait_for(lambda m: m["json"]["recipient"] == "first", "step 1")
        status, out = post(d, {"labels": {"alertname": "Quiet"}})
        self.assertEqual(d.request("POST", "/api/v1/silences", body=json.dumps(
            {"matchers": ['alertname="Muted"'], "duration": "1h", "created_by": "t"}))[0], 201)
        self.assertEqual(d.request("POST", "/api/v1/overrides", body=json.dumps(
            {"person": "never", "team": "nope", "start": "2026-01-01T00:00:00Z", "end": "2036-01-01T00:00:00Z"}))[0], 400)
        self.kill9(d)  # before step 2 (3 s after step 1)
        d2 = Rotad(w.config)
        self.addCleanup(d2.stop)
        status, _, body = d2.request("GET", "/api/v1/alerts/" + aid)
        self.assertEqual(status, 200)
        alert = json.loads(body)
        self.assertEqual(alert["state"], "firing")
        self.assertEqual(alert["notified"], ["first"])
        self.assertIn("msg=\"store opened\"", d2.log())
        # Step 2 comes once, from the restarted daemon.
        self.sink.wait_for(lambda m: m["json"]["recipient"] == "second" and
                           any(a["id"] == aid for a in m["json"]["alerts"]), "step 2 after restart")
        time.sleep(1)
        seconds = [m for m in self.sink.messages(lambda m: m["json"]["recipient"] == "second")
                   if any(a["id"] == aid for a in m["json"]["alerts"])]
        self.assertEqual(len(seconds), 1)
        # The silence survived too, and so did the rule it encodes.
        status, _, body = d2.request("GET", "/api/v1/silences")
        self.assertEqual([s["matchers"] for s in json.loads(body)["silences"]], [['alertname="Muted"']])
        status, out = post(d2, {"labels": {"alertname": "Muted"}})
        self.assertEqual(out["alerts"][0]["status"], "silenced")
        # A new alert gets a new id, after the restored ones.
        status, out = post(d2, {"labels": {"alertname": "After"}})
        self.assertGreater(int(out["alerts"][0]["id"]), int(aid))

    def test_runtime_overrides_survive_restart(self):
        w = self.work()
        d = Rotad(w.config)
        status, _, body = d.request("POST", "/api/v1/overrides", body=json.dumps(
            {"person": "never", "replaces": "first", "start": "2026-01-01T00:00:00Z", "end": "2036-01-01T00:00:00Z"}))
        self.assertEqual(status, 201, body)
        d.stop()
        import sqlite3
        db = sqlite3.connect(os.path.join(w.state, "rota.db"))
        # 2036-01-01T00:00:00Z in Unix milliseconds: the row keeps the real end.
        self.assertEqual(db.execute("SELECT end_at FROM overrides").fetchall(), [(2082758400000,)])
        db.close()
        d2 = Rotad(w.config)
        self.addCleanup(d2.stop)
        status, _, body = d2.request("GET", "/api/v1/overrides")
        self.assertEqual([o["id"] for o in json.loads(body)["overrides"]], [json.loads(body)["overrides"][0]["id"]])
        self.assertEqual(json.loads(body)["overrides"][0]["replaces"], "first")

    def test_a_full_store_answers_503_never_202(self):
        w = self.work(extra=", max_db_bytes: 1048576")
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        accepted = []
        refused = None
        refused_name = None
        for i in range(400):
            status, out = post(d, {"labels": {"alertname": "Big%d" % i, "speed": "slow"},
                                   "annotations": {"blob": "x" * 30000}})
            if status == 202:
                accepted.append(out["alerts"][0]["id"])
                continue
            refused, refused_name = status, "Big%d" % i
            break
        self.assertEqual(refused, 503, "the 1 MiB store filled up")
        # A 503 means "not in force": the alert whose write found the store
        # full is not there. Each change asked afterwards either gets its 2xx
        # and is in force, or its 503 and is not (a small row may still fit).
        def names():
            listing = json.loads(d.request("GET", "/api/v1/alerts?state=all")[2])["alerts"]
            return {a["labels"]["alertname"] for a in listing}
        self.assertNotIn(refused_name, names())
        self.assertIn("undoing what it carried", d.log())
        outcomes = {}
        for what, path, doc in (
                ("silence", "/api/v1/silences", {"matchers": ['alertname="Big0"'], "duration": "1h", "created_by": "t"}),
                ("override", "/api/v1/overrides", {"person": "second", "replaces": "first",
                                                   "start": "2026-01-01T00:00:00Z", "end": "2036-01-01T00:00:00Z"}),
                ("ack", "/api/v1/alerts/%s/ack" % accepted[0], {"by": "first"}),
                ("big", "/api/v1/events", {"labels": {"alertname": "Bigger", "speed": "slow"},
                                           "annotations": {"blob": "y" * 60000}})):
            status, _, body = d.request("POST", path, body=json.dumps(doc))
            self.assertIn(status, (200, 201, 202, 503), body)
            outcomes[what] = status != 503
        def in_force(dd):
            return {
                "silence": bool(json.loads(dd.request("GET", "/api/v1/silences")[2])["silences"]),
                "override": any(o["source"] == "api" for o in
                                json.loads(dd.request("GET", "/api/v1/overrides")[2])["overrides"]),
                "ack": json.loads(dd.request("GET", "/api/v1/alerts/" + accepted[0])[2])["state"] == "acknowledged",
                "big": "Bigger" in {a["labels"]["alertname"] for a in
                                    json.loads(dd.request("GET", "/api/v1/alerts?state=all")[2])["alerts"]},
            }
        self.assertEqual(in_force(d), outcomes)
        status, headers, body = d.request("POST", "/api/v1/events",
                                          body=json.dumps({"labels": {"alertname": "More", "speed": "slow"},
                                                           "annotations": {"blob": "x" * 30000}}))
        self.assertEqual(status, 503)
        self.assertEqual(headers["Retry-After"], "5")
        self.assertIn("cannot write its state", json.loads(body)["error"])
        self.assertEqual(d.request("GET", "/-/ready")[0], 503)
        self.assertRegex(d.metrics(), r"(?m)^rota_store_up 0$")
        self.assertRegex(d.metrics(), r"(?m)^rota_store_write_failures_total [1-9]")
        self.assertIn("cannot write to the store", d.log())
        self.assertGreater(len(accepted), 5)
        # Everything answered 202 is there after a crash.
        self.kill9(d)
        # (Still full: the restarted daemon's first write may fail and keep it
        # unready, which is right; its API answers all the same.)
        d2 = Rotad(w.config, wait_ready=False)
        d2.port = d2.wait_listening()
        status, _, body = d2.request("GET", "/api/v1/alerts?state=all")
        ids = {a["id"] for a in json.loads(body)["alerts"]}
        stored_names = {a["labels"]["alertname"] for a in json.loads(body)["alerts"]}
        after_restart = in_force(d2)
        d2.stop()
        self.assertTrue(set(accepted) <= ids, set(accepted) - ids)
        self.assertNotIn(refused_name, stored_names)  # not written later either
        self.assertEqual(after_restart, outcomes)

    def test_crash_loop_under_concurrent_ingest_loses_nothing_answered_202(self):
        cycles = int(os.environ.get("ROTA_CRASH_CYCLES", "50"))
        w = self.work()
        rng = random.Random(7)
        acknowledged = {}  # fingerprint -> id, for every 202
        for cycle in range(cycles):
            d = Rotad(w.config)
            stop = threading.Event()
            lock = threading.Lock()

            def writer(n):
                i = 0
                while not stop.is_set():
                    key = "c%d-w%d-%d" % (cycle, n, i)
                    i += 1
                    try:
                        status, out = post(d, {"labels": {"alertname": key, "speed": "slow"}})
                    except OSError:
                        return  # killed mid-request: not acknowledged
                    if status == 202:
                        with lock:
                            acknowledged[out["alerts"][0]["fingerprint"]] = out["alerts"][0]["id"]

            threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.05, 0.4))
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait()
            stop.set()
            for t in threads:
                t.join()
            d.log_file.close()
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        status, _, body = d.request("GET", "/api/v1/alerts?state=all")
        stored = {a["fingerprint"]: a["id"] for a in json.loads(body)["alerts"]}
        missing = {k: v for k, v in acknowledged.items() if stored.get(k) != v}
        self.assertGreater(len(acknowledged), cycles * 5, "the load actually ran")
        self.assertEqual(missing, {}, "answered 202 but lost after kill -9")



HOLD_CONFIG = """\
server: {listen: '127.0.0.1:0'}
storage: {dir: '%(state)s'}
channels: [{name: hooks, type: webhook, url: '%(sink)s'}]
people: [{id: later, contacts: [{channel: hooks, to: later}]}]
teams: [{id: late, members: [later]}]
overrides: [{person: later, team: late, start: '%(start)s', end: '%(end)s'}]
routes: [{name: r, group_wait: 0s, group_by: ['...'], escalation: e}]
escalations: [{name: e, steps: [{notify: ['team:late'], escalate_after: 1h}]}]
"""


class HoldRestartTest(unittest.TestCase):
    """A hold survives a restart: the release comes once, when hours begin."""

    def setUp(self):
        self.sink = Sink()
        self.addCleanup(self.sink.close)

    def held(self, seconds):
        import datetime as dt
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        start = now + dt.timedelta(seconds=seconds)
        w = Workdir(rules=None)
        self.addCleanup(w.cleanup)
        w.write("rota.yaml", HOLD_CONFIG % {
            "state": w.state, "sink": self.sink.url,
            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")})
        d = Rotad(w.config)
        status, out = post(d, {"labels": {"alertname": "Held"}})
        self.assertEqual(status, 202)
        alert = out["alerts"][0]
        self.assertEqual(alert["status"], "held")
        self.assertEqual(alert["held_until"], start.strftime("%Y-%m-%dT%H:%M:%SZ"))
        DurabilityTest.kill9(self, d)
        return w, alert["id"], start.timestamp()

    def releases(self, aid):
        return [m for m in self.sink.messages()
                if m["json"]["kind"] == "digest" and any(a["id"] == aid for a in m["json"]["alerts"])]

    def test_restart_before_the_hold_ends_releases_once_when_hours_begin(self):
        w, aid, start = self.held(8)
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        if time.time() < start:  # (a slow start-up may have reached it already)
            self.assertEqual(self.sink.messages(), [], "nothing before the person's hours")
        wait_until(lambda: self.releases(aid), "the release after the restart")
        self.assertGreaterEqual(time.time(), start, "not before the hold ends")
        d.stop()
        d2 = Rotad(w.config)  # and a second restart sends nothing again
        self.addCleanup(d2.stop)
        post(d2, {"labels": {"alertname": "Marker"}})
        wait_until(lambda: self.sink.messages(lambda m: any(a["labels"].get("alertname") == "Marker"
                                                           for a in m["json"]["alerts"])), "a later alert")
        self.assertEqual(len(self.releases(aid)), 1)
        self.assertEqual(len(self.sink.messages()), 2)

    def test_down_across_the_end_of_a_hold_releases_once_at_start_up(self):
        w, aid, start = self.held(3)
        wait_until(lambda: time.time() > start + 1, "the hold's end to pass while rotad is down")
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        wait_until(lambda: self.releases(aid), "the release at start-up")
        d.stop()
        d2 = Rotad(w.config)
        self.addCleanup(d2.stop)
        post(d2, {"labels": {"alertname": "Marker"}})
        wait_until(lambda: len(self.sink.messages()) >= 2, "a later alert")
        self.assertEqual(len(self.releases(aid)), 1)
        self.assertEqual(len(self.sink.messages()), 2)


class DeliveryTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink(status=503)
        self.addCleanup(self.sink.close)
        self.w = Workdir(config=CONFIG % {"sink": self.sink.url, "extra": ""}, rules=None)
        self.addCleanup(self.w.cleanup)

    def timeline(self, d, aid):
        return [e["what"] for e in json.loads(d.request("GET", "/api/v1/alerts/" + aid)[2])["timeline"]]

    def test_receiver_down_then_up_gets_everything_with_one_key(self):
        d = Rotad(self.w.config)
        self.addCleanup(d.stop)
        status, out = post(d, {"labels": {"alertname": "Retry", "speed": "slow"}})
        aid = out["alerts"][0]["id"]
        wait_until(lambda: len(self.sink.messages()) >= 2, "two failed attempts")
        self.sink.status = 200
        wait_until(lambda: any(w.startswith("delivered to first via hooks (HTTP 200,") for w in self.timeline(d, aid)),
                   "the delivery once the receiver is back", timeout=60)
        keys = {m["headers"]["Idempotency-Key"] for m in self.sink.messages()}
        self.assertEqual(len(keys), 1, "every attempt carries the same Idempotency-Key")
        self.assertRegex(d.metrics(), r'rota_notification_attempts_total\{channel="hooks",outcome="failed"\} [2-9]')
        self.assertRegex(d.metrics(), r'rota_notifications_total\{channel="hooks",kind="alert",outcome="delivered"\} 1')
        self.assertIn("will retry", d.log())

    def test_a_4xx_is_final(self):
        self.sink.status = 400
        d = Rotad(self.w.config)
        self.addCleanup(d.stop)
        status, out = post(d, {"labels": {"alertname": "Rejected", "speed": "slow"}})
        aid = out["alerts"][0]["id"]
        wait_until(lambda: any(w.startswith("rejected to first via hooks (HTTP 400, 1 attempt)") for w in self.timeline(d, aid)),
                   "the rejection in the timeline")
        time.sleep(2.5)  # past the first backoff: a retry would have come
        self.assertEqual(len(self.sink.messages()), 1)

    def test_pending_notifications_are_resent_after_a_crash(self):
        d = Rotad(self.w.config)
        status, out = post(d, {"labels": {"alertname": "Pending", "speed": "slow"}})
        wait_until(lambda: len(self.sink.messages()) >= 1, "a failed attempt")
        key = self.sink.messages()[0]["headers"]["Idempotency-Key"]
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        d.log_file.close()
        self.sink.status = 200
        d2 = Rotad(self.w.config)
        self.addCleanup(d2.stop)
        wait_until(lambda: [m for m in self.sink.messages() if m["headers"]["Idempotency-Key"] == key and len(self.sink.messages()) >= 2],
                   "the re-send after restart")
        self.assertIn("pending_notifications=1", d2.log())

    def test_a_restart_resumes_the_stored_retry_schedule(self):
        d = Rotad(self.w.config)
        post(d, {"labels": {"alertname": "Later", "speed": "slow"}})
        wait_until(lambda: len(self.sink.messages()) >= 1, "a failed attempt")
        d.stop()
        # The next attempt is due 3 s from now: the restart must wait for it
        # instead of sending every pending notification at once.
        import sqlite3
        due = time.time() + 3
        due_mono = time.monotonic() + 3
        with sqlite3.connect(os.path.join(self.w.state, "rota.db")) as db:
            n = db.execute("UPDATE outbox SET next_attempt_at = ? WHERE state = 'pending'",
                           (int(due * 1000),)).rowcount
        self.assertEqual(n, 1)
        before = len(self.sink.messages())
        self.sink.status = 200
        d2 = Rotad(self.w.config)
        self.addCleanup(d2.stop)
        self.assertIn("pending_notifications=1", d2.log())
        wait_until(lambda: len(self.sink.messages()) > before, "the attempt at its stored instant")
        arrived = self.sink.messages()[before]["at"]
        self.assertGreaterEqual(arrived, due_mono - 0.05, "sent before its stored next attempt")

    def test_delivery_outcomes_ride_with_the_next_commit(self):
        # One fsync per event: the delivery mark of one alert is written with
        # the next alert's commit, not by a commit of its own.
        self.sink.status = 200
        d = Rotad(self.w.config)
        self.addCleanup(d.stop)
        commits = lambda: d.metric("rota_store_commit_duration_seconds_count")
        start = commits()
        n = 40
        for i in range(n):
            status, _ = post(d, {"labels": {"alertname": "One%d" % i, "speed": "slow"}})
            self.assertEqual(status, 202)
        wait_until(lambda: len(self.sink.messages()) >= n, "every delivery")
        wait_until(lambda: d.metric("rota_notifications_total{channel=\"hooks\",kind=\"alert\",outcome=\"delivered\"}") == n,
                   "every outcome counted")
        # Each alert's own commit, plus a few flushes when nothing else commits;
        # a separate commit per delivery would make it about 2n.
        used = commits() - start
        self.assertGreaterEqual(used, n)
        self.assertLess(used, 1.5 * n, "delivery marks took commits of their own")


class CorruptRowTest(unittest.TestCase):
    """Stored rows that do not decode are skipped with an error line, never a
    crash, and their ids are never handed out again."""

    def test_bad_rows_are_skipped_and_their_ids_stay_taken(self):
        import sqlite3
        sink = Sink()
        self.addCleanup(sink.close)
        w = Workdir(config=CONFIG % {"sink": sink.url, "extra": ""}, rules=None)
        self.addCleanup(w.cleanup)
        d = Rotad(w.config)
        d.stop()
        with sqlite3.connect(os.path.join(w.state, "rota.db")) as db:
            db.execute("INSERT INTO alerts(id, key, state, updated_at, doc) VALUES (50, 'k', 'firing', 0, '{broken')")
            db.execute("INSERT INTO overrides(id, end_at, doc) VALUES ('o-7', 0, "
                       "'{\"id\":\"o-7\",\"person\":\"first\",\"start\":\"x\",\"end\":1}')")
            db.execute("INSERT INTO silences(id, ends_at, doc) VALUES ('s-4', 0, '{}')")
        for attempt in range(2):  # and again: a bad row never stops a start
            d = Rotad(w.config)
            log = d.log()
            # The first start skips all three; the run-time changes then
            # rewrite the overrides and silences tables (the unreadable rows
            # go with that), so the second start skips the alert alone.
            bad = (("alerts", "50"), ("overrides", "o-7"), ("silences", "s-4")) if attempt == 0 else (("alerts", "50"),)
            for table, rid in bad:
                self.assertRegex(log, r'level=error msg="skipping a stored row that does not decode" table=%s id=%s error=' % (table, rid))
            if attempt == 0:
                status, out = post(d, {"labels": {"alertname": "New"}})
                self.assertEqual(status, 202)
                self.assertEqual(out["alerts"][0]["id"], "51")
                status, _, body = d.request("POST", "/api/v1/overrides", body=json.dumps(
                    {"person": "second", "replaces": "first", "start": "2026-01-01T00:00:00Z", "end": "2036-01-01T00:00:00Z"}))
                self.assertEqual(status, 201, body)
                self.assertEqual(json.loads(body)["id"], "o-8")
                status, _, body = d.request("POST", "/api/v1/silences", body=json.dumps(
                    {"matchers": ['alertname="X"'], "duration": "1h", "created_by": "t"}))
                self.assertEqual(status, 201, body)
                self.assertEqual(json.loads(body)["id"], "s-5")
            d.stop()


class BackupTest(unittest.TestCase):
    def test_backup_of_a_running_daemon_restores(self):
        from harness import ROTACTL
        import subprocess
        sink = Sink()
        self.addCleanup(sink.close)
        w = Workdir(config=CONFIG % {"sink": sink.url, "extra": ""}, rules=None)
        self.addCleanup(w.cleanup)
        d = Rotad(w.config)
        self.addCleanup(d.stop)
        ids = [post(d, {"labels": {"alertname": "B%d" % i, "speed": "slow"}})[1]["alerts"][0]["id"] for i in range(20)]
        dest = os.path.join(w.path, "backup.db")
        r = subprocess.run([ROTACTL, "backup", "--config", w.config, dest], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("backed up", r.stdout)
        r = subprocess.run([ROTACTL, "backup", "--config", w.config, dest], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("already exists", r.stderr)
        # A daemon started on the backup has every alert.
        w2 = Workdir(config=CONFIG % {"sink": sink.url, "extra": ""}, rules=None)
        self.addCleanup(w2.cleanup)
        os.makedirs(w2.state, exist_ok=True)
        os.replace(dest, os.path.join(w2.state, "rota.db"))
        d2 = Rotad(w2.config)
        self.addCleanup(d2.stop)
        _, _, body = d2.request("GET", "/api/v1/alerts?state=all")
        self.assertTrue(set(ids) <= {a["id"] for a in json.loads(body)["alerts"]})

    def test_a_corrupt_store_stops_start_up_and_is_left_alone(self):
        import subprocess
        from harness import ROTAD
        w = Workdir(config=CONFIG % {"sink": "http://127.0.0.1:1/x", "extra": ""}, rules=None)
        self.addCleanup(w.cleanup)
        os.makedirs(w.state, exist_ok=True)
        db = os.path.join(w.state, "rota.db")
        with open(db, "wb") as f:
            f.write(b"this is not a database" * 500)
        r = subprocess.run([ROTAD, "--config", w.config], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a usable SQLite database (left untouched)", r.stderr)
        with open(db, "rb") as f:
            self.assertEqual(f.read(), b"this is not a database" * 500)


if __name__ == "__main__":
    unittest.main()
