#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run the end-to-end AT-SPI test: a private X server and D-Bus session, an
# unlocked gnome-keyring, the accessibility bus, and fresh HOME/XDG dirs.
# usage: run-e2e.sh XENPOOLS XAPI-SIM SCRIPT.py
set -euo pipefail

skip () { echo "1..0 # SKIP $1"; exit 77; }

if [ -z "${XENPOOLS_E2E_INNER:-}" ]; then
  for tool in Xvfb dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || skip "$tool not installed"
  done
  [ -x /usr/libexec/at-spi-bus-launcher ] || skip "at-spi2-core not installed"
  /usr/bin/python3 -c 'import gi; gi.require_version("Atspi", "2.0"); gi.require_version("Secret", "1"); from gi.repository import Atspi, Secret' \
    2>/dev/null || skip "python3-gi with Atspi 2.0 and Secret 1 not installed"
  export XENPOOLS_E2E_INNER=1
  here=$(dirname "$(readlink -f "$0")")
  exec bash "$here/../retry-atspi-race.sh" bash "$here/run-e2e.sh" --outer "$@"
fi
if [ "${1:-}" = --outer ]; then
  shift
  # the AT-SPI registry announces itself on the inherited stdout: keep TAP clean
  set +e
  bash "$(dirname "$(readlink -f "$0")")/../../../build-aux/xvfb-run-safe.sh" -s "-screen 0 1440x900x24" \
    dbus-run-session -- bash "$(readlink -f "$0")" "$@" \
    2> >(grep -v "Failed to set fd limit" >&2) | grep -v "^SpiRegistry daemon is running"
  exit "${PIPESTATUS[0]}"
fi

tmp=$(mktemp -d)
atspi_pid=
cleanup () {
  if [ -n "$atspi_pid" ]; then kill "$atspi_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache
export XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export GTK_A11Y=atspi NO_AT_BRIDGE=0 GSK_RENDERER=cairo GDK_BACKEND=x11 GSETTINGS_BACKEND=memory

# The 'login' collection must exist and be unlocked, or the first store
# would need a prompter (platform.md §5).
echo -n e2e-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
eval "$(gnome-keyring-daemon --start --components=secrets)"
/usr/libexec/at-spi-bus-launcher --launch-immediately >/dev/null 2>&1 &
atspi_pid=$!

exec_status=0
XENPOOLS_E2E_TMP=$tmp /usr/bin/python3 "$3" "$1" "$2" || exec_status=$?
exit $exec_status
