#!/usr/bin/env python3
"""How long each web console page and calendar feed takes with a realistic
load: 10,000 open alerts and 100 people in 10 teams (docs/ui.md's promise:
under 50 ms of server time per page). A benchmark, never a test.

    cmake --preset release && cmake --build --preset release
    python3 bench/ui_pages.py [--build build/release] [--requests 30] [--alerts 10000]

Starts the release rotad on a free loopback port with a generated config
(100 people over six time zones with staggered hours, half the teams on
weekdays and half on weekends, so whenever it runs about half the alerts
are held), loads the
alerts through POST /api/v2/alerts in batches of 64, then fetches every
page `--requests` times, one at a time, with an admin token. Prints per
page: the server's own time (rota_http_request_duration_seconds, sum/count
for that route, before and after), the client's p50/p95/max over loopback,
and the page size.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Los_Angeles",
         "Europe/London"]
TOKEN = "bench-admin-token-0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, body=None, method="GET"):
    req = urllib.request.Request(url, data=body, method=method,
                                 headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, r.read()


def config(state, port, people, teams):
    lines = ["server: {listen: '127.0.0.1:%d'}" % port,
             "storage: {dir: '%s'}" % state,
             "auth: {admin_token_files: [admin.token]}",
             "calendar: {secret_file: calendar.key}",
             "channels: [{name: log, type: log}]",
             "people:"]
    per = people // teams
    for i in range(people):
        start = 6 + (i * 3) % 12
        # Even teams work weekdays, odd teams weekends: whenever this runs,
        # half the teams hold their alerts.
        days = "monday:friday" if (i // per) % 2 == 0 else "saturday', 'sunday"
        lines.append("  - {id: p%03d, name: 'Person %d', timezone: %s, "
                     "hours: [{weekdays: ['%s'], times: [{start_time: '%02d:00', end_time: '%02d:00'}]}], "
                     "contacts: [{channel: log, to: p%03d}]}" % (i, i, ZONES[i % len(ZONES)], days, start, start + 4, i))
    lines.append("teams:")
    for t in range(teams):
        members = ", ".join("p%03d" % (t * per + k) for k in range(per))
        lines.append("  - {id: t%d, members: [%s], support_hours: [{weekdays: ['monday:friday'], "
                     "times: [{start_time: '08:00', end_time: '18:00'}]}]}" % (t, members))
    lines.append("routes:")
    for t in range(teams):
        lines.append("  - {name: r%d, matchers: ['team=\"t%d\"'], group_by: ['...'], group_wait: 0s, "
                     "escalation: e%d}" % (t, t, t))
    lines.append("escalations:")
    for t in range(teams):
        lines.append("  - {name: e%d, steps: [{notify: ['team:t%d'], escalate_after: 24h}]}" % (t, t))
    return "\n".join(lines) + "\n"


def server_seconds(metrics, route):
    """(sum, count) of rota_http_request_duration_seconds for one route."""
    total = count = 0.0
    for line in metrics.splitlines():
        if not line.startswith("rota_http_request_duration_seconds_"):
            continue
        if 'handler="%s"' % route not in line:
            continue
        value = float(line.rsplit(" ", 1)[1])
        if line.startswith("rota_http_request_duration_seconds_sum"):
            total += value
        elif line.startswith("rota_http_request_duration_seconds_count"):
            count += value
    return total, count


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--alerts", type=int, default=10000)
    ap.add_argument("--people", type=int, default=100)
    ap.add_argument("--teams", type=int, default=10)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="rota-ui-bench-")
    port = free_port()
    with open(os.path.join(work, "admin.token"), "w") as f:
        f.write(TOKEN + "\n")
    with open(os.path.join(work, "calendar.key"), "w") as f:
        f.write("c" * 48)
    path = os.path.join(work, "rota.yaml")
    with open(path, "w") as f:
        f.write(config(os.path.join(work, "state"), port, args.people, args.teams))
    log = open(os.path.join(work, "rotad.log"), "w")
    proc = subprocess.Popen([os.path.join(args.build, "daemon", "rotad"), "--config", path, "--log-level", "warn"],
                            stdout=subprocess.DEVNULL, stderr=log)
    base = "http://127.0.0.1:%d" % port
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(base + "/-/ready")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                with open(log.name) as f:
                    sys.exit("rotad did not become ready:\n" + f.read()[-2000:])
            time.sleep(0.05)
        t0 = time.monotonic()
        for first in range(0, args.alerts, 64):
            batch = [{"labels": {"alertname": "Bench%d" % i, "team": "t%d" % (i % args.teams),
                                 "instance": "host-%d" % i, "severity": "critical" if i % 7 == 0 else "warning"},
                      "annotations": {"summary": "bench alert %d" % i}}
                     for i in range(first, min(args.alerts, first + 64))]
            request(base + "/api/v2/alerts", json.dumps(batch).encode(), "POST")
        loaded = time.monotonic() - t0
        _, body = request(base + "/api/v1/alerts")
        alerts = json.loads(body)["alerts"]
        held = sum(1 for a in alerts if a["status"] == "held")
        print("rotad %s; %d open alerts (%d held), %d people, %d teams; loaded in %.1f s"
              % (args.build, len(alerts), held, args.people, args.teams, loaded))
        some = alerts[len(alerts) // 2]["id"]
        token = {}
        for kind, ident in (("team", "t3"), ("person", "p042")):
            out = subprocess.run([os.path.join(args.build, "daemon", "rotactl"), "calendar-url", "--config", path,
                                  "--" + kind, ident], capture_output=True, text=True, check=True)
            token[kind] = out.stdout.strip().split("/calendar/", 1)[1]
        pages = [("/ui/", "/ui/"), ("/ui/alerts", "/ui/alerts"),
                 ("/ui/alerts?state=all&team=t3&label=severity%3D%22critical%22", "/ui/alerts"),
                 ("/ui/alerts/%s" % some, "/ui/alerts/{id}"), ("/ui/teams", "/ui/teams"),
                 ("/ui/teams/t3", "/ui/teams/{id}"), ("/ui/people/p042", "/ui/people/{id}"),
                 ("/ui/silences", "/ui/silences"), ("/ui/support", "/ui/support"),
                 ("/calendar/" + token["team"], "/calendar/team/{file}"),
                 ("/calendar/" + token["person"], "/calendar/person/{file}")]
        print("%-58s %9s %9s %9s %9s %9s" % ("page", "server ms", "p50 ms", "p95 ms", "max ms", "KiB"))
        for target, route in pages:
            _, before = request(base + "/metrics")
            s0, c0 = server_seconds(before.decode(), route)
            times = []
            size = 0
            for _ in range(args.requests):
                t = time.perf_counter()
                status, body = request(base + target)
                times.append((time.perf_counter() - t) * 1000)
                assert status == 200, (target, status)
                size = len(body)
            _, after = request(base + "/metrics")
            s1, c1 = server_seconds(after.decode(), route)
            times.sort()
            server = (s1 - s0) / (c1 - c0) * 1000 if c1 > c0 else float("nan")
            print("%-58s %9.2f %9.2f %9.2f %9.2f %9.1f" % (
                target[:58], server, statistics.median(times), times[int(len(times) * 0.95) - 1],
                times[-1], size / 1024))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
