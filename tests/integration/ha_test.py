"""High availability on PostgreSQL: several rotad on one database, one leader.

Runs against the throwaway PostgreSQL 15 of ctest's `pg` fixture (ROTA_TEST_PG,
tests/tools/pg_cluster.py), one database per test; the test that stops
PostgreSQL mid-load starts a cluster of its own.

Waiting is never what passes a test: each wait is for an observable event
(a log line, a status, a notification at the sink), bounded only so that a
hung test ends. The one timing promise asserted is the issue's: a standby
leads within 10 s of the leader's death (the lease here is 1 s).
"""

import json
import os
import random
import re
import signal
import sys
import threading
import time
import unittest
import urllib.parse

from harness import ROTACTL, Rotad, Sink, Workdir, console_form, wait_until

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import pg_cluster  # noqa: E402

KILLS = int(os.environ.get("ROTA_HA_KILLS", "20"))
FAILOVER_LOG = os.environ.get("ROTA_HA_FAILOVER_LOG")  # bench: where to write the failover times

CONFIG = """\
server: {{listen: '127.0.0.1:0', instance: '{instance}'}}
storage:
  backend: postgres
  postgres: {{dsn: '{dsn}', lease: {lease}}}
channels: [{{name: hooks, type: webhook, url: '{sink}'}}]
time_intervals: [{{name: always, time_intervals: [{{}}]}}]
people:
  - {{id: first, hours: [always], contacts: [{{channel: hooks, to: first}}]}}
  - {{id: second, hours: [always], contacts: [{{channel: hooks, to: second}}]}}
  - {{id: later, contacts: [{{channel: hooks, to: later}}]}}
teams: [{{id: late, members: [later]}}]
overrides: [{{person: later, team: late, start: '{hold_start}', end: '{hold_end}'}}]
routes:
  - {{name: held, matchers: ['hold="yes"'], group_wait: 0s, group_by: ['...'], escalation: late}}
  - {{name: slow, matchers: ['speed="slow"'], group_wait: 0s, group_by: ['...'], escalation: slow}}
  - {{name: all, group_wait: 0s, group_by: ['...'], escalation: two-steps}}
escalations:
  - name: two-steps
    steps:
      - {{notify: ['person:first'], escalate_after: {escalate}}}
      - {{notify: ['person:second'], escalate_after: 1h}}
  - name: slow
    steps: [{{notify: ['person:first'], escalate_after: 1h}}]
  - name: late
    steps: [{{notify: ['team:late'], escalate_after: 1h}}]
"""


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def admin_dsn():
    state = os.environ.get("ROTA_TEST_PG")
    if not state:
        raise unittest.SkipTest("needs ctest's pg fixture (ROTA_TEST_PG)")
    with open(state) as f:
        return json.load(f)["admin_dsn"]


_serial = [0]


def fresh_database(admin):
    """A new database on the fixture's cluster; its DSN."""
    import subprocess
    _serial[0] += 1
    name = "ha_%d_%d" % (os.getpid(), _serial[0])
    subprocess.run(["psql", "-X", "-q", "-d", admin, "-c", 'CREATE DATABASE "%s"' % name], check=True)
    return admin.replace("dbname=postgres", "dbname=" + name)


def post(d, doc, path="/api/v1/events"):
    status, _, body = d.request("POST", path, body=json.dumps(doc))
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, None


def status_of(d):
    try:
        code, _, body = d.request("GET", "/api/v1/status")
    except OSError:
        return None
    return json.loads(body) if code == 200 else None


class StallingProxy:
    """A TCP proxy to PostgreSQL that can stall: while `stalled` is set it
    stops moving bytes either way and closes nothing, as a network partition
    the kernel has not noticed (no reset, no FIN)."""

    def __init__(self, host, port):
        import socket
        self.stalled = threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.upstream = (host, port)
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        import socket
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    def pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while self.stalled.is_set() and not self.closed:
                    time.sleep(0.02)
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(2)
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.stalled.clear()
        self.listener.close()


