#!/usr/bin/env bash
# Installs the Debian packages rota needs to build, run and test.
# Idempotent: asks dpkg first and calls apt-get only for what is missing, so a
# machine that has everything pays one dpkg-query. Uses sudo only when not root.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config make
  # the fuzz preset: libFuzzer with clang (tests/fuzz/, docs/development.md)
  clang-15 libfuzzer-15-dev
  # the style check (scripts/check-format.sh, CTest style.clang_format)
  clang-format-15
  # libraries (Boost 1.81: Debian's default 1.74 lacks http::message_generator)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libyaml-cpp-dev prometheus-cpp-dev doctest-dev libsqlite3-dev
  libexpected-dev libsystemd-dev libre2-dev libhowardhinnant-date-dev tzdata
  libcurl4-openssl-dev libssl-dev libkainjow-mustache-dev libbenchmark-dev
  # the PostgreSQL backend (libpq) and its tests' throwaway cluster (tests/tools/pg_cluster.py)
  libpq-dev postgresql-15 postgresql-client-15
  # test peers and tools: promtool, Alertmanager, SMTP server, systemd-analyze
  python3 prometheus prometheus-alertmanager python3-aiosmtpd systemd openssl
  # the web console's tests: a real browser (tests/integration/ui_test.py), an
  # independent iCalendar parser and HTML5 parser
  chromium chromium-driver python3-selenium python3-icalendar python3-html5lib
  # the .deb (make deb): dpkg-shlibdeps for its dependencies, man pages, lintian
  dpkg-dev help2man lintian
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Package lists may be absent on a fresh machine; refresh once if a package is unknown.
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
  "${sudo[@]}" apt-get update -q
fi
# Debian's prometheus packages would start their own daemons from postinst; rota's
# tests start their own on free ports, so keep the packaged services stopped.
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
for svc in prometheus prometheus-alertmanager postgresql; do
  if [ -x "/etc/init.d/$svc" ] && ! pidof systemd >/dev/null 2>&1; then
    "${sudo[@]}" "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
  fi
done
