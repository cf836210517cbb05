"""Property test: rota's hours against an independent oracle.

The oracle is written here from Alertmanager's documented semantics (plus
rota's wrap-past-midnight extension) and converts instants with Python's
zoneinfo over the system tz database, sharing no code with rota. For eight
zones with awkward DST (30-minute shifts, 02:45 transitions, Ramadan
suspensions, none at all) and a set of interval shapes aimed at DST hours,
month ends and leap days, it compares over 15 months:

  1. rota's direct evaluation, Contains(), at every sampled instant;
  2. rota's precomputed spans, IntervalSpans(), at every sampled instant;
  3. every span edge: inside at the start, outside just before it, inside
     just before the end, outside at the end.

Instants: every 37 minutes (so every minute-of-hour is hit over time), plus
every minute within three hours of each UTC-offset change of each zone.
"""

import datetime as dt
import json
import os
import subprocess
import tempfile
import unittest
from zoneinfo import ZoneInfo

PROBE = os.environ.get("HOURS_PROBE", "hours_probe")
UTC = dt.timezone.utc
FROM = dt.datetime(2026, 1, 1, tzinfo=UTC)
TO = dt.datetime(2027, 4, 1, tzinfo=UTC)
MINUTE = dt.timedelta(minutes=1)

ZONES = [
    "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
    "Pacific/Chatham", "America/Sao_Paulo", "Africa/Casablanca", "UTC",
]

# Interval shapes, as Alertmanager YAML entries (lists of entries are OR'ed).
SHAPES = {
    "office": [{"weekdays": ["monday:friday"], "times": [("09:00", "17:00")]}],
    "dst_hours": [{"times": [("01:00", "03:00")]}],
    "gap_boundary": [{"times": [("02:30", "03:30")]}],
    "lord_howe": [{"times": [("01:45", "02:15")]}],
    "chatham": [{"times": [("02:00", "04:00")]}],
    "overnight": [{"weekdays": ["monday:thursday"], "times": [("22:00", "02:00")]}],
    "wrap_into_month": [{"days_of_month": ["-1"], "times": [("23:30", "00:30")]}],
    "month_end": [{"days_of_month": ["-3:-1"], "weekdays": ["saturday", "sunday"]}],
    "to_midnight": [{"times": [("16:00", "24:00")], "months": ["march:april", "october:november"]}],
    "leap": [{"months": ["february"], "days_of_month": ["28:31"], "times": [("00:30", "04:00")]}],
    "two_entries": [{"weekdays": ["sunday"]}, {"days_of_month": ["1:7"], "times": [("12:00", "13:00"), ("00:00", "01:30")]}],
    "located": [{"times": [("09:00", "12:00")], "location": "Asia/Kolkata"}],
    "years": [{"years": ["2027"], "months": ["1:2"]}],
    "always": [{}],
}

WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]


def minutes(hhmm):
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def parse_range(text, member):
    parts = text.split(":")
    return member(parts[0]), member(parts[-1])


def weekday_member(s):
    return WEEKDAYS.index(s.lower())


def month_member(s):
    return MONTHS.index(s.lower()) + 1 if s.lower() in MONTHS else int(s)


def days_in_month(d):
    nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (nxt - dt.timedelta(days=1)).day


def day_matches(entry, d):
    if "weekdays" in entry:
        wd = (d.weekday() + 1) % 7  # Python: Monday=0; Alertmanager: Sunday=0
        if not any(lo <= wd <= hi for lo, hi in (parse_range(r, weekday_member) for r in entry["weekdays"])):
            return False
    if "days_of_month" in entry:
        dim = days_in_month(d)
        ok = False
        for r in entry["days_of_month"]:
            lo, hi = parse_range(r, int)
            lo = dim + lo + 1 if lo < 0 else lo
            hi = dim + hi + 1 if hi < 0 else hi
            if lo > dim:
                continue
            lo, hi = max(min(lo, dim), -dim), max(min(hi, dim), -dim)
            ok = ok or lo <= d.day <= hi
        if not ok:
            return False
    if "months" in entry:
        if not any(lo <= d.month <= hi for lo, hi in (parse_range(r, month_member) for r in entry["months"])):
            return False
    if "years" in entry:
        if not any(lo <= d.year <= hi for lo, hi in (parse_range(r, int) for r in entry["years"])):
            return False
    return True


def entry_contains(entry, zone, t):
    local = t.astimezone(ZoneInfo(entry.get("location", zone)))
    minute = local.hour * 60 + local.minute
    day = local.date()
    if "times" not in entry:
        return day_matches(entry, day)
    for start, end in entry["times"]:
        s, e = minutes(start), minutes(end)
        if s < e:
            if s <= minute < e and day_matches(entry, day):
                return True
        else:  # wraps past midnight: belongs to the day it starts on
            if minute >= s and day_matches(entry, day):
                return True
            if minute < e and day_matches(entry, day - dt.timedelta(days=1)):
                return True
    return False


def oracle(shape, zone, t):
    return any(entry_contains(e, zone, t) for e in SHAPES[shape])


