#!/usr/bin/env python3
"""A throwaway PostgreSQL 15 cluster for rota's tests.

    pg_cluster.py start STATE_FILE   creates a cluster in a new temp dir, starts it
                                     on a free 127.0.0.1 port, writes STATE_FILE
                                     (JSON: dir, port, admin_dsn)
    pg_cluster.py stop STATE_FILE    stops it and removes its dir

PostgreSQL refuses to run as root, so under root the cluster belongs to the
`postgres` user (created by Debian's postgresql-common) and every server
command runs through `runuser -u postgres`. Authentication is `trust` on
127.0.0.1 only. fsync stays on: the durability tests mean it.

Also importable: Cluster(...) for tests that start their own (durability
tests stop and start the server mid-load).
"""
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BIN = "/usr/lib/postgresql/15/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, base=None, port=None):
        self.base = base or tempfile.mkdtemp(prefix="rota-pg-")
        self.data = os.path.join(self.base, "data")
        self.port = port or free_port()
        self.owner = "postgres" if os.geteuid() == 0 else None

    def _run(self, args, check=True, **kw):
        cmd = ["runuser", "-u", self.owner, "--"] + args if self.owner else args
        return subprocess.run(cmd, check=check, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, **kw)

    def init(self):
        if self.owner:
            pw = pwd.getpwnam(self.owner)
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
            os.chmod(self.base, 0o700)
        self._run([f"{BIN}/initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                   "--no-instructions", "-E", "UTF8", "--locale=C.UTF-8"])
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\nlisten_addresses = '127.0.0.1'\n")
            f.write(f"port = {self.port}\n")
            f.write(f"unix_socket_directories = '{self.base}'\n")
            f.write("max_connections = 200\n")
            f.write("shared_buffers = 128MB\n")
        return self

    def start(self):
        r = self._run([f"{BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.base, "log"),
                       "-w", "-t", "60", "start"], check=False)
        if r.returncode != 0:
            log = ""
            try:
                with open(os.path.join(self.base, "log")) as f:
                    log = f.read()[-2000:]
            except OSError:
                pass
            raise RuntimeError(f"pg_ctl start failed: {r.stdout}\n{log}")
        return self

    def stop(self, mode="fast"):
        self._run([f"{BIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"], check=False)

    def remove(self):
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def dsn(self, dbname="postgres", user="postgres"):
        return f"host=127.0.0.1 port={self.port} dbname={dbname} user={user}"

    def psql(self, sql, dbname="postgres"):
        r = subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", self.dsn(dbname),
                            "-c", sql], check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        return r.stdout.strip()

    def create_database(self, name):
        self.psql(f'CREATE DATABASE "{name}"')
        return self.dsn(name)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit(__doc__)
    state_file = sys.argv[2]
    if sys.argv[1] == "start":
        if os.path.exists(state_file):  # a cluster left by an interrupted run
            try:
                with open(state_file) as f:
                    old = json.load(f)
                Cluster(old["dir"], old["port"]).remove()
            except (OSError, ValueError, KeyError):
                pass
        c = Cluster().init().start()
        # Wait until it answers queries, not only until pg_ctl says so.
        deadline = time.monotonic() + 30
        while True:
            try:
                c.psql("SELECT 1")
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert c.psql("SHOW server_version_num").startswith("15"), "expected PostgreSQL 15"
        os.makedirs(os.path.dirname(os.path.abspath(state_file)), exist_ok=True)
        with open(state_file, "w") as f:
            json.dump({"dir": c.base, "port": c.port, "admin_dsn": c.dsn()}, f)
        print(f"PostgreSQL 15 on 127.0.0.1:{c.port}, data in {c.data}")
    else:
        try:
            with open(state_file) as f:
                st = json.load(f)
        except OSError:
            return
        Cluster(st["dir"], st["port"]).remove()
        os.unlink(state_file)


if __name__ == "__main__":
    main()
