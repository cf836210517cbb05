"""Calendar feeds (RFC 5545) from a real rotad, parsed by an independent
parser (python3-icalendar): a team's events equal `rotactl coverage`'s
windows over the same span, a person's events equal what `rotactl oncall`
says at their edges, and both are right across the DST changes in the
feed's year (checked against Python's zoneinfo). A feed with a wrong,
missing or borrowed token is a 404, and `rotactl calendar-url` prints the
URL that works."""

import datetime
import json
import subprocess
import unittest
import urllib.parse
import zoneinfo

import icalendar

from harness import ROTACTL, Rotad, Workdir

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = datetime.timezone.utc

CONFIG = """\
global: {{external_url: 'http://rota.example.test:9095/'}}
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
calendar: {{secret_file: calendar.key, days: 366}}
channels:
  - {{name: console, type: log}}
people:
  - id: alice
    name: Alice Ng
    timezone: Europe/Berlin
    hours: [{{weekdays: ['monday:friday'], times: [{{start_time: '09:00', end_time: '17:00'}}]}}]
    contacts: [{{channel: console, to: alice}}]
  - id: bob
    timezone: America/New_York
    hours: [{{weekdays: ['monday:friday'], times: [{{start_time: '08:00', end_time: '12:00'}}]}}]
    contacts: [{{channel: console, to: bob}}]
  - id: carol
    timezone: UTC
    hours: [{{}}]
    contacts: [{{channel: console, to: carol}}]
teams:
  - {{id: payments, members: [alice, bob], timezone: Europe/Berlin}}
routes: [{{name: payments, escalation: payments}}]
escalations: [{{name: payments, steps: [{{notify: ['team:payments']}}]}}]
"""


