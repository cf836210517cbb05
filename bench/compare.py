#!/usr/bin/env python3
"""Runs every workload of docs/benchmarks.md against rota and, where it
applies, against Debian's prometheus-alertmanager started on loopback with an
equivalent config, in the same run, and prints a table with the ratios.

    cmake --preset release && cmake --build --preset release
    python3 bench/compare.py [--build build/release] [--runs 3] [--quick] [--out results.json]

Workloads (docs/benchmarks.md says what each measures and what limits it):
  0. sweep: the concurrency senders really use. Connections 1, 8, 32 x 1
     and 64 alerts per request, 15,000 unique alerts per cell, each its own
     group, webhook attached, a fresh daemon per cell: alerts/s and CPU ms
     per 1,000 alerts. Then re-sends: 10,000 firing alerts sent once, then
     all of them again in batches of 64 on one connection (what Prometheus
     does every evaluation). And the floors in the same run: back-to-back
     write + fdatasync p50 (bench/fsync_latency) and the loopback round trip
     of loadgen against the sink, one connection, one alert per request.
  1. ingest: API v2, 1 and 100 alerts per request, unique alerts, each its
     own group, webhook sink attached: alerts/s, latency, CPU s per 1,000;
     and the ceiling: the same load straight at the sink, no alerting system
  2. end to end: single alerts, 20/s, group_wait 0: POST to sink arrival
  3. memory: RSS after 10k, 100k and 1M active alerts (each its own group)
  4. routing: bench_routing (in-process, Google Benchmark)
  5. schedules: bench_schedule
  6. restart: rota's time to ready with 100k and 1M stored alerts
  7. tls: what HTTPS costs. 1 and 64 alerts per request on one connection
     (how Prometheus sends), 15,000 unique alerts, rota with server.tls and
     Alertmanager with --web.config.file (tls_server_config), each beside
     its own plain-HTTP cell in the same run; one self-signed certificate
     made with openssl, loadgen trusting it.
  8. pg: the sweep of (0) with rota on PostgreSQL 15 (storage.backend:
     postgres, one instance leading; a throwaway cluster started here, fsync
     on, a fresh database per cell) beside rota on SQLite and Alertmanager,
     in the same run. CPU is given twice for PostgreSQL: rotad alone, and
     rotad plus the PostgreSQL server's processes (the work moved there).
Alertmanager keeps no alerts across restarts, so (6) is rota's alone.

Everything listens on 127.0.0.1 on ports picked free at run time. Needs the
release build (rotad, loadgen, sink, bench_routing, bench_schedule) and
prometheus-alertmanager (both from `make`'s set-up).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unit_environment():
    """The Environment= settings of the shipped systemd unit: rotad is
    measured as it runs in production (today: glibc malloc tunables)."""
    unit = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "systemd", "rotad.service.in")
    env = {}
    with open(unit) as f:
        for line in f:
            if line.startswith("Environment="):
                name, _, value = line[len("Environment="):].strip().partition("=")
                env[name] = value
    return env


def http(method, url, body=None, timeout=10):
    req = urllib.request.Request(url, data=body, method=method)
    # Readiness probes of a daemon on HTTPS: this script made its certificate.
    context = ssl._create_unverified_context() if url.startswith("https://") else None
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def tree_cpu_seconds(root):
    """CPU of `root` and every process under it, including children that
    exited and were waited for (cutime + cstime)."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                parent[int(entry)] = (int(fields[1]), fields)
            except OSError:
                pass
    total = 0.0
    for pid, (ppid, fields) in parent.items():
        p = pid
        while p in parent and p != root:
            p = parent[p][0]
        if p == root:
            total += sum(int(x) for x in fields[11:15]) / CLK_TCK
    return total