class Group:
    """Up to three rotad named a, b, c on one database, restartable."""

    def __init__(self, test, dsn, sink, lease="1s", escalate="3s", hold_in=3600.0, names="abc", dsns=None):
        self.test = test
        self.instances = {}
        self.dirs = {}
        now = time.time()
        for name in names:
            w = Workdir(config=CONFIG.format(instance="rota-" + name, dsn=(dsns or {}).get(name, dsn), lease=lease, sink=sink.url,
                                             escalate=escalate, hold_start=rfc3339(now + hold_in),
                                             hold_end=rfc3339(now + hold_in + 3600))
                        .replace("{", "{{").replace("}", "}}"),  # Workdir formats it again
                        rules=None)
            test.addCleanup(w.cleanup)
            self.dirs[name] = w
        test.addCleanup(self.stop_all)

    def start(self, name):
        d = Rotad(self.dirs[name].config)
        self.instances[name] = d
        return d

    def live(self):
        return {n: d for n, d in self.instances.items() if d.proc.poll() is None}

    def leader(self, among=None):
        """(name, epoch) of the instance that says it leads, or None."""
        for name, d in self.live().items():
            if among and name not in among:
                continue
            st = status_of(d)
            if st and st["role"] == "leader":
                return name, st["epoch"]
        return None

    def wait_leader(self, other_than=None, above_epoch=0, timeout=60, among=None):
        def found():
            got = self.leader(among)
            if got and got[0] != other_than and got[1] > above_epoch:
                return got
            return None
        return wait_until(found, "an instance leads", timeout)

    def kill9(self, name):
        d = self.instances[name]
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        d.log_file.close()

    def stop_all(self):
        for d in self.instances.values():
            if d.proc.poll() is None:
                d.stop()


