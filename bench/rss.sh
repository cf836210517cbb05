#!/bin/bash
# RSS growth per alert of one rotad (no Alertmanager) at N active alerts,
# with and without malloc settings: the quick way to see what an
# environment or a code change does to memory. compare.py does the full,
# side-by-side run.
#
#   bench/rss.sh TAG [ENV=VALUE ...]        e.g.
#   bench/rss.sh plain
#   bench/rss.sh unit GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.top_pad=67108864
#
# ALERTS (default 100000) alerts in requests of 100; BUILD (default
# build/release). Everything listens on 127.0.0.1, ports picked free.
set -euo pipefail
tag=$1
shift
BUILD=${BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build/release}
ALERTS=${ALERTS:-100000}
work=$(mktemp -d /tmp/rota-rss-XXXXXX)
trap 'kill -INT ${rotad:-} 2>/dev/null || true; kill ${sink:-} 2>/dev/null || true; wait ${rotad:-} ${sink:-} 2>/dev/null || true; rm -rf "$work"' EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
sink_port=$(port)
"$BUILD/bench/sink" --port "$sink_port" >"$work/sink.log" 2>&1 &
sink=$!
rota_port=$(port)
cat >"$work/rota.yaml" <<EOC
server: {listen: '127.0.0.1:$rota_port'}
storage: {dir: '$work/state'}
channels: [{name: sink, type: webhook, url: 'http://127.0.0.1:$sink_port/rota', max_concurrency: 8}]
people: [{id: oncall, hours: [{}], contacts: [{channel: sink, to: oncall}]}]
routes: [{name: all, group_by: ['...'], group_wait: 0s, group_interval: 5m, escalation: page}]
escalations: [{name: page, steps: [{notify: ['person:oncall'], escalate_after: 24h}]}]
EOC
mkdir -p "$work/state"
env "$@" "$BUILD/daemon/rotad" --config "$work/rota.yaml" --log-level warn >"$work/rotad.log" 2>&1 &
rotad=$!
until curl -sf -m 2 "http://127.0.0.1:$rota_port/-/ready" >/dev/null; do
  kill -0 $rotad 2>/dev/null || { echo "rotad exited; its log:" >&2; cat "$work/rotad.log" >&2; exit 1; }
  sleep 0.1
done
sleep 1
base=$(awk '/VmRSS/{print $2}' "/proc/$rotad/status")
"$BUILD/bench/loadgen" --url "http://127.0.0.1:$rota_port" --batch 100 --requests $((ALERTS / 100)) \
  --connections 32 --shards 100 --run-id "$tag" >/dev/null
sleep 3
kill -0 $rotad 2>/dev/null || { echo "rotad exited during the load; its log:" >&2; cat "$work/rotad.log" >&2; exit 1; }
rss=$(awk '/VmRSS/{print $2}' "/proc/$rotad/status")
echo "$tag: RSS at start ${base} kB, at $ALERTS alerts ${rss} kB, $(((rss - base) * 1024 / ALERTS)) B/alert"