def parse_instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def rfc3339(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CalendarTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = Workdir(rules=None)
        cls.work.write("calendar.key", "k" * 48)
        cls.work.write("rota.yaml", CONFIG.format(state=cls.work.state))
        cls.d = Rotad(cls.work.config)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.work.cleanup()

    def rotactl(self, *args):
        out = subprocess.run([ROTACTL, *args], capture_output=True, text=True)
        return out.returncode, out.stdout, out.stderr

    def feed_url(self, kind, ident):
        rc, out, err = self.rotactl("calendar-url", "--config", self.work.config, "--" + kind, ident)
        self.assertEqual(rc, 0, err)
        url = urllib.parse.urlsplit(out.strip())
        self.assertEqual((url.scheme, url.netloc, url.path), ("http", "rota.example.test:9095",
                                                             "/calendar/%s/%s.ics" % (kind, ident)))
        return url.path + "?" + url.query

    def fetch(self, kind, ident):
        """The feed's events as (start, end, summary, uid), and the span it must cover."""
        before = datetime.datetime.now(UTC)
        status, headers, body = self.d.request("GET", self.feed_url(kind, ident))
        after = datetime.datetime.now(UTC)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Content-Type"], "text/calendar; charset=utf-8")
        self.assertIn("\r\n", body)
        cal = icalendar.Calendar.from_ical(body)
        self.assertEqual(str(cal["VERSION"]), "2.0")
        events = []
        for ev in cal.walk("VEVENT"):
            start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
            self.assertEqual(start.utcoffset(), datetime.timedelta(0))  # UTC instants
            events.append((start, end, str(ev["SUMMARY"]), str(ev["UID"])))
        # Everything from 7 days back to `days` ahead, except windows cut at the ends.
        inside = (before - datetime.timedelta(days=7) + datetime.timedelta(days=1),
                  after + datetime.timedelta(days=366) - datetime.timedelta(days=1))
        return events, inside

    def coverage_windows(self, lo, hi):
        """rotactl coverage's windows over [lo, hi), asked 180 days at a time and re-joined."""
        windows = []
        t = lo
        while t < hi:
            u = min(hi, t + datetime.timedelta(days=180))
            rc, out, err = self.rotactl("coverage", "--config", self.work.config, "--team", "payments",
                                        "--from", rfc3339(t), "--to", rfc3339(u), "-o", "json")
            self.assertEqual(rc, 0, err)
            for w in json.loads(out)["windows"]:
                s, e, people = parse_instant(w["start"]), parse_instant(w["end"]), w["on_duty"]
                if windows and windows[-1][1] == s and windows[-1][2] == people:
                    windows[-1] = (windows[-1][0], e, people)  # cut at our own boundary
                else:
                    windows.append((s, e, people))
            t = u
        return windows

    def test_team_feed_equals_rotactl_coverage(self):
        events, (lo, hi) = self.fetch("team", "payments")
        self.assertGreater(len(events), 300)
        uids = [e[3] for e in events]
        self.assertEqual(len(uids), len(set(uids)))
        windows = self.coverage_windows(lo - datetime.timedelta(days=2), hi + datetime.timedelta(days=2))
        want = [(s, e) for s, e, _ in windows if lo <= s and e <= hi]
        got = [(s, e) for s, e, _, _ in events if lo <= s and e <= hi]
        self.assertEqual(got, want)
        names = {(s, e): people for s, e, people in windows}
        for s, e, summary, _ in events:
            if lo <= s and e <= hi:
                who = ["Alice Ng" if p == "alice" else p for p in names[(s, e)]]
                self.assertEqual(summary, "payments: " + ", ".join(who))
        # the same feed again: the same UIDs (calendar clients update, not duplicate)
        again, _ = self.fetch("team", "payments")
        self.assertEqual({e[3] for e in again if lo <= e[0]}, {e[3] for e in events if lo <= e[0]})

    def test_person_feed_is_right_across_dst_and_agrees_with_rotactl_oncall(self):
        events, (lo, hi) = self.fetch("person", "alice")
        full = [(s, e) for s, e, _, _ in events if lo <= s and e <= hi]
        # Independent oracle: every weekday 09:00-17:00 on Berlin's wall clock, nothing else.
        day = lo.astimezone(BERLIN).date()
        want = []
        while day <= hi.astimezone(BERLIN).date():
            start = datetime.datetime(day.year, day.month, day.day, 9, tzinfo=BERLIN)
            end = datetime.datetime(day.year, day.month, day.day, 17, tzinfo=BERLIN)
            if day.weekday() < 5 and lo <= start and end <= hi:
                want.append((start.astimezone(UTC), end.astimezone(UTC)))
            day += datetime.timedelta(days=1)
        self.assertEqual(full, want)
        # The year holds both offsets: 08:00Z in winter, 07:00Z in summer.
        self.assertEqual({s.hour for s, _ in full}, {7, 8})
        # Around each change, and at both ends, rotactl oncall agrees at the edges.
        changes = [i for i in range(1, len(full)) if full[i][0].hour != full[i - 1][0].hour]
        self.assertIn(len(changes), (2, 3))  # three only when the span straddles two autumns
        sample = set(range(3)) | set(range(len(full) - 3, len(full)))
        for i in changes:
            sample |= {i - 1, i, i + 1}
        for i in sorted(sample):
            s, e = full[i]
            with self.subTest(start=rfc3339(s)):
                rc, out, err = self.rotactl("oncall", "--config", self.work.config, "--person", "alice",
                                            "--at", rfc3339(s), "-o", "json")
                self.assertEqual(rc, 0, err)
                person = json.loads(out)["people"][0]
                self.assertTrue(person["on_duty"])
                self.assertEqual(person["until"], rfc3339(e))
                rc, out, _ = self.rotactl("oncall", "--config", self.work.config, "--person", "alice",
                                          "--at", rfc3339(s - datetime.timedelta(seconds=1)), "-o", "json")
                self.assertFalse(json.loads(out)["people"][0]["on_duty"])
        # A New York person's feed follows New York's changes, three weeks earlier.
        bob, (lo, hi) = self.fetch("person", "bob")
        offsets = {s.astimezone(NEW_YORK).strftime("%H:%M %z") for s, e, _, _ in bob if lo <= s and e <= hi}
        self.assertEqual(offsets, {"08:00 -0500", "08:00 -0400"})

    def test_an_event_that_began_before_the_feed_looked_keeps_its_uid(self):
        # carol is on duty around the clock: her one event began before any
        # look-back, so its start is where the look stopped and moves with
        # every fetch. Its UID must not: a calendar app would add a new event
        # each time.
        first, _ = self.fetch("person", "carol")
        deadline = datetime.datetime.now(UTC) + datetime.timedelta(seconds=60)
        while True:  # until the feed's start has moved (one whole second)
            again, _ = self.fetch("person", "carol")
            if again[0][0] != first[0][0] or datetime.datetime.now(UTC) > deadline:
                break
        self.assertNotEqual(again[0][0], first[0][0])
        self.assertEqual(len(first), 1)
        self.assertEqual(len(again), 1)
        self.assertEqual(again[0][3], first[0][3])
        self.assertEqual(first[0][3], "ongoing-person-carol@rota")

    def test_a_wrong_missing_or_borrowed_token_is_a_404(self):
        good = self.feed_url("person", "alice")
        path, query = good.split("?")
        token = urllib.parse.parse_qs(query)["token"][0]
        bad_token = ("0" if token[0] != "0" else "1") + token[1:]
        for target in (path, path + "?token=", path + "?token=" + bad_token,
                       "/calendar/person/bob.ics?token=" + token,      # alice's token on bob's feed
                       "/calendar/team/alice.ics?token=" + token,      # on another kind
                       "/calendar/person/alice?token=" + token,        # without .ics
                       "/calendar/person/nobody.ics?token=" + token):
            with self.subTest(target=target):
                status, headers, body = self.d.request("GET", target)
                self.assertEqual(status, 404, body)
                self.assertEqual(json.loads(body), {"error": "no such calendar"})
        self.assertEqual(self.d.request("GET", good)[0], 200)

    def test_calendar_url_refuses_what_it_cannot_sign(self):
        rc, _, err = self.rotactl("calendar-url", "--config", self.work.config, "--person", "alice", "--team", "payments")
        self.assertEqual(rc, 2)
        self.assertIn("exactly one of --person or --team", err)
        rc, _, err = self.rotactl("calendar-url", "--config", self.work.config, "--person", "nobody")
        self.assertEqual(rc, 1)
        self.assertIn('unknown person "nobody"', err)
        self.work.write("plain.yaml", self.work.read().replace(
            "calendar: {secret_file: calendar.key, days: 366}\n", ""))
        rc, _, err = self.rotactl("calendar-url", "--config", self.work.path + "/plain.yaml", "--team", "payments")
        self.assertEqual(rc, 1)
        self.assertIn("has no calendar.secret_file", err)


if __name__ == "__main__":
    unittest.main()
