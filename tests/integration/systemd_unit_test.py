"""The systemd unit: `systemd-analyze verify` accepts it and `systemd-analyze
security --offline=true` rates its exposure 2.0 or lower. Skipped only when
systemd-analyze is not installed (install-deps.sh installs it)."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import ROTACTL, ROTAD

UNIT = os.environ.get("ROTA_UNIT_FILE", "")
ANALYZE = shutil.which("systemd-analyze")


@unittest.skipIf(ANALYZE is None, "systemd-analyze not installed")
class SystemdUnitTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.isfile(UNIT), "the configured unit exists: " + UNIT)
        text = open(UNIT).read()
        # verify checks that ExecStart binaries exist: point them at this build.
        text = re.sub(r"=\S*/rotactl ", "=" + ROTACTL + " ", text)
        text = re.sub(r"=\S*/rotad ", "=" + ROTAD + " ", text)
        self.dir = tempfile.mkdtemp(prefix="rota-unit-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.unit = os.path.join(self.dir, "rotad.service")
        with open(self.unit, "w") as f:
            f.write(text)

    def test_unit_declares_what_the_service_needs(self):
        text = open(UNIT).read()
        for line in ["Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "DynamicUser=yes",
                     "StateDirectory=rota", "ConfigurationDirectory=rota", "WatchdogSec=",
                     "LoadCredential=", "LimitNOFILE=8192"]:
            self.assertIn(line, text)

    def test_verify_accepts_the_unit(self):
        r = subprocess.run([ANALYZE, "verify", self.unit], capture_output=True, text=True, cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("rotad.service", r.stderr, r.stderr)

    def test_security_exposure_is_at_most_2(self):
        r = subprocess.run([ANALYZE, "security", "--offline=true", "--no-pager", self.unit],
                           capture_output=True, text=True, cwd=self.dir)
        m = re.search(r"Overall exposure level for rotad\.service: (\d+\.\d+)", r.stdout)
        self.assertIsNotNone(m, r.stdout + r.stderr)
        self.assertLessEqual(float(m.group(1)), 2.0, r.stdout)


if __name__ == "__main__":
    unittest.main()
