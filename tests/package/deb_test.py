"""The Debian package built by `make deb` (cpack, the `package` preset):
its control fields, contents, conffiles and maintainer scripts read with
dpkg-deb, lintian's verdict, and a real `dpkg --root` install into a scratch
root whose own rotactl validates its own /etc/rota/rota.yaml."""

import glob
import os
import shutil
import subprocess
import tempfile
import unittest

PACKAGE_DIR = os.environ.get("ROTA_PACKAGE_DIR", "")
VERSION = os.environ.get("ROTA_VERSION", "")
SOURCE_DIR = os.environ.get("ROTA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))

# lintian warnings the package is known to draw, each with its reason
# (docs/install.md#the-debian-package says the same). Anything else fails.
ACCEPTED_WARNINGS = {
    # /etc/rota/credentials holds secret files for LoadCredential=; it is 0700
    # on purpose, where Debian's default for a directory is 0755.
    "non-standard-dir-perm",
}


def read(path):
    with open(path) as f:
        return f.read()


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, **kw)


class DebTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        name = "rota_%s_amd64.deb" % VERSION
        cls.deb = os.path.join(PACKAGE_DIR, name)
        if not os.path.isfile(cls.deb):
            raise AssertionError("%s is missing: the package.build test (or `make deb`) makes it" % cls.deb)
        cls.tmp = tempfile.mkdtemp(prefix="rota-deb-")
        cls.root = os.path.join(cls.tmp, "root")
        cls.control = os.path.join(cls.tmp, "DEBIAN")
        subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True)
        subprocess.run(["dpkg-deb", "-e", cls.deb, cls.control], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def field(self, name):
        return run("dpkg-deb", "-f", self.deb, name).stdout.strip()

    def test_control_fields_and_dependencies(self):
        self.assertEqual(self.field("Package"), "rota")
        self.assertEqual(self.field("Version"), VERSION)
        self.assertEqual(self.field("Architecture"), "amd64")
        depends = [d.strip().split(" ")[0] for d in self.field("Depends").split(",")]
        # From dpkg-shlibdeps: what the binaries link, by Debian package name.
        for lib in ("libc6", "libstdc++6", "libssl3", "libyaml-cpp0.7", "libsqlite3-0",
                    "libcurl4", "libre2-9", "libsystemd0", "libboost-json1.81.0",
                    "libboost-program-options1.81.0", "libprometheus-cpp-core1.0", "tzdata"):
            self.assertIn(lib, depends)

    def test_contents(self):
        listing = run("dpkg-deb", "-c", self.deb).stdout
        for path in ("./usr/bin/rotad", "./usr/bin/rotactl", "./lib/systemd/system/rotad.service",
                     "./etc/rota/rota.yaml", "./etc/rota/credentials/",
                     "./usr/share/doc/rota/copyright", "./usr/share/doc/rota/changelog.gz",
                     "./usr/share/doc/rota/README.md", "./usr/share/doc/rota/docs/configuration.md",
                     "./usr/share/man/man8/rotad.8.gz", "./usr/share/man/man1/rotactl.1.gz"):
            self.assertIn(path, listing)
        for f in glob.glob(os.path.join(SOURCE_DIR, "rules", "routes", "*.yaml")):
            self.assertIn("./etc/rota/routes/" + os.path.basename(f), listing)
        for line in listing.splitlines():
            self.assertIn(" root/root ", line, "every file belongs to root")
        self.assertIn("drwx------ root/root", [l for l in listing.splitlines() if l.endswith("./etc/rota/credentials/")][0])
        unit = read(os.path.join(self.root, "lib/systemd/system/rotad.service"))
        self.assertIn("ExecStart=/usr/bin/rotad --config /etc/rota/rota.yaml", unit)
        self.assertIn("ExecStartPre=/usr/bin/rotactl check config /etc/rota/rota.yaml", unit)
        # Stripped: no debug sections left in the shipped binaries.
        sections = run("objdump", "-h", os.path.join(self.root, "usr/bin/rotad")).stdout
        self.assertNotIn(".debug_info", sections)

    def test_every_file_under_etc_is_a_conffile(self):
        conffiles = read(os.path.join(self.control, "conffiles")).split()
        under_etc = []
        for dirpath, _, files in os.walk(os.path.join(self.root, "etc")):
            for f in files:
                under_etc.append("/" + os.path.relpath(os.path.join(dirpath, f), self.root))
        self.assertTrue(under_etc)
        self.assertEqual(sorted(conffiles), sorted(under_etc))

    def test_postinst_reloads_systemd_only_where_it_runs(self):
        postinst = os.path.join(self.control, "postinst")
        self.assertEqual(os.stat(postinst).st_mode & 0o777, 0o755)
        self.assertEqual(os.stat(os.path.join(self.control, "postrm")).st_mode & 0o777, 0o755)
        fake_bin = os.path.join(self.tmp, "bin")
        os.makedirs(fake_bin, exist_ok=True)
        calls = os.path.join(self.tmp, "systemctl.calls")
        with open(os.path.join(fake_bin, "systemctl"), "w") as f:
            f.write('#!/bin/sh\necho "$@" >> %s\n' % calls)
        os.chmod(os.path.join(fake_bin, "systemctl"), 0o755)
        env = dict(os.environ, PATH=fake_bin + ":" + os.environ["PATH"])
        for script, args in ((postinst, ["configure", ""]), (os.path.join(self.control, "postrm"), ["remove"])):
            done = run("sh", "-e", script, *args, env=env)
            self.assertEqual(done.returncode, 0, done.stderr)
        called = read(calls).splitlines() if os.path.exists(calls) else []
        if os.path.isdir("/run/systemd/system"):
            self.assertEqual(called, ["--system daemon-reload"] * 2)
        else:
            self.assertEqual(called, [], "no systemd here, so no systemctl")

    def test_lintian_finds_no_error(self):
        lintian = shutil.which("lintian")
        self.assertIsNotNone(lintian, "install-deps.sh installs lintian")
        done = run(lintian, "--fail-on", "error", "--tag-display-limit", "0", self.deb)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        tags = [line.split()[2] for line in done.stdout.splitlines() if line[:2] in ("E:", "W:")]
        errors = [line for line in done.stdout.splitlines() if line.startswith("E:")]
        self.assertEqual(errors, [])
        self.assertLessEqual(set(tags), ACCEPTED_WARNINGS, done.stdout)

    def test_dpkg_installs_into_a_scratch_root_and_keeps_conffile_edits(self):
        root = os.path.join(self.tmp, "dpkg-root")
        admin = os.path.join(root, "var/lib/dpkg")
        for d in ("updates", "info"):
            os.makedirs(os.path.join(admin, d), exist_ok=True)
        open(os.path.join(admin, "status"), "w").close()
        # The scratch root has no libraries of its own: dependencies are the
        # host's (the binaries run against them); scripts run outside a chroot.
        dpkg = ["dpkg", "--root=" + root, "--force-depends", "--force-script-chrootless"]
        if os.geteuid() != 0:
            dpkg.append("--force-not-root")
        done = run(*dpkg, "-i", self.deb)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        status = run("dpkg-query", "--admindir=" + admin, "-W", "-f=${Status}\n${Conffiles}", "rota").stdout
        self.assertIn("install ok installed", status)
        self.assertIn(" /etc/rota/rota.yaml ", status)

        config = os.path.join(root, "etc/rota/rota.yaml")
        checked = run(os.path.join(root, "usr/bin/rotactl"), "check", "config", config)
        self.assertEqual(checked.returncode, 0, checked.stderr)
        self.assertIn(": OK (", checked.stdout)
        version = run(os.path.join(root, "usr/bin/rotad"), "--version")
        self.assertEqual(version.returncode, 0, version.stderr)
        self.assertIn("rotad " + VERSION, version.stdout)

        # An operator's edit survives a reinstall; purge removes the conffiles.
        with open(config, "a") as f:
            f.write("# edited by the operator\n")
        done = run(*dpkg, "-i", self.deb)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertTrue(read(config).endswith("# edited by the operator\n"))
        done = run(*dpkg, "--purge", "rota")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertFalse(os.path.exists(config))
        self.assertFalse(os.path.exists(os.path.join(root, "usr/bin/rotad")))


if __name__ == "__main__":
    unittest.main()