def offset_changes(zone):
    """UTC instants where the zone's offset changes within [FROM, TO)."""
    z = ZoneInfo(zone)
    out = []
    t = FROM
    prev = t.astimezone(z).utcoffset()
    step = dt.timedelta(hours=1)
    while t < TO:
        nxt = t + step
        off = nxt.astimezone(z).utcoffset()
        if off != prev:
            lo, hi = t, nxt  # bisect to the minute
            while hi - lo > MINUTE:
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid.astimezone(z).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            out.append(hi)
            prev = off
        t = nxt
    return out


def yaml_entry(entry):
    parts = []
    for key in ("weekdays", "days_of_month", "months", "years"):
        if key in entry:
            parts.append("%s: [%s]" % (key, ", ".join("'%s'" % v for v in entry[key])))
    if "times" in entry:
        parts.append("times: [%s]" % ", ".join(
            "{start_time: '%s', end_time: '%s'}" % se for se in entry["times"]))
    if "location" in entry:
        parts.append("location: %s" % entry["location"])
    return "{%s}" % ", ".join(parts)


def ms(t):
    return int(t.timestamp() * 1000)


def from_ms(v):
    return dt.datetime.fromtimestamp(v / 1000, tz=UTC)


class HoursOracleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="rota-hours-")
        people = []
        for zi, zone in enumerate(ZONES):
            for shape, entries in SHAPES.items():
                people.append("  - id: z%d_%s\n    timezone: %s\n    hours: [%s]\n" % (
                    zi, shape, zone, ", ".join(yaml_entry(e) for e in entries)))
        config = os.path.join(cls.dir, "rota.yaml")
        with open(config, "w") as f:
            f.write("people:\n" + "".join(people))
        # Sampled instants: every 37 minutes, and every minute near each change.
        instants = set()
        t = FROM
        while t < TO:
            instants.add(ms(t))
            t += dt.timedelta(minutes=37)
        cls.changes = {zone: offset_changes(zone) for zone in ZONES}
        for changes in cls.changes.values():
            for c in changes:
                for k in range(-180, 181):
                    instants.add(ms(c + k * MINUTE))
        cls.instants = sorted(instants)
        path = os.path.join(cls.dir, "instants.txt")
        with open(path, "w") as f:
            f.write("\n".join(str(v) for v in cls.instants))
        out = subprocess.run([PROBE, config, FROM.isoformat(), TO.isoformat(), path],
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise AssertionError("hours_probe failed: " + out.stderr)
        cls.result = json.loads(out.stdout)["people"]

    def test_every_zone_has_the_expected_offset_changes(self):
        # Guards the test itself: the DST zones must actually change offset.
        for zone in ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                     "Pacific/Chatham", "Africa/Casablanca"]:
            self.assertGreaterEqual(len(self.changes[zone]), 2, zone)
        for zone in ["Asia/Kolkata", "UTC", "America/Sao_Paulo"]:
            self.assertEqual(self.changes[zone], [], zone)

    def check_person(self, zi, zone, shape):
        got = self.result["z%d_%s" % (zi, shape)]
        spans = got["spans"]
        bits = got["contains"]
        # Precompute the oracle once per instant.
        mismatches_direct = []
        mismatches_spans = []
        j = 0
        for i, v in enumerate(self.instants):
            want = oracle(shape, zone, from_ms(v))
            if (bits[i] == "1") != want:
                mismatches_direct.append(from_ms(v).isoformat())
            while j < len(spans) and spans[j][1] <= v:
                j += 1
            in_span = j < len(spans) and spans[j][0] <= v
            if in_span != want:
                mismatches_spans.append(from_ms(v).isoformat())
        self.assertEqual(mismatches_direct[:5], [], "Contains() vs oracle, %s %s" % (zone, shape))
        self.assertEqual(mismatches_spans[:5], [], "IntervalSpans() vs oracle, %s %s" % (zone, shape))
        edge_errors = []
        for s, e in spans:
            start, end = from_ms(s), from_ms(e)
            if not oracle(shape, zone, start):
                edge_errors.append("start %s not inside" % start.isoformat())
            if start > FROM and oracle(shape, zone, start - MINUTE):
                edge_errors.append("minute before start %s inside" % start.isoformat())
            if not oracle(shape, zone, end - MINUTE):
                edge_errors.append("last minute before end %s not inside" % end.isoformat())
            if end < TO and oracle(shape, zone, end):
                edge_errors.append("end %s inside" % end.isoformat())
        self.assertEqual(edge_errors[:5], [], "span edges, %s %s" % (zone, shape))
        return len(spans)

    def test_all_zones_and_shapes(self):
        total = 0
        for zi, zone in enumerate(ZONES):
            for shape in SHAPES:
                with self.subTest(zone=zone, shape=shape):
                    total += self.check_person(zi, zone, shape)
        self.assertGreater(total, 10000, "the spans under test are not trivially few")


if __name__ == "__main__":
    unittest.main()
