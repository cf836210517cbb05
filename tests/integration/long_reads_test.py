"""Long reads under pressure (calendar feeds and coverage): they run on the
heavy pool, never an HTTP thread, so ingest is answered while they run; at most 8 are under way and the rest get 503 with
Retry-After; a feed holds at most 5,000 events and 200,000 names (what lies
ahead first); a coverage answer over its 200,000 entries is 413; a client
that hangs up stops its feed; and rotad stops promptly with feeds queued.
The team here has 600 people with staggered hours: about a week fits."""

import datetime
import json
import socket
import subprocess
import threading
import unittest
import urllib.parse

import icalendar

from harness import ROTACTL, Rotad, Workdir, sample, thread_names, wait_until

UTC = datetime.timezone.utc
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC", "America/Los_Angeles"]


def config(state):
    people = []
    for i in range(600):
        start_h, minute = (i * 7) % 24, (i * 13) % 60
        end_h = (start_h + 3 + i % 5) % 24
        people.append("  - {id: p%d, timezone: %s, hours: [{weekdays: ['monday:friday'], times: "
                      "[{start_time: '%02d:%02d', end_time: '%02d:%02d'}]}], contacts: [{channel: console, to: p%d}]}"
                      % (i, ZONES[i % 6], start_h, minute, end_h, minute, i))
    return ("server: {listen: '127.0.0.1:0'}\n"
            "storage: {dir: '%s'}\n"
            "global: {external_url: 'http://rota.example.test/'}\n"
            "calendar: {secret_file: calendar.key, days: 366}\n"
            "channels: [{name: console, type: log}]\n"
            "people:\n%s\n"
            "  - {id: solo, timezone: Europe/Berlin, hours: [{weekdays: ['monday:friday'], times: "
            "[{start_time: '09:00', end_time: '17:00'}]}], contacts: [{channel: console, to: solo}]}\n"
            "teams: [{id: big, members: [%s]}]\n"
            "routes: [{name: r, escalation: e}]\n"
            "escalations: [{name: e, steps: [{notify: ['team:big']}]}]\n"
            % (state, "\n".join(people), ", ".join("p%d" % i for i in range(600))))


class LongReadsTest(unittest.TestCase):
    def setUp(self):
        self.w = Workdir(rules=None)
        self.addCleanup(self.w.cleanup)
        self.w.write("calendar.key", "k" * 48)
        self.w.write("rota.yaml", config(self.w.state))
        self.d = Rotad(self.w.config)
        self.addCleanup(self.d.stop)

    def feed_path(self, kind, ident):
        out = subprocess.run([ROTACTL, "calendar-url", "--config", self.w.config, "--" + kind, ident],
                             capture_output=True, text=True, check=True).stdout.strip()
        url = urllib.parse.urlsplit(out)
        return url.path + "?" + url.query

    def get(self, path, timeout=120):
        conn = self.d.connection()
        conn.timeout = timeout
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read().decode()
        finally:
            conn.close()

    def reads(self, outcome):
        return sample(self.d.metrics(), 'rota_long_reads_total{outcome="%s"}' % outcome) or 0

    def test_a_huge_team_feed_is_cut_at_its_limit_keeping_what_lies_ahead(self):
        before = datetime.datetime.now(UTC)
        status, headers, body = self.get(self.feed_path("team", "big"))
        self.assertEqual(status, 200, body[:200])
        events = list(icalendar.Calendar.from_ical(body).walk("VEVENT"))
        names = sum(len(str(e["SUMMARY"]).split(": ", 1)[1].split(", ")) for e in events)
        self.assertLessEqual(len(events), 5000)
        self.assertLessEqual(names, 200000)
        self.assertGreater(len(events), 100)
        starts = sorted(e.decoded("DTSTART") for e in events)
        # What lies ahead came first: the feed reaches past now and not to its
        # 366 days; the past week was the first to go.
        self.assertGreater(starts[-1], before)
        self.assertLess(starts[-1], before + datetime.timedelta(days=60))
        self.assertGreater(starts[0], before - datetime.timedelta(days=1))
        self.assertEqual(self.reads("full"), 1)
        # A person's feed is whole.
        status, _, body = self.get(self.feed_path("person", "solo"))
        self.assertEqual(status, 200)
        self.assertGreater(len(list(icalendar.Calendar.from_ical(body).walk("VEVENT"))), 250)
        self.assertEqual(self.reads("answered"), 1)
        # Coverage of a year of that team is over its limit: 413, and why.
        status, _, body = self.get("/api/v1/coverage?team=big&from=%s&to=%s" % (
            before.strftime("%Y-%m-%dT%H:%M:%SZ"), (before + datetime.timedelta(days=366)).strftime("%Y-%m-%dT%H:%M:%SZ")))
        self.assertEqual(status, 413, body[:200])
        self.assertIn("ask for a shorter span", json.loads(body)["error"])
        self.assertEqual(self.reads("full"), 2)

    def test_many_feeds_at_once_are_bounded_and_ingest_is_answered_meanwhile(self):
        path = self.feed_path("team", "big")
        results = []
        lock = threading.Lock()

        def fetch():
            got = self.get(path)
            with lock:
                results.append(got)

        threads = [threading.Thread(target=fetch) for _ in range(14)]
        for t in threads:
            t.start()
        # While they run: ingest answers, and the work is on the heavy threads.
        wait_until(lambda: "heavy" in thread_names(self.d.proc.pid), "a heavy thread at work")
        status, _, body = self.d.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": "Meanwhile"}}))
        self.assertEqual(status, 202, body)
        for t in threads:
            t.join(300)
        statuses = sorted(r[0] for r in results)
        busy = [r for r in results if r[0] == 503]
        self.assertTrue(busy, statuses)  # 14 asked, at most 8 under way
        self.assertLessEqual(statuses.count(200), 14 - len(busy))
        for status, headers, body in busy:
            self.assertEqual(headers.get("Retry-After"), "5")
            self.assertIn("busy", json.loads(body)["error"])
        self.assertEqual(self.reads("busy"), len(busy))

    def test_a_client_that_hangs_up_stops_its_feed(self):
        path = self.feed_path("team", "big")
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", self.d.port))
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
            s.close()
        wait_until(lambda: self.reads("abandoned") >= 1, "a feed stopped for a client that left")

    def test_rotad_stops_promptly_with_feeds_queued(self):
        path = self.feed_path("team", "big")
        statuses = []
        threads = []
        for _ in range(8):
            t = threading.Thread(target=lambda: statuses.append(self.get_quietly(path)))
            t.start()
            threads.append(t)
        wait_until(lambda: "heavy" in thread_names(self.d.proc.pid), "a heavy thread at work")
        self.d.signal(15)
        self.assertEqual(self.d.wait(timeout=60), 0)
        self.assertIn('msg=stopped', self.d.log())
        for t in threads:
            t.join(60)
        # The queued feeds were given up (503, or the connection closed), not
        # all computed first: a stop does not wait for work nobody will read.
        self.assertLess(statuses.count(200), 8, statuses)

    def get_quietly(self, path):
        try:
            return self.get(path)[0]
        except OSError:
            return None  # rotad went away: that is the point


if __name__ == "__main__":
    unittest.main()
