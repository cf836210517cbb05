"""rotactl check config: the same loader as rotad, errors as file:line:col."""

import os
import re
import subprocess
import unittest

from harness import ROTACTL, SOURCE_DIR, Workdir


def rotactl(*args):
    return subprocess.run([ROTACTL, *args], capture_output=True, text=True, timeout=60)


class CheckConfigTest(unittest.TestCase):
    def test_example_config_is_valid(self):
        path = os.path.join(SOURCE_DIR, "rules", "rota.yaml")
        r = rotactl("check", "config", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"rota\.yaml: OK \(4 people, 1 team, 2 channels, 2 routes, 2 escalations, 1 rule file, 1 warning\)")
        # The example leaves Friday mornings uncovered on purpose, to show the lint.
        self.assertRegex(r.stderr, r'^\S+rota\.yaml:\d+:\d+: warning: team "payments": nobody on duty during support hours .*Fri 09:00 Europe/Berlin for 4h')

    def test_errors_are_file_line_col_lines_and_exit_1(self):
        work = Workdir(rules="routes:\n  - {name: r, escalation: nope}\nescalations: 5\n")
        self.addCleanup(work.cleanup)
        work.write("rota.yaml", work.read() + "bogus: true\n")
        r = rotactl("check", "config", work.config)
        self.assertEqual(r.returncode, 1)
        lines = r.stderr.splitlines()
        self.assertEqual(lines[-1], work.config + ": 3 errors")
        errors = lines[:-1]
        self.assertEqual(len(errors), 3)
        for line in errors:
            self.assertRegex(line, r"^/\S+:\d+:\d+: \S")
        self.assertTrue(any(re.match(r".*/rota\.yaml:\d+:1: unknown key \"bogus\"", l) for l in errors))
        self.assertIn(work.path + "/routes/main.yaml:3:14: expected escalations to be a list, got a scalar", errors)
        self.assertIn(work.path + '/routes/main.yaml:2:27: route "r": unknown escalation "nope"', errors)

    def test_warnings_do_not_fail(self):
        work = Workdir()
        self.addCleanup(work.cleanup)
        work.write("rota.yaml", work.read().replace("['routes/*.yaml']",
                                                  "['routes/*.yaml', {glob: 'none/*.yml', optional: true}]"))
        r = rotactl("check", "config", work.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"rota\.yaml:\d+:\d+: warning: rule_files pattern \"none/\*\.yml\" matches no files \(optional\)")

    def test_missing_file(self):
        r = rotactl("check", "config", "/nonexistent/rota.yaml")
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent/rota.yaml:1:1: cannot read", r.stderr)

    def test_usage_errors_exit_2(self):
        self.assertEqual(rotactl().returncode, 2)
        self.assertEqual(rotactl("check").returncode, 2)
        self.assertEqual(rotactl("check", "rules", "x").returncode, 2)
        self.assertEqual(rotactl("frobnicate").returncode, 2)


if __name__ == "__main__":
    unittest.main()