class HaTest(unittest.TestCase):
    def setUp(self):
        self.admin = admin_dsn()
        self.sink = Sink()
        self.addCleanup(self.sink.close)

    def test_a_standby_accepts_and_answers_with_the_leaders_decision(self):
        g = Group(self, fresh_database(self.admin), self.sink, names="ab")
        a = g.start("a")
        g.wait_leader()
        b = g.start("b")
        self.assertEqual(status_of(a)["role"], "leader")
        # b learns who leads at its first look at the lease.
        st = wait_until(lambda: (lambda s: s if s and s["leader"] else None)(status_of(b)), "b knows the leader")
        self.assertEqual((st["role"], st["leader"], st["backend"]), ("standby", "rota-a", "postgres"))
        status, out = post(b, {"labels": {"alertname": "via-standby", "speed": "slow"}})
        self.assertEqual(status, 202)
        self.assertEqual(len(out["alerts"]), 1)
        # The leader's decision, or "accepted" when it did not come in time.
        self.assertIn(out["alerts"][0]["status"], ("notified", "accepted"))
        self.sink.wait_for(lambda m: m["json"]["alerts"][0]["labels"].get("alertname") == "via-standby",
                           "the leader notifies what the standby accepted")
        # Bad input is refused by the instance it came to, and nothing is stored.
        status, out = post(b, {"labels": "not a map"})
        self.assertEqual(status, 400)
        # A human action through the standby reaches the leader's engine.
        code, _, body = a.request("GET", "/api/v1/alerts")
        aid = json.loads(body)["alerts"][0]["id"]
        code, _, body = b.request("POST", "/api/v1/alerts/%s/ack" % aid, body=json.dumps({"by": "first"}))
        self.assertIn(code, (200, 202), body)
        wait_until(lambda: json.loads(a.request("GET", "/api/v1/alerts/%s" % aid)[2])["state"] == "acknowledged",
                   "the ack reaches the leader")
        # A web console form on the standby is forwarded like the API call it becomes.
        cookie, csrf = console_form(b, "/ui/silences")
        form = urllib.parse.urlencode({"csrf": csrf, "matchers": 'alertname="via-console"', "duration": "1h",
                                       "created_by": "first"})
        code, headers, body = b.request("POST", "/ui/silences", body=form, headers={
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(code, 303, body)
        self.assertEqual(headers["Location"], "/ui/silences?done=silence%20created")
        wait_until(lambda: [s["matchers"] for s in json.loads(a.request("GET", "/api/v1/silences")[2])["silences"]]
                   == [['alertname="via-console"']], "the console's silence reaches the leader")
        # Metrics say who leads.
        self.assertEqual(a.metric("rota_ha_leader"), 1)
        self.assertEqual(b.metric("rota_ha_leader"), 0)
        self.assertGreaterEqual(a.metric("rota_ha_epoch"), 1)

    def test_leader_killed_twenty_times_under_load_loses_nothing(self):
        g = Group(self, fresh_database(self.admin), self.sink)
        for name in "abc":
            g.start(name)
        name, epoch = g.wait_leader()
        accepted = set()  # fingerprints answered 2xx
        lock = threading.Lock()
        stop = threading.Event()
        errors = []

        def writer(n):
            i = 0
            rng = random.Random(n)
            while not stop.is_set():
                live = list(g.live().values())
                if not live:
                    continue
                d = rng.choice(live)
                key = "w%d-%d" % (n, i)
                i += 1
                try:
                    status, out = post(d, {"labels": {"alertname": key, "speed": "slow"}})
                except OSError:
                    continue  # killed mid-request: not acknowledged
                if status == 202:
                    with lock:
                        accepted.add(out["alerts"][0]["fingerprint"])
                elif status != 503:
                    errors.append((status, out))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        failovers = []
        rng = random.Random(14)
        try:
            for _ in range(KILLS):
                time.sleep(rng.uniform(0.2, 1.5))  # a random moment under load
                g.kill9(name)
                killed_at = time.monotonic()
                new_name, new_epoch = g.wait_leader(other_than=name, above_epoch=epoch)
                failovers.append(time.monotonic() - killed_at)
                self.assertGreater(new_epoch, epoch)
                g.start(name)  # as systemd would
                name, epoch = new_name, new_epoch
        finally:
            stop.set()
            for t in threads:
                t.join()
        if FAILOVER_LOG:
            with open(FAILOVER_LOG, "w") as f:
                json.dump(failovers, f)
        self.assertEqual(errors, [])
        self.assertGreater(len(accepted), KILLS * 5, "the load actually ran")
        self.assertLessEqual(max(failovers), 10.0, "a standby leads within 10 s: %s" % failovers)
        leader = g.instances[name]

        def stored():
            code, _, body = leader.request("GET", "/api/v1/alerts?state=all")
            return {a["fingerprint"]: a for a in json.loads(body)["alerts"]}
        missing = wait_until(lambda: (lambda s: accepted <= set(s) and s)(stored()),
                             "every accepted event reaches the leader's engine")
        ids = {str(missing[f]["id"]) for f in accepted}
        # Every decided notification arrives; a repeat only with its key.
        def delivered():
            got = {}
            for m in self.sink.messages():
                for a in m["json"]["alerts"]:
                    got.setdefault(str(a["id"]), set()).add(m["headers"].get("Idempotency-Key"))
            return got if ids <= set(got) else None
        got = wait_until(delivered, "a notification for every accepted alert")
        repeated = {aid: keys for aid, keys in got.items() if len(keys) > 1}
        self.assertEqual(repeated, {}, "an alert notified twice under different keys")

    def test_a_send_in_flight_when_the_leader_dies_is_sent_again_by_the_next_with_its_key(self):
        g = Group(self, fresh_database(self.admin), self.sink, names="ab")
        a = g.start("a")
        g.wait_leader()
        g.start("b")
        self.sink.gate.clear()  # the receiver holds every request
        status, out = post(a, {"labels": {"alertname": "in-flight", "speed": "slow"}})
        self.assertEqual(status, 202)
        wait_until(lambda: self.sink.arrived >= 1, "the leader's send reaches the receiver")
        g.kill9("a")  # before the receiver answers: not marked delivered
        g.wait_leader(other_than="a")
        self.sink.gate.set()
        # The held request is recorded too (the sink read it before holding);
        # the new leader's is a second with the same key.
        sent = self.sink.wait_for(lambda m: m["json"]["recipient"] == "first", "deliveries")
        wait_until(lambda: len(self.sink.messages(lambda m: m["json"]["recipient"] == "first")) >= 2,
                   "the new leader sends it again")
        keys = {m["headers"].get("Idempotency-Key") for m in self.sink.messages()}
        self.assertEqual(len(keys), 1, keys)
        self.assertTrue(sent)

    def test_a_frozen_leader_sends_nothing_after_it_wakes(self):
        g = Group(self, fresh_database(self.admin), self.sink, names="ab", escalate="4s")
        a = g.start("a")
        g.wait_leader()
        b = g.start("b")
        status, out = post(a, {"labels": {"alertname": "frozen"}})
        self.assertEqual(status, 202)
        self.sink.wait_for(lambda m: m["json"]["recipient"] == "first", "step 1 from the leader")
        a.signal(signal.SIGSTOP)
        try:
            g.wait_leader(other_than="a", among="b")  # a cannot answer while stopped
            # b escalates when step 1's 4 s are up: once.
            self.sink.wait_for(lambda m: m["json"]["recipient"] == "second", "step 2 from the new leader")
        finally:
            a.signal(signal.SIGCONT)
        woke = time.monotonic()
        # a finds out it lost the lease; its own escalation (due while it
        # slept) must not go out.
        wait_until(lambda: "stopped leading" in a.log(), "the woken leader steps down")
        self.assertEqual(status_of(a)["role"], "standby")
        late = [m for m in self.sink.messages() if m["at"] > woke]
        self.assertEqual(late, [], "a message reached the sink after the frozen leader woke")
        second = self.sink.messages(lambda m: m["json"]["recipient"] == "second")
        self.assertEqual(len(second), 1)
        self.assertEqual(b.metric("rota_ha_leader"), 1)
        # Its write in flight when it woke was refused (fenced), but the store
        # is fine: as a standby it is ready again, and says the store is up.
        wait_until(lambda: a.request("GET", "/-/ready")[0] == 200, "the demoted leader ready as a standby")
        self.assertEqual(a.metric("rota_store_up"), 1)
        self.assertEqual(a.metric("rota_ha_leader"), 0)

    def test_a_leader_whose_postgresql_stalls_answers_503_and_steps_down(self):
        # a reaches PostgreSQL through a proxy that stalls: no byte moves and
        # nothing is closed, which TCP does not notice for a long time. a
        # must not go on claiming to lead, nor leave ingest hanging; b, which
        # reaches the database directly, takes over.
        dsn = fresh_database(self.admin)
        port = int(re.search(r"port=(\d+)", dsn).group(1))
        proxy = StallingProxy("127.0.0.1", port)
        self.addCleanup(proxy.close)
        g = Group(self, dsn, self.sink, names="ab",
                  dsns={"a": re.sub(r"port=\d+", "port=%d" % proxy.port, dsn)})
        a = g.start("a")
        g.wait_leader()
        b = g.start("b")
        self.assertEqual(post(a, {"labels": {"alertname": "before"}})[0], 202)
        proxy.stalled.set()
        # Ingest is refused (503, within the 1 s lease and the client's 10 s),
        # not left hanging; the lease goes to b (a's session, quiet inside a
        # transaction, is ended by the server and its lock goes with it).
        status, _ = post(a, {"labels": {"alertname": "during"}})
        self.assertEqual(status, 503)
        g.wait_leader(other_than="a", among="b")
        wait_until(lambda: a.metric("rota_ha_leader") == 0, "a's rota_ha_leader drops")
        self.assertEqual(status_of(a)["role"], "standby")
        self.assertIn("did not answer within 1s", a.log())
        proxy.stalled.clear()
        # b took over what a had durably accepted, and a follows as a standby.
        self.assertEqual(post(b, {"labels": {"alertname": "after"}})[0], 202)
        wait_until(lambda: a.request("GET", "/-/ready")[0] == 200, "a ready again, as a standby")

    def test_an_escalation_and_a_hold_spanning_a_failover_fire_once_on_time(self):
        g = Group(self, fresh_database(self.admin), self.sink, names="ab", escalate="4s", hold_in=5.0)
        a = g.start("a")
        g.wait_leader()
        g.start("b")
        posted = time.time()
        status, out = post(a, {"labels": {"alertname": "spans"}})
        self.assertEqual(status, 202)
        status, out = post(a, {"labels": {"alertname": "held", "hold": "yes"}})
        self.assertEqual(status, 202)
        self.assertEqual(out["alerts"][0]["status"], "held")
        held_until = out["alerts"][0]["held_until"]
        self.sink.wait_for(lambda m: m["json"]["recipient"] == "first", "step 1 before the failover")
        g.kill9("a")
        g.wait_leader(other_than="a")
        second = self.sink.wait_for(lambda m: m["json"]["recipient"] == "second", "step 2 after the failover")
        released = self.sink.wait_for(lambda m: m["json"]["recipient"] == "later", "the hold's release")
        # Not early: the sink's clock against the post.
        self.assertGreaterEqual(time.time() - posted, 4.0)
        self.assertIsNotNone(held_until)
        # Once each: wait for the next thing the new leader does, then count.
        status, out = post(g.instances["b"], {"labels": {"alertname": "after", "speed": "slow"}})
        self.sink.wait_for(lambda m: m["json"]["alerts"][0]["labels"].get("alertname") == "after", "a later alert")
        self.assertEqual(len(self.sink.messages(lambda m: m["json"]["recipient"] == "second")), 1)
        self.assertEqual(len(self.sink.messages(lambda m: m["json"]["recipient"] == "later")), 1)
        self.assertTrue(second and released)


SQLITE_CONFIG = """\
server: {listen: '127.0.0.1:0'}
storage: {dir: '%(state)s'}
channels: [{name: hooks, type: webhook, url: '%(sink)s'}]
people: [{id: first, hours: [{}], contacts: [{channel: hooks, to: first}]}]
routes: [{name: all, group_wait: 0s, group_by: ['...'], escalation: e}]
escalations: [{name: e, steps: [{notify: ['person:first'], escalate_after: 1h}]}]
"""


class MigrateStoreTest(unittest.TestCase):
    """rotactl migrate-store moves a SQLite store into PostgreSQL: the same
    alerts under the same ids, silences, and the next id after them."""

    def test_sqlite_store_moves_into_postgres(self):
        import subprocess
        sink = Sink()
        self.addCleanup(sink.close)
        config = SQLITE_CONFIG.replace("{", "{{").replace("}", "}}")
        w = Workdir(config=config.replace("%(sink)s", sink.url).replace("%(state)s", "{state}"), rules=None)
        self.addCleanup(w.cleanup)
        d = Rotad(w.config)
        ids = {}
        for name in ("one", "two", "three"):
            status, out = post(d, {"labels": {"alertname": name}})
            self.assertEqual(status, 202)
            ids[out["alerts"][0]["fingerprint"]] = out["alerts"][0]["id"]
        code, _, body = d.request("POST", "/api/v1/silences", body=json.dumps(
            {"matchers": ['alertname="quiet"'], "ends_at": rfc3339(time.time() + 3600),
             "created_by": "first", "comment": "moving"}))
        self.assertIn(code, (200, 201), body)
        d.stop()
        dsn = fresh_database(admin_dsn())
        moved = subprocess.run([ROTACTL, "migrate-store", "--from", "sqlite:" + w.state,
                                "--to", "postgres:" + dsn], capture_output=True, text=True)
        self.assertEqual(moved.returncode, 0, moved.stderr)
        self.assertIn("alerts=3", moved.stdout)
        # Into a database that holds state already: refused, nothing changed.
        again = subprocess.run([ROTACTL, "migrate-store", "--from", "sqlite:" + w.state,
                                "--to", "postgres:" + dsn], capture_output=True, text=True)
        self.assertEqual(again.returncode, 1)
        self.assertIn("already holds rota state", again.stderr)
        g = Group(self, dsn, sink, names="a")
        a = g.start("a")
        g.wait_leader()
        code, _, body = a.request("GET", "/api/v1/alerts?state=all")
        stored = {x["fingerprint"]: x["id"] for x in json.loads(body)["alerts"]}
        self.assertEqual(stored, ids)
        code, _, body = a.request("GET", "/api/v1/silences")
        self.assertEqual([s["comment"] for s in json.loads(body)["silences"]], ["moving"])
        status, out = post(a, {"labels": {"alertname": "four"}})
        self.assertGreater(int(out["alerts"][0]["id"]), max(int(i) for i in ids.values()))


class PostgresDownTest(unittest.TestCase):
    """PostgreSQL stopped mid-load and started again: 503s meanwhile, nothing
    answered 2xx lost, and the group recovers by itself."""

    def test_postgres_restart_under_load(self):
        cluster = pg_cluster.Cluster().init().start()
        self.addCleanup(cluster.remove)
        wait_until(lambda: cluster.psql("SELECT 1") == "1", "PostgreSQL answers")
        dsn = cluster.create_database("rota")
        sink = Sink()
        self.addCleanup(sink.close)
        g = Group(self, dsn, sink, names="abc")
        g.start("a")
        g.wait_leader()
        g.start("b")
        g.start("c")  # idle: nothing is sent to it, its readiness must follow the database by itself
        accepted, codes, ready = set(), [], []
        lock = threading.Lock()
        stop = threading.Event()

        def writer(n):
            i = 0
            while not stop.is_set():
                d = g.instances["ab"[i % 2]]
                i += 1
                try:
                    status, out = post(d, {"labels": {"alertname": "pg-%d-%d" % (n, i), "speed": "slow"}})
                except OSError:
                    continue
                with lock:
                    codes.append(status)
                    if status == 202:
                        accepted.add(out["alerts"][0]["fingerprint"])

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        try:
            wait_until(lambda: len(accepted) > 20, "load before the outage")
            cluster.stop()
            with lock:
                before = len(codes)
            wait_until(lambda: 503 in codes[before:], "503 while PostgreSQL is down")
            wait_until(lambda: g.instances["a"].request("GET", "/-/ready")[0] == 503, "not ready meanwhile")
            wait_until(lambda: g.instances["c"].request("GET", "/-/ready")[0] == 503, "the idle one not ready either")
            cluster.start()
            with lock:
                back = len(codes)
            wait_until(lambda: 202 in codes[back:], "202 again after PostgreSQL is back")
            wait_until(lambda: all(d.request("GET", "/-/ready")[0] == 200 for d in g.instances.values()),
                       "ready again by itself")
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertFalse(set(codes) - {202, 503}, set(codes))
        leader = g.instances[g.wait_leader()[0]]

        def stored():
            code, _, body = leader.request("GET", "/api/v1/alerts?state=all")
            got = {a["fingerprint"] for a in json.loads(body)["alerts"]}
            return accepted <= got
        wait_until(stored, "every event answered 202 is in the API")


if __name__ == "__main__":
    unittest.main()
