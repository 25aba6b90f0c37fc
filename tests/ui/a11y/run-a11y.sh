#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run an AT-SPI test script against the real xenpools binary on its demo
# pools, in a private X server and D-Bus session with fresh HOME/XDG dirs.
# usage: run-a11y.sh XENPOOLS SCRIPT.py
# XENPOOLS_A11Y_APP_ARGS: the app's arguments instead of --demo ("" for none)
set -euo pipefail

if [ -z "${XENPOOLS_A11Y_INNER:-}" ]; then
  for tool in Xvfb dbus-run-session; do
    if ! command -v "$tool" >/dev/null; then
      echo "1..0 # SKIP $tool not installed"; exit 77
    fi
  done
  if ! /usr/bin/python3 -c 'import gi; gi.require_version("Atspi", "2.0"); from gi.repository import Atspi' 2>/dev/null; then
    echo "1..0 # SKIP python3-gi with Atspi 2.0 not installed"; exit 77
  fi
  export XENPOOLS_A11Y_INNER=1
  here=$(dirname "$(readlink -f "$0")")
  exec bash "$here/../retry-atspi-race.sh" bash "$here/run-a11y.sh" --outer "$@"
fi
if [ "${1:-}" = --outer ]; then
  shift
  # the AT-SPI registry announces itself on the inherited stdout: keep TAP clean
  set +e
  bash "$(dirname "$(readlink -f "$0")")/../../../build-aux/xvfb-run-safe.sh" -s "-screen 0 1440x900x24" \
    dbus-run-session -- bash "$(readlink -f "$0")" "$@" | grep -v "^SpiRegistry daemon is running"
  exit "${PIPESTATUS[0]}"
fi

tmp=$(mktemp -d)
app_pid=
cleanup () {
  if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache
export XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export GTK_A11Y=atspi NO_AT_BRIDGE=0 GSK_RENDERER=cairo GDK_BACKEND=x11 GSETTINGS_BACKEND=memory

export XENPOOLS_BIN="$1"
# shellcheck disable=SC2086
"$1" ${XENPOOLS_A11Y_APP_ARGS---demo} >"$tmp/app.log" 2>&1 &
app_pid=$!
status=0
/usr/bin/python3 "$2" "$app_pid" || status=$?
if ! kill -0 "$app_pid" 2>/dev/null; then
  echo "# xenpools exited during the test:"; sed 's/^/# /' "$tmp/app.log"
  [ $status -eq 0 ] && status=1
fi
if grep -E -- "-(CRITICAL|WARNING) \*\*" "$tmp/app.log" | grep -v "Screen coordinates not supported" >/dev/null; then
  echo "# xenpools logged warnings:"; grep -E -- "-(CRITICAL|WARNING) \*\*" "$tmp/app.log" | sed 's/^/# /'
  [ $status -eq 0 ] && status=1
fi
exit $status
