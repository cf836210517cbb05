"""End to end with real peers from Debian: prometheus-alertmanager whose
webhook receiver points at rota, and prometheus with an always-firing rule
whose alerting.alertmanagers points at rota. The sink must see the right
person. All on 127.0.0.1, ports picked free at run time."""

import os
import shutil
import socket
import subprocess
import tempfile
import unittest
import urllib.request

from harness import Rotad, Sink, Workdir, wait_until

ALERTMANAGER = shutil.which("prometheus-alertmanager")
PROMETHEUS = shutil.which("prometheus")

CONFIG = """\
server: {{listen: '127.0.0.1:0'}}
storage: {{dir: '{state}'}}
channels:
  - {{name: hooks, type: webhook, url: '%(sink)s'}}
time_intervals:
  - {{name: always, time_intervals: [{{}}]}}
people:
  - {{id: oncall, hours: [always], contacts: [{{channel: hooks, to: oncall@example}}]}}
  - {{id: sleeper, contacts: [{{channel: hooks, to: sleeper@example}}]}}
teams:
  - {{id: ops, members: [oncall, sleeper]}}
routes:
  - {{name: pages, matchers: ['severity="page"'], group_wait: 0s, group_by: [alertname], escalation: ops}}
escalations:
  - name: ops
    steps: [{{notify: ['team:ops'], escalate_after: 1h}}]
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Peer:
    def __init__(self, args, ready_url):
        self.log = tempfile.NamedTemporaryFile(prefix="rota-peer-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        wait_until(lambda: self._up(ready_url), "%s to be ready" % args[0], timeout=60)

    def _up(self, url):
        if self.proc.poll() is not None:
            raise AssertionError("%s exited: %s" % (url, open(self.log.name).read()))
        try:
            return urllib.request.urlopen(url, timeout=2).status == 200
        except OSError:
            return False

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.unlink(self.log.name)


@unittest.skipIf(ALERTMANAGER is None or PROMETHEUS is None, "install-deps.sh installs both")
class EndToEndTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink()
        self.addCleanup(self.sink.close)
        self.work = Workdir(config=CONFIG % {"sink": self.sink.url}, rules=None)
        self.addCleanup(self.work.cleanup)
        self.rota = Rotad(self.work.config)
        self.addCleanup(self.rota.stop)
        self.tmp = tempfile.mkdtemp(prefix="rota-e2e-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_alertmanager_webhook_into_rota(self):
        port = free_port()
        config = self.write("alertmanager.yml", """\
route:
  receiver: rota
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: rota
    webhook_configs:
      - url: http://127.0.0.1:%d/api/v1/alertmanager
        send_resolved: true
""" % self.rota.port)
        am = Peer([ALERTMANAGER, "--config.file=" + config, "--storage.path=" + os.path.join(self.tmp, "am"),
                   "--web.listen-address=127.0.0.1:%d" % port, "--cluster.listen-address="],
                  "http://127.0.0.1:%d/-/ready" % port)
        self.addCleanup(am.stop)
        req = urllib.request.Request(
            "http://127.0.0.1:%d/api/v2/alerts" % port, method="POST",
            data=b'[{"labels":{"alertname":"ViaAlertmanager","severity":"page","instance":"db1"}}]',
            headers={"Content-Type": "application/json"})
        self.assertEqual(urllib.request.urlopen(req, timeout=10).status, 200)
        msg = self.sink.wait_for(
            lambda m: any(a["labels"].get("alertname") == "ViaAlertmanager" for a in m["json"]["alerts"]),
            "Alertmanager -> rota -> sink", timeout=60)[0]
        self.assertEqual(msg["json"]["recipient"], "oncall")
        self.assertFalse(self.sink.messages(lambda m: m["json"]["recipient"] == "sleeper"))
        # rota's alert id is Alertmanager's fingerprint of the same labels.
        am_alerts = urllib.request.urlopen("http://127.0.0.1:%d/api/v2/alerts" % port, timeout=10).read().decode()
        self.assertIn('"fingerprint":"%s"' % msg["json"]["alerts"][0]["fingerprint"], am_alerts)

    def test_prometheus_alerts_straight_to_rota(self):
        port = free_port()
        rules = self.write("rules.yml", """\
groups:
  - name: rota-e2e
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels: {severity: page}
        annotations: {summary: "it is always firing"}
""")
        config = self.write("prometheus.yml", """\
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [%s]
alerting:
  alertmanagers:
    - api_version: v2
      static_configs: [{targets: ['127.0.0.1:%d']}]
""" % (rules, self.rota.port))
        prom = Peer([PROMETHEUS, "--config.file=" + config, "--storage.tsdb.path=" + os.path.join(self.tmp, "tsdb"),
                     "--web.listen-address=127.0.0.1:%d" % port, "--rules.alert.resend-delay=1s"],
                    "http://127.0.0.1:%d/-/ready" % port)
        self.addCleanup(prom.stop)
        msg = self.sink.wait_for(
            lambda m: any(a["labels"].get("alertname") == "AlwaysFiring" for a in m["json"]["alerts"]),
            "Prometheus -> rota -> sink", timeout=90)[0]
        self.assertEqual(msg["json"]["recipient"], "oncall")
        self.assertEqual(msg["json"]["alerts"][0]["annotations"]["summary"], "it is always firing")
        # Prometheus re-sends every evaluation: rota dedupes, one page only.
        wait_until(lambda: 'rota_events_received_total{outcome="duplicate",source="prometheus"}' in self.rota.metrics(),
                   "a re-send to be seen as a duplicate", timeout=60)
        pages = self.sink.messages(lambda m: any(a["labels"].get("alertname") == "AlwaysFiring" for a in m["json"]["alerts"]))
        self.assertEqual(len(pages), 1)


if __name__ == "__main__":
    unittest.main()