class Process:
    def __init__(self, argv, ready_url, log_path, timeout=600, env=None):
        self.log = open(log_path, "w")
        self.ready_url = ready_url
        t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})))
        while http("GET", ready_url)[0] != 200:
            if self.proc.poll() is not None:
                raise SystemExit("%s exited; see %s" % (argv[0], log_path))
            if time.monotonic() - t0 > timeout:
                raise SystemExit("%s never became ready; see %s" % (argv[0], log_path))
            time.sleep(0.01)
        self.ready_seconds = time.monotonic() - t0

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Sink:
    def __init__(self, build):
        self.proc = subprocess.Popen([os.path.join(build, "bench", "sink")], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        self.port = int(line.split("port=")[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def stats(self):
        return json.loads(http("GET", self.url + "/stats")[1])

    def reset(self):
        http("POST", self.url + "/reset", body=b"")

    def wait_alerts(self, n, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.stats()
            if s["alerts"] >= n:
                return s
            time.sleep(0.05)
        return self.stats()

    def close(self):
        self.proc.kill()
        self.proc.wait()


class Rota:
    name = "rota"
    path = "/api/v2/alerts"

    def __init__(self, args, work, sink, group_by="'...'", state=None, tls=None):
        self.args, self.work, self.sink, self.group_by = args, work, sink, group_by
        self.state = state or tempfile.mkdtemp(dir=work, prefix="rota-state-")
        self.storage = "{dir: '%s'}" % self.state
        self.tls = tls  # (cert, key): serve HTTPS
        self.scheme = "https" if tls else "http"
        self.start()

    def start(self):
        self.port = free_port()
        config = os.path.join(self.work, "rota-%d.yaml" % self.port)
        with open(config, "w") as f:
            tls = ", tls: {cert_file: '%s', key_file: '%s'}" % self.tls if self.tls else ""
            f.write("""\
server: {listen: '127.0.0.1:%d'%s}
storage: %s
channels: [{name: sink, type: webhook, url: '%s/rota', max_concurrency: 8}]
people: [{id: oncall, hours: [{}], contacts: [{channel: sink, to: oncall}]}]
routes: [{name: all, group_by: [%s], group_wait: 0s, group_interval: 5m, escalation: page}]
escalations: [{name: page, steps: [{notify: ['person:oncall'], escalate_after: 24h}]}]
""" % (self.port, tls, self.storage, self.sink.url, self.group_by))
        self.p = Process([os.path.join(self.args.build, "daemon", "rotad"), "--config", config,
                          "--log-level", "warn"],
                         "%s://127.0.0.1:%d/-/ready" % (self.scheme, self.port), config + ".log",
                         env=dict(unit_environment(), **dict(e.split("=", 1) for e in self.args.rota_env)))

    def restart(self):
        self.p.stop()
        self.start()
        return self.p.ready_seconds

    def stop(self):
        self.p.stop()

    def extra_cpu(self):
        return 0.0


class RotaPg(Rota):
    """rota on PostgreSQL: one instance, leading, on a database of its own."""
    name = "rota-pg"
    cluster = None
    databases = 0

    def __init__(self, args, work, sink, group_by="'...'", state=None, tls=None):
        if RotaPg.cluster is None:
            sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "tools"))
            import pg_cluster
            RotaPg.cluster = pg_cluster.Cluster().init().start()
            while True:
                try:
                    RotaPg.cluster.psql("SELECT 1")
                    break
                except subprocess.CalledProcessError:
                    time.sleep(0.1)
        RotaPg.databases += 1
        self.dsn = RotaPg.cluster.create_database("bench_%d" % RotaPg.databases)
        super().__init__(args, work, sink, group_by, state, tls)

    def start(self):
        self.storage = "{backend: postgres, postgres: {dsn: '%s'}}" % self.dsn
        super().start()
        # Ready means accepting; wait until it also leads (decides itself).
        while b'"role":"leader"' not in http("GET", "http://127.0.0.1:%d/api/v1/status" % self.port)[1]:
            time.sleep(0.02)

    def extra_cpu(self):
        with open(os.path.join(RotaPg.cluster.data, "postmaster.pid")) as f:
            return tree_cpu_seconds(int(f.readline()))

    @staticmethod
    def close():
        if RotaPg.cluster is not None:
            RotaPg.cluster.remove()
            RotaPg.cluster = None


class Alertmanager:
    name = "alertmanager"
    path = "/api/v2/alerts"

    def __init__(self, args, work, sink, group_by="'...'", tls=None):
        self.port = free_port()
        self.tls = tls
        self.scheme = "https" if tls else "http"
        state = tempfile.mkdtemp(dir=work, prefix="am-state-")
        web = []
        if tls:
            web_config = os.path.join(work, "am-web-%d.yml" % self.port)
            with open(web_config, "w") as f:
                f.write("tls_server_config: {cert_file: '%s', key_file: '%s'}\n" % tls)
            web = ["--web.config.file=" + web_config]
        config = os.path.join(work, "am-%d.yml" % self.port)
        with open(config, "w") as f:
            f.write("""\
route:
  receiver: sink
  group_by: [%s]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 24h
receivers:
  - name: sink
    webhook_configs: [{url: '%s/am', send_resolved: false}]
""" % (group_by, sink.url))
        self.p = Process([args.alertmanager, "--config.file=" + config, "--storage.path=" + state,
                          "--web.listen-address=127.0.0.1:%d" % self.port, "--cluster.listen-address=",
                          "--log.level=warn", *web],
                         "%s://127.0.0.1:%d/-/ready" % (self.scheme, self.port), config + ".log")

    def stop(self):
        self.p.stop()

    def extra_cpu(self):
        return 0.0


def loadgen(args, system, batch, requests, connections=32, rate=0, run_id="r", shards=0, extra=()):
    tls = getattr(system, "tls", None)
    if tls:
        extra = ("--ca-file", tls[0], *extra)
    out = subprocess.run([os.path.join(args.build, "bench", "loadgen"),
                          "--url", "%s://127.0.0.1:%d" % ("https" if tls else "http", system.port),
                          "--path", system.path,
                          "--batch", str(batch), "--requests", str(requests),
                          "--connections", str(connections), "--rate", str(rate),
                          "--run-id", run_id, "--shards", str(shards), "--json", *extra],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
    return json.loads(out.stdout)


def ingest(args, work, sink, cls, batch, requests):
    r = sweep_cell(args, work, sink, cls, batch, 32, batch * requests)
    r["cpu_s_per_1000"] = r.pop("cpu_ms_per_1000") / 1000
    return r


def sweep_cell(args, work, sink, cls, batch, connections, alerts, tls=None):
    system = cls(args, work, sink, tls=tls)
    try:
        sink.reset()
        cpu0 = cpu_seconds(system.p.pid)
        extra0 = system.extra_cpu()
        requests = alerts // batch
        result = loadgen(args, system, batch, requests, connections=connections,
                         run_id="s%d-%d" % (batch, connections))
        sent = batch * requests
        delivered = sink.wait_alerts(sent)["alerts"]
        cpu = cpu_seconds(system.p.pid) - cpu0
        extra = system.extra_cpu() - extra0
        return {"alerts_per_s": result["alerts_per_s"], "p50_ms": result["latency_ms"]["p50"],
                "p99_ms": result["latency_ms"]["p99"], "cpu_ms_per_1000": 1e6 * cpu / sent,
                "cpu_with_db_ms_per_1000": 1e6 * (cpu + extra) / sent,
                "errors": result["errors"], "delivered": delivered, "sent": sent}
    finally:
        system.stop()


def make_certificate(work):
    """A self-signed certificate for 127.0.0.1 (openssl CLI): (cert, key)."""
    cert, key = os.path.join(work, "tls.crt"), os.path.join(work, "tls.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def resend(args, work, sink, cls, alerts, batch=64):
    """All alerts fire once, then come again in batches of `batch` on one
    connection with the same labels and annotations: only the re-send phase
    is measured."""
    system = cls(args, work, sink)
    try:
        # The sink counts from zero: otherwise the earlier cells' alerts
        # satisfy the wait below at once and the measured phase overlaps
        # the first one's deliveries (runs 1-11 of docs/benchmarks.md did).
        sink.reset()
        requests = -(-alerts // batch)
        extra = ("--distinct", str(alerts), "--stable-annotations")
        loadgen(args, system, batch, requests, connections=8, run_id="rs", extra=extra)
        sink.wait_alerts(alerts, timeout=60)
        cpu0 = cpu_seconds(system.p.pid)
        extra0 = system.extra_cpu()
        result = loadgen(args, system, batch, requests, connections=1, run_id="rs", extra=extra)
        cpu = cpu_seconds(system.p.pid) - cpu0
        with_db = cpu + system.extra_cpu() - extra0
        return {"alerts_per_s": result["alerts_per_s"], "cpu_ms_per_1000": 1e6 * cpu / (batch * requests),
                "cpu_with_db_ms_per_1000": 1e6 * with_db / (batch * requests), "errors": result["errors"]}
    finally:
        system.stop()


def floors(args, work, sink):
    out = subprocess.run([os.path.join(args.build, "bench", "fsync_latency"), work, "2000", "0"],
                         capture_output=True, text=True, check=True).stdout
    fsync_p50 = float(out.split("p50 ")[1].split(" ms")[0])
    fsync_p99 = float(out.split("p99 ")[1].split(" ms")[0])
    # The same, overwriting a file already written out: what rota's WAL
    # costs once it starts over (it keeps its blocks).
    out = subprocess.run([os.path.join(args.build, "bench", "fsync_latency"), work, "2000", "0", "8192",
                          "overwrite"], capture_output=True, text=True, check=True).stdout
    overwrite_p50 = float(out.split("p50 ")[1].split(" ms")[0])

    class Direct:
        port = sink.port
        path = "/ceiling"
    rtt = loadgen(args, Direct, 1, 5000, connections=1, run_id="rtt")
    return {"fsync_p50_ms": fsync_p50, "fsync_p99_ms": fsync_p99, "overwrite_fsync_p50_ms": overwrite_p50,
            "rtt_p50_ms": rtt["latency_ms"]["p50"]}


def end_to_end(args, work, sink, cls, count):
    system = cls(args, work, sink)
    try:
        sink.reset()
        loadgen(args, system, 1, count, connections=1, rate=20)
        s = sink.wait_alerts(count)
        return {"p50_ms": s["latency_ms"]["p50"], "p99_ms": s["latency_ms"]["p99"],
                "max_ms": s["latency_ms"]["max"], "delivered": s["alerts"], "sent": count}
    finally:
        system.stop()


def memory(args, work, sink, cls, steps):
    if cls is Alertmanager:
        steps = [n for n in steps if n <= args.am_memory_max]
        if not steps:
            return {}
    # Each alert its own group, as in (1): the setting behind Alertmanager's
    # ~9 KB per alert.
    system = cls(args, work, sink)
    out = {}
    try:
        time.sleep(1)
        base = rss_bytes(system.p.pid)
        out["baseline_rss"] = base
        loaded = 0
        for n in steps:
            requests = (n - loaded) // 100
            r = loadgen(args, system, 100, requests, run_id="m%d" % n, shards=100)
            loaded = n
            time.sleep(3)  # let delivery and (for Go) a GC cycle settle
            rss = rss_bytes(system.p.pid)
            out[str(n)] = {"rss": rss, "bytes_per_alert": (rss - base) / n,
                           "load_alerts_per_s": r["alerts_per_s"], "errors": r["errors"]}
            if isinstance(system, Rota) and n >= 100000:
                out[str(n)]["restart_ready_s"] = system.restart()
                out[str(n)]["rss_after_restart"] = rss_bytes(system.p.pid)
        return out
    finally:
        system.stop()


def gbench(args, binary, extra=()):
    out = subprocess.run([os.path.join(args.build, "bench", binary), "--benchmark_format=json",
                          "--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true", *extra],
                         capture_output=True, text=True, check=True)
    return {b["name"]: b for b in json.loads(out.stdout)["benchmarks"] if b.get("aggregate_name") == "median"}


def med(values):
    return statistics.median(values)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--alertmanager", default=shutil.which("prometheus-alertmanager") or "prometheus-alertmanager")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small sizes, one run: checks the script")
    ap.add_argument("--skip", default="",
                    help="comma list of: sweep,tls,ingest,ceiling,e2e,memory,routing,schedules")
    ap.add_argument("--out", help="write all figures as JSON")
    ap.add_argument("--am-memory-max", type=int, default=100000,
                    help="largest memory step for Alertmanager: at 1M alerts, each its own group, it "
                         "needs >15 GB and slows to a crawl on a 2-core machine")
    ap.add_argument("--memory-steps", default="10000,100000,1000000",
                    help="active alerts at which memory is read (comma list); restart is timed from 100,000 up")
    ap.add_argument("--rota-env", action="append", default=[], metavar="NAME=VALUE",
                    help="set in rotad's environment over the unit's Environment= (repeatable); "
                         "e.g. GLIBC_TUNABLES= for plain glibc malloc")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    runs = 1 if args.quick else args.runs
    steps = [10000, 100000] if args.quick else [int(n) for n in args.memory_steps.split(",")]
    work = tempfile.mkdtemp(prefix="rota-bench-")
    sink = Sink(args.build)
    results = {"machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname())}}
    rows = []

    def row(what, rota, am, unit, better="higher"):
        ratio = None
        if rota and am:
            ratio = rota / am if better == "higher" else am / rota
        rows.append((what, rota, am, unit, ratio))
        print("# %s: rota %s, alertmanager %s %s" % (what, rota, am, unit), file=sys.stderr, flush=True)

    def cell_rows(label, per):
        """alerts/s and CPU per 1,000 alerts of one cell, medians over its runs."""
        for key, what, unit, better in (("alerts_per_s", "alerts/s", "alerts/s", "higher"),
                                        ("cpu_ms_per_1000", "CPU per 1,000 alerts", "CPU ms", "lower")):
            row("%s: %s" % (label, what), med([x[key] for x in per["rota"]]),
                med([x[key] for x in per["alertmanager"]]), unit, better)

    try:
        if "sweep" not in skip:
            fl = floors(args, work, sink)
            results["floors"] = fl
            row("floor: write + fdatasync back to back, p50", fl["fsync_p50_ms"], None, "ms", "lower")
            row("floor: overwrite + fdatasync back to back, p50", fl["overwrite_fsync_p50_ms"], None, "ms", "lower")
            row("floor: loopback round trip loadgen-sink, p50", fl["rtt_p50_ms"], None, "ms", "lower")
            row("target for 1 conn x 1/request: 70 % of 1/(fsync p50 + round trip)",
                0.7 * 1000 / (fl["fsync_p50_ms"] + fl["rtt_p50_ms"]), None, "alerts/s")
            alerts = 3000 if args.quick else 15000
            for batch in (1, 64):
                for connections in (1, 8, 32):
                    per = {cls.name: [sweep_cell(args, work, sink, cls, batch, connections, alerts)
                                      for _ in range(runs)] for cls in (Rota, Alertmanager)}
                    results["sweep_%d_%d" % (batch, connections)] = per
                    cell_rows("sweep %d/request, %d conn" % (batch, connections), per)
            count = 2000 if args.quick else 10000
            per = {cls.name: [resend(args, work, sink, cls, count) for _ in range(runs)]
                   for cls in (Rota, Alertmanager)}
            results["resend"] = per
            cell_rows("re-send %d firing alerts, 64/request, 1 conn" % count, per)
        if "pg" not in skip:
            alerts = 3000 if args.quick else 15000
            systems = (RotaPg, Rota, Alertmanager)
            cells = [(b, c) for b in (1, 64) for c in (1, 8, 32)]
            for batch, connections in cells:
                per = {cls.name: [sweep_cell(args, work, sink, cls, batch, connections, alerts)
                                  for _ in range(runs)] for cls in systems}
                results["pg_%d_%d" % (batch, connections)] = per
                label = "pg %d/request, %d conn" % (batch, connections)
                pg, lite, am = per["rota-pg"], per["rota"], per["alertmanager"]
                row(label + ": alerts/s (rota on PostgreSQL)", med([x["alerts_per_s"] for x in pg]),
                    med([x["alerts_per_s"] for x in am]), "alerts/s")
                row(label + ": alerts/s, PostgreSQL vs SQLite (the second column is SQLite)",
                    med([x["alerts_per_s"] for x in pg]), med([x["alerts_per_s"] for x in lite]), "alerts/s")
                row(label + ": CPU per 1,000 alerts, rotad on PostgreSQL", med([x["cpu_ms_per_1000"] for x in pg]),
                    med([x["cpu_ms_per_1000"] for x in am]), "CPU ms", "lower")
                row(label + ": CPU per 1,000 alerts, rotad + PostgreSQL server",
                    med([x["cpu_with_db_ms_per_1000"] for x in pg]),
                    med([x["cpu_ms_per_1000"] for x in am]), "CPU ms", "lower")
                row(label + ": CPU per 1,000 alerts, rotad on SQLite", med([x["cpu_ms_per_1000"] for x in lite]),
                    med([x["cpu_ms_per_1000"] for x in am]), "CPU ms", "lower")
            count = 2000 if args.quick else 10000
            per = {cls.name: [resend(args, work, sink, cls, count) for _ in range(runs)] for cls in systems}
            results["pg_resend"] = per
            row("pg re-send %d, 64/request, 1 conn: alerts/s (rota on PostgreSQL)" % count,
                med([x["alerts_per_s"] for x in per["rota-pg"]]),
                med([x["alerts_per_s"] for x in per["alertmanager"]]), "alerts/s")
            row("pg re-send: alerts/s, PostgreSQL vs SQLite (the second column is SQLite)",
                med([x["alerts_per_s"] for x in per["rota-pg"]]), med([x["alerts_per_s"] for x in per["rota"]]),
                "alerts/s")
        if "tls" not in skip:
            cert = make_certificate(work)
            alerts = 3000 if args.quick else 15000
            for batch in (1, 64):
                for scheme, tls in (("http", None), ("https", cert)):
                    per = {cls.name: [sweep_cell(args, work, sink, cls, batch, 1, alerts, tls=tls)
                                      for _ in range(runs)] for cls in (Rota, Alertmanager)}
                    results["tls_%d_%s" % (batch, scheme)] = per
                    cell_rows("%s %d/request, 1 conn" % (scheme, batch), per)
        if "ingest" not in skip:
            for batch, requests in ((1, 2000 if args.quick else 20000), (100, 100 if args.quick else 500)):
                per = {}
                for cls in (Rota, Alertmanager):
                    per[cls.name] = [ingest(args, work, sink, cls, batch, requests) for _ in range(runs)]
                results["ingest_%d" % batch] = per
                r, a = per["rota"], per["alertmanager"]
                row("ingest %d/request: alerts/s" % batch, med([x["alerts_per_s"] for x in r]),
                    med([x["alerts_per_s"] for x in a]), "alerts/s")
                row("ingest %d/request: p50 latency" % batch, med([x["p50_ms"] for x in r]),
                    med([x["p50_ms"] for x in a]), "ms", "lower")
                row("ingest %d/request: p99 latency" % batch, med([x["p99_ms"] for x in r]),
                    med([x["p99_ms"] for x in a]), "ms", "lower")
                row("ingest %d/request: CPU per 1,000 alerts" % batch, med([x["cpu_s_per_1000"] for x in r]),
                    med([x["cpu_s_per_1000"] for x in a]), "CPU s", "lower")
        if "ceiling" not in skip:
            # No alerting system at all: the load generator straight at the
            # sink (which only answers 200). What this machine's two cores
            # give one HTTP receiver with this load generator, an upper bound
            # for anything that must also send a webhook per alert.
            class Direct:
                port = sink.port
                path = "/ceiling"
            for batch, requests in ((1, 2000 if args.quick else 20000), (100, 100 if args.quick else 500)):
                got = [loadgen(args, Direct, batch, requests, run_id="c%d" % i) for i in range(runs)]
                results["ceiling_%d" % batch] = got
                row("ceiling, loadgen to sink only, %d/request: alerts/s" % batch,
                    med([x["alerts_per_s"] for x in got]), None, "alerts/s")
        if "e2e" not in skip:
            count = 100 if args.quick else 300
            per = {cls.name: [end_to_end(args, work, sink, cls, count) for _ in range(runs)]
                   for cls in (Rota, Alertmanager)}
            results["e2e"] = per
            for p in ("p50_ms", "p99_ms"):
                row("end to end %s" % p[:3], med([x[p] for x in per["rota"]]),
                    med([x[p] for x in per["alertmanager"]]), "ms", "lower")
        if "memory" not in skip:
            per = {cls.name: memory(args, work, sink, cls, steps) for cls in (Rota, Alertmanager)}
            results["memory"] = per
            for n in steps:
                am = per["alertmanager"].get(str(n))
                row("memory at %d alerts: bytes/alert" % n, per["rota"][str(n)]["bytes_per_alert"],
                    am["bytes_per_alert"] if am else None, "B", "lower")
            for n in steps:
                if "restart_ready_s" in per["rota"][str(n)]:
                    row("restart with %d stored alerts: ready after" % n,
                        per["rota"][str(n)]["restart_ready_s"], None, "s", "lower")
        if "routing" not in skip:
            b = gbench(args, "bench_routing")
            results["routing"] = b
            for n in (10, 1000, 10000):
                ns = b["BM_RouteIndex/%d_median" % n]["real_time"]
                lin = b["BM_LinearScan/%d_median" % n]["real_time"]
                row("routing, %d routes: per alert (vs linear scan)" % n, ns / 1000, lin / 1000, "µs", "lower")
        if "schedules" not in skip:
            b = gbench(args, "bench_schedule")
            results["schedules"] = b
            for name, b_ in b.items():
                row("schedule %s" % name.replace("_median", ""), b_["real_time"], None, b_["time_unit"], "lower")
    finally:
        sink.close()
        RotaPg.close()
        shutil.rmtree(work, ignore_errors=True)

    def fmt(v):
        if v is None:
            return "-"
        return "{:,.0f}".format(v) if abs(v) >= 100 else "{:.3g}".format(v)

    print("| workload | rota | Alertmanager | unit | rota's advantage |")
    print("| --- | --- | --- | --- | --- |")
    for what, r, a, unit, ratio in rows:
        print("| %s | %s | %s | %s | %s |" % (what, fmt(r), fmt(a), unit, "%.1f×" % ratio if ratio else "-"))
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"rows": rows, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
