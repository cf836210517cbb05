"""rotactl oncall, coverage and the schedule lint of check config, on a
fixture config, at fixed instants."""

import json
import os
import subprocess
import unittest

from harness import ROTACTL, Workdir

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "schedule.yaml")


def rotactl(*args):
    return subprocess.run([ROTACTL, *args], capture_output=True, text=True, timeout=60)


def oncall(*args):
    r = rotactl("oncall", "--config", FIXTURE, "-o", "json", *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


class OnCallTest(unittest.TestCase):
    def test_json_shape_and_reasons(self):
        out = oncall("--at", "2026-11-23T14:45:00Z")
        self.assertEqual(out["at"], "2026-11-23T14:45:00Z")
        self.assertEqual(len(out["teams"]), 1)
        team = out["teams"][0]
        self.assertEqual(team["team"], "payments")
        self.assertEqual(team["on_duty"], ["bob", "carol"])
        self.assertEqual(team["on_duty_details"][0],
                         {"person": "bob", "until": "2026-11-23T17:00:00Z", "until_local": "Mon 12:00 America/New_York",
                          "covering_for": None, "added": False})
        self.assertEqual(team["off_duty"], [{
            "person": "alice", "reason": "outside hours until Tue 09:00 Europe/Berlin",
            "reason_code": "outside_hours", "until": "2026-11-24T08:00:00Z"}])
        self.assertNotIn("next_on_duty", team)
        people = {p["person"]: p for p in out["people"]}
        self.assertEqual(set(people), {"alice", "bob", "carol"})
        self.assertTrue(people["carol"]["on_duty"])
        self.assertEqual(people["carol"]["until"], "2026-11-23T20:30:00Z")
        self.assertFalse(people["alice"]["on_duty"])
        self.assertEqual(people["alice"]["reason_code"], "outside_hours")

    def test_nobody_on_duty_says_who_is_next(self):
        team = oncall("--at", "2026-11-23T12:00:00Z", "--team", "payments")["teams"][0]
        self.assertEqual(team["on_duty"], [])
        self.assertEqual(team["next_on_duty"], {"at": "2026-11-23T14:00:00Z", "people": ["bob"]})

    def test_time_off_and_override_reasons(self):
        team = oncall("--at", "2026-12-28T08:30:00Z", "--team", "payments")["teams"][0]
        alice = [o for o in team["off_duty"] if o["person"] == "alice"][0]
        self.assertEqual(alice["reason"], "time off until 2027-01-02 (holidays)")
        self.assertEqual(alice["reason_code"], "time_off")
        team = oncall("--at", "2026-11-30T08:30:00Z", "--team", "payments")["teams"][0]
        self.assertEqual(team["on_duty"], ["bob"])
        self.assertEqual(team["on_duty_details"][0]["covering_for"], "alice")
        alice = [o for o in team["off_duty"] if o["person"] == "alice"][0]
        self.assertEqual(alice["reason_code"], "replaced")

    def test_person_filter(self):
        out = oncall("--at", "2026-11-23T08:30:00Z", "--person", "alice")
        self.assertEqual(out["teams"], [])
        self.assertEqual(out["people"], [{"person": "alice", "on_duty": True,
                                          "until": "2026-11-23T12:00:00Z", "until_local": "Mon 13:00 Europe/Berlin",
                                          "covering_for": None}])

    def test_text_output(self):
        r = rotactl("oncall", "--config", FIXTURE, "--at", "2026-11-23T14:45:00Z", "--team", "payments")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("team payments\n  on   bob, until 2026-11-23T17:00:00Z (Mon 12:00 America/New_York)\n", r.stdout)
        self.assertTrue(r.stdout.startswith("(from the config file alone: a running rotad's run-time overrides "
                                            "are not included; --url or $ROTA_URL asks rotad)\n"), r.stdout)
        self.assertIn("  off  alice: outside hours until Tue 09:00 Europe/Berlin\n", r.stdout)

    def test_errors(self):
        r = rotactl("oncall", "--config", FIXTURE, "--team", "nope")
        self.assertEqual(r.returncode, 1)
        self.assertIn('unknown team "nope"', r.stderr)
        self.assertEqual(rotactl("oncall", "--config", FIXTURE, "--at", "yesterday").returncode, 2)
        self.assertEqual(rotactl("oncall").returncode, 2)
        self.assertEqual(rotactl("oncall", "--config", FIXTURE, "-o", "yaml").returncode, 2)


class CoverageTest(unittest.TestCase):
    def coverage(self, *args):
        r = rotactl("coverage", "--config", FIXTURE, "--team", "payments", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_json_windows_and_gaps(self):
        out = json.loads(self.coverage("--from", "2026-11-23T00:00:00Z", "--to", "2026-11-24T00:00:00Z", "-o", "json"))
        self.assertEqual(out["team"], "payments")
        self.assertEqual(out["windows"], [
            {"start": "2026-11-23T08:00:00Z", "end": "2026-11-23T12:00:00Z", "on_duty": ["alice"]},
            {"start": "2026-11-23T14:00:00Z", "end": "2026-11-23T14:30:00Z", "on_duty": ["bob"]},
            {"start": "2026-11-23T14:30:00Z", "end": "2026-11-23T17:00:00Z", "on_duty": ["bob", "carol"]},
            {"start": "2026-11-23T17:00:00Z", "end": "2026-11-23T20:30:00Z", "on_duty": ["carol"]},
        ])
        self.assertEqual(out["gaps"], [
            {"start": "2026-11-23T00:00:00Z", "end": "2026-11-23T07:00:00Z", "in_support_hours": False},
            {"start": "2026-11-23T07:00:00Z", "end": "2026-11-23T08:00:00Z", "in_support_hours": True},
            {"start": "2026-11-23T12:00:00Z", "end": "2026-11-23T14:00:00Z", "in_support_hours": True},
            {"start": "2026-11-23T20:30:00Z", "end": "2026-11-24T00:00:00Z", "in_support_hours": False},
        ])

    def test_windows_and_gaps_tile_the_range(self):
        out = json.loads(self.coverage("--from", "2026-11-20T00:00:00Z", "--to", "2027-01-10T00:00:00Z", "-o", "json"))
        spans = sorted([(w["start"], w["end"]) for w in out["windows"]] + [(g["start"], g["end"]) for g in out["gaps"]])
        self.assertEqual(spans[0][0], "2026-11-20T00:00:00Z")
        self.assertEqual(spans[-1][1], "2027-01-10T00:00:00Z")
        for (a, b), (c, d) in zip(spans, spans[1:]):
            self.assertEqual(b, c, "no holes or overlaps")

    def test_text_timeline_has_a_row_per_day(self):
        out = self.coverage("--from", "2026-11-23T00:00:00Z", "--to", "2026-11-30T00:00:00Z")
        rows = [l for l in out.splitlines() if l[:3] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]
        self.assertEqual(len(rows), 8)  # the range starts at 01:00 Berlin, ends at 01:00 the next Monday
        tuesday = rows[1]
        self.assertTrue(tuesday.startswith("Tue 11-24  "))
        cells = tuesday[len("Tue 11-24  "):]
        self.assertEqual(len(cells), 48)
        self.assertEqual(cells[16:18], "!!")  # 08:00-09:00 Berlin: support, nobody
        self.assertEqual(cells[18:26], "########")  # alice 09:00-13:00
        self.assertEqual(cells[0:16], "." * 16)
        self.assertIn("legend: # covered", out)
        self.assertIn("gaps in support hours\n  2026-11-23T07:00:00Z  2026-11-23T08:00:00Z", out)

    def test_bad_ranges(self):
        r = rotactl("coverage", "--config", FIXTURE, "--team", "payments", "--from", "2026-11-24T00:00:00Z", "--to", "2026-11-23T00:00:00Z")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(rotactl("coverage", "--config", FIXTURE).returncode, 2)  # --team required


class LintTest(unittest.TestCase):
    def check(self, text, *extra):
        work = Workdir(rules=None)
        self.addCleanup(work.cleanup)
        if "routes:" not in text:  # a config must route; these tests are about schedules
            text += "routes: [{name: r, escalation: e}]\nescalations: [{name: e, steps: [{notify: ['person:a']}]}]\n"
        work.write("rota.yaml", text)
        return rotactl("check", "config", work.config, "--at", "2026-11-23T00:00:00Z", *extra)

    def test_required_coverage_gaps_warn_by_default(self):
        r = rotactl("check", "config", FIXTURE, "--at", "2026-11-23T00:00:00Z")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 warning", r.stdout)
        self.assertRegex(r.stderr, r'schedule\.yaml:\d+:\d+: warning: team "payments": nobody on duty during support hours for 21h in 10 gaps in the next 1 weeks; first: Mon 08:00 Europe/Berlin for 1h, Mon 13:00 Europe/Berlin for 2h, Tue 08:00 Europe/Berlin for 1h \(rotactl coverage --team payments\)')

    def test_required_coverage_error_level_fails(self):
        with open(FIXTURE) as f:
            text = f.read().replace("level: warning", "level: error")
        r = self.check(text)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r'rota\.yaml:\d+:\d+: team "payments": nobody on duty during support hours')

    def test_never_matching_dst_gap_no_contacts_no_members(self):
        r = self.check("""\
people:
  - id: a
    timezone: Europe/Berlin
    hours:
      - {days_of_month: ['30:31'], months: [february]}
      - {times: [{start_time: '02:30', end_time: '06:00'}]}
teams:
  - {id: empty}
""")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stderr.splitlines()
        self.assertIn(":5:9: warning: time interval entry never matches: days_of_month [30:31] never occurs in months [2]", "\n".join(lines))
        self.assertRegex(r.stderr, r":6:9: warning: times boundary 02:30 falls in the DST gap of Europe/Berlin on 2027-03-28 \(02:00-03:00 does not exist\); that day the window starts at 03:00")
        self.assertRegex(r.stderr, r':2:5: warning: person "a" has no contacts')
        self.assertRegex(r.stderr, r':8:5: warning: team "empty" has no members')


if __name__ == "__main__":
    unittest.main()
