"""What a new user trips over, through the real binaries: one rotad per SQLite
folder; rotactl oncall and coverage ask the daemon with --url and say so when
they read the file alone; configs that cannot route are refused; zone names
and quoting that load but mislead are warned about; silences may live in the
config; the CLI takes `now` and `+2h` and prints figures people read; the
calendar feeds end events where they end."""

import datetime
import json
import os
import re
import subprocess
import unittest

from harness import ROTACTL, Rotad, Workdir, wait_until

CONFIG = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
calendar: {{secret_file: secret, days: 3}}
channels: [{{name: console, type: log}}]
people:
  - {{id: anna, name: Anna Berg, timezone: Europe/Berlin, contacts: [{{channel: console, to: anna}}]}}
  - {{id: nate, name: Nate Cruz, timezone: America/New_York, hours: [{{}}], contacts: [{{channel: console, to: nate}}]}}
teams: [{{id: payments, name: Payments Crew, members: [anna]}}]
silences:
  - {{matchers: ['alertname="Watchdog"'], comment: the dead man's switch}}
rule_files: ['routes/*.yaml']
"""

RULES = """\
routes:
  - {name: payments, matchers: ['service="payments"'], group_wait: 0s, group_by: ['...'], escalation: payments}
escalations:
  - {name: payments, steps: [{notify: ['team:payments']}]}
"""


def ctl(*args, env=None):
    full = dict(os.environ)
    full.pop("ROTA_URL", None)
    full.update(env or {})
    return subprocess.run([ROTACTL, *args], capture_output=True, text=True, timeout=60, env=full)


class NewcomerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = Workdir(config=CONFIG, rules=RULES)
        cls.work.write("secret", "a calendar secret of enough length for the feeds\n")
        cls.d = Rotad(cls.work.config)
        cls.url = "http://127.0.0.1:%d" % cls.d.port

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.work.cleanup()

    def test_a_second_rotad_on_the_same_folder_refuses_to_start_and_names_the_first(self):
        other = Workdir(config=CONFIG.replace("{state}", self.work.state), rules=RULES)
        self.addCleanup(other.cleanup)
        other.write("secret", "a calendar secret of enough length for the feeds\n")
        second = subprocess.run(["env", "-u", "NOTIFY_SOCKET", os.environ.get("ROTAD", "rotad"),
                                 "--config", other.config], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(second.returncode, 0)
        self.assertIn("is in use by another rotad (pid %d" % self.d.proc.pid, second.stderr)
        self.assertIn("storage.backend: postgres", second.stderr)
        # The first one is untouched: it still takes and keeps alerts.
        status, _, body = self.d.request("POST", "/api/v1/events",
                                         body=json.dumps({"labels": {"alertname": "StillHere"}}))
        self.assertEqual(status, 202, body)

    def test_oncall_and_coverage_ask_the_daemon_with_url_and_say_when_they_read_the_file(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        r = ctl("override", "add", "--person", "nate", "--replaces", "anna", "--start", "now", "--end", "+2h",
                "--url", self.url)
        self.assertEqual(r.returncode, 0, r.stderr)
        oid = r.stdout.strip()
        self.addCleanup(lambda: ctl("override", "rm", oid, "--url", self.url))
        listed = ctl("override", "ls", "-o", "json", "--url", self.url)
        o = [x for x in json.loads(listed.stdout)["overrides"] if x["id"] == oid][0]
        start = datetime.datetime.strptime(o["start"][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        end = datetime.datetime.strptime(o["end"][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        self.assertLess(abs((start - now).total_seconds()), 60)
        self.assertLess(abs((end - start).total_seconds() - 7200), 2)
        # anna has no hours: with the override, nobody is on duty either (nate covers her hours).
        # An addition does put nate on duty, which only the daemon knows.
        r = ctl("override", "add", "--person", "nate", "--team", "payments", "--start", "now-1m", "--end", "now+1h",
                "--url", self.url)
        self.assertEqual(r.returncode, 0, r.stderr)
        added = r.stdout.strip()
        self.addCleanup(lambda: ctl("override", "rm", added, "--url", self.url))
        online = ctl("oncall", "--team", "payments", "--url", self.url)
        self.assertEqual(online.returncode, 0, online.stderr)
        self.assertRegex(online.stdout, r"on   nate \(added by override\), until \S+ \(\w{3} \d\d:\d\d America/New_York\)")
        self.assertNotIn("config file alone", online.stdout)
        via_env = ctl("oncall", "--team", "payments", "-o", "json", env={"ROTA_URL": self.url})
        self.assertEqual(json.loads(via_env.stdout)["teams"][0]["on_duty"], ["nate"])
        offline = ctl("oncall", "--team", "payments", "--config", self.work.config)
        self.assertEqual(offline.returncode, 0, offline.stderr)
        self.assertIn("from the config file alone: a running rotad's run-time overrides are not included",
                      offline.stdout)
        self.assertIn("nobody on duty", offline.stdout)
        self.assertIn("run-time overrides not included",
                      json.loads(ctl("oncall", "--config", self.work.config, "-o", "json").stdout)["source"])
        cov = ctl("coverage", "--team", "payments", "--to", "+2h", "-o", "json", "--url", self.url)
        self.assertEqual(cov.returncode, 0, cov.stderr)
        self.assertEqual(json.loads(cov.stdout)["windows"][0]["on_duty"], ["nate"])
        text = ctl("coverage", "--team", "payments", "--url", self.url)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertNotIn("config file alone", text.stdout)
        self.assertIn("config file alone", ctl("coverage", "--team", "payments", "--config", self.work.config).stdout)
        self.assertEqual(ctl("oncall", "--team", "payments").returncode, 2)  # neither --config nor --url

    def test_config_silences_are_read_only_in_the_api_and_honoured(self):
        status, _, body = self.d.request("GET", "/api/v1/silences")
        s = [x for x in json.loads(body)["silences"] if x["id"] == "config-s-1"][0]
        self.assertEqual((s["source"], s["matchers"], s["active"]), ("config", ['alertname="Watchdog"'], True))
        status, _, body = self.d.request("DELETE", "/api/v1/silences/config-s-1")
        self.assertEqual(status, 409, body)
        self.assertIn("in the config file; edit it there", json.loads(body)["error"])
        status, _, body = self.d.request("POST", "/api/v1/events", body=json.dumps(
            {"labels": {"alertname": "Watchdog", "service": "payments"}}))
        self.assertEqual(json.loads(body)["alerts"][0]["status"], "silenced")
        status, _, page = self.d.request("GET", "/ui/silences")
        self.assertIn("in the config file", page)
        tests = self.work.write("tests.yaml", """\
config: rota.yaml
tests:
  - {name: watchdog is silenced, at: '2026-12-08T10:00:00Z', alert: {alertname: Watchdog, service: payments}, expect: {status: silenced}}
""")
        r = ctl("test", "rules", tests)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("run-time overrides, silences and reroutes are not included", r.stdout)
        self.assertEqual(r.stdout.splitlines()[-1], "1 passed, 0 failed")

    def test_report_says_percent_and_alerts_keep_their_columns(self):
        r = ctl("report", "--team", "payments", "--from", "now-1d", "--url", self.url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"s covered \((\d+ %|-)\)")
        self.assertNotRegex(r.stdout, r"ratio|E-\d")
        for name in ("AVeryLongAlertNameThatWouldRunIntoTheNextColumn", "Short"):
            self.d.request("POST", "/api/v1/events", body=json.dumps({"labels": {"alertname": name, "x": "1"}}))
        r = ctl("alerts", "--url", self.url)
        lines = r.stdout.splitlines()
        header = lines[0]
        for line in lines[1:]:
            # Every cell starts where its header does, two spaces after the widest cell before it.
            for column in ("STATE", "STATUS", "ALERTNAME", "WHO"):
                at = header.index(column)
                self.assertEqual(line[at - 2:at], "  ", (header, line))
                self.assertNotEqual(line[at], " ", (header, line))

    def test_calendar_feeds_end_events_where_they_end_and_use_the_team_name(self):
        url = ctl("calendar-url", "--config", self.work.config, "--person", "nate").stdout.strip()
        path = url[url.index("/calendar/"):]
        status, _, body = self.d.request("GET", path)
        self.assertEqual(status, 200, body)
        ends = re.findall(r"DTEND:(\d{8}T\d{6}Z)", body)
        # nate is on duty around the clock: one event from a week back to past the horizon's
        # end, not cut at now + calendar.days.
        self.assertEqual(len(ends), 1, body)
        horizon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)
        end = datetime.datetime.strptime(ends[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        self.assertGreater(end, horizon + datetime.timedelta(days=1))
        url = ctl("calendar-url", "--config", self.work.config, "--team", "payments").stdout.strip()
        r = ctl("override", "add", "--person", "nate", "--team", "payments", "--start", "+1h", "--end", "+2h",
                "--url", self.url)
        oid = r.stdout.strip()
        self.addCleanup(lambda: ctl("override", "rm", oid, "--url", self.url))
        status, _, body = self.d.request("GET", url[url.index("/calendar/"):])
        self.assertIn("X-WR-CALNAME:Payments Crew on duty (rota)", body)
        self.assertIn("SUMMARY:Payments Crew: Nate Cruz", body)
        self.assertNotIn("SUMMARY:payments:", body)


class CheckConfigTest(unittest.TestCase):
    def check(self, config, rules=None):
        w = Workdir(config=config, rules=rules)
        self.addCleanup(w.cleanup)
        w.write("secret", "a calendar secret of enough length for the feeds\n")
        return ctl("check", "config", w.config), w

    def test_a_typo_in_rule_files_or_no_routes_at_all_fails_the_check(self):
        r, _ = self.check(CONFIG.replace("routes/*.yaml", "route/*.yaml"), RULES)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertRegex(r.stderr, r"rota\.yaml:\d+:\d+: rule_files pattern \"route/\*\.yaml\" matches no files")
        r, _ = self.check(CONFIG.replace("rule_files: ['routes/*.yaml']", "rule_files: [{{glob: 'route/*.yaml', optional: true}}]"))
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("no routes: every alert would be unrouted", r.stderr)

    def test_zones_and_quotes_that_mislead_are_warned_about_and_counts_read_well(self):
        config = CONFIG.replace("America/New_York", "EST").replace("Europe/Berlin", "US/Eastern")
        rules = RULES.replace("""'service="payments"'""", '''"service='payments'"''')
        r, _ = self.check(config, rules)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('timezone "EST" is a legacy zone (a fixed offset with no daylight saving time); '
                      'name the place instead, e.g. America/New_York', r.stderr)
        self.assertIn('timezone "US/Eastern" is an old alias of America/New_York', r.stderr)
        self.assertIn("has single quotes in its value", r.stderr)
        self.assertRegex(r.stdout, r"OK \(2 people, 1 team, 1 channel, 1 route, 1 escalation, 1 rule file, 4 warnings\)")
        r, _ = self.check(CONFIG.replace("America/New_York", "america/new_york"), RULES)
        self.assertEqual(r.returncode, 1)
        self.assertIn("did you mean America/New_York?", r.stderr)

    def test_rotad_refuses_a_config_that_cannot_route(self):
        w = Workdir(config=CONFIG.replace("routes/*.yaml", "route/*.yaml"), rules=RULES)
        self.addCleanup(w.cleanup)
        w.write("secret", "a calendar secret of enough length for the feeds\n")
        d = Rotad(w.config, wait_ready=False)
        self.addCleanup(d.stop)
        self.assertNotEqual(d.wait(), 0)
        self.assertIn("matches no files", d.log())


if __name__ == "__main__":
    unittest.main()
