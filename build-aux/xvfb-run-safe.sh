#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A private Xvfb for one command, like "xvfb-run -a", without its race:
# xvfb-run picks a free display number by looking for lock files, so two
# started at once can pick the same one and the loser runs its command on
# a display that never came up.  Xvfb -displayfd picks the number itself.
#
# usage: xvfb-run-safe.sh [-a] [-n N] [-s "XVFB ARGS"] COMMAND [ARGS...]
# (-a and -n are accepted for compatibility and ignored)
set -euo pipefail

server_args="-screen 0 1280x800x24"
while [ $# -gt 0 ]; do
  case "$1" in
    -a) shift ;;
    -n) shift 2 ;;
    -s) server_args=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done

dir=$(mktemp -d)
xvfb_pid=
cleanup () {
  if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap "exit 143" TERM INT

# Xvfb has written its display number once it listens; still, a display
# number just given up by another Xvfb that is shutting down has been seen
# to refuse the first client ("cannot open display").  So a client must be
# able to connect (xdpyinfo, when installed) before the command runs; if
# none can within 10 s, this Xvfb is dropped and another one started.
display_answers () {
  command -v xdpyinfo >/dev/null || return 0
  local i
  for i in $(seq 50); do
    DISPLAY=":$1" xdpyinfo >/dev/null 2>&1 && return 0
    kill -0 "$xvfb_pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}
start_xvfb () {
  rm -f "$dir/fd"
  mkfifo "$dir/fd"
  # shellcheck disable=SC2086
  Xvfb -displayfd 3 -nolisten tcp $server_args 3>"$dir/fd" 2>"$dir/xvfb.log" &
  xvfb_pid=$!
  display=
  read -r -t 30 display <"$dir/fd" && [ -n "$display" ] && display_answers "$display"
}
stop_xvfb () {
  kill "$xvfb_pid" 2>/dev/null || true
  wait "$xvfb_pid" 2>/dev/null || true
  xvfb_pid=
}
attempt=1
until start_xvfb; do
  if [ "$attempt" -ge 3 ]; then
    echo "xvfb-run-safe: Xvfb did not start (display '${display:-}'):" >&2
    cat "$dir/xvfb.log" >&2
    exit 1
  fi
  echo "xvfb-run-safe: display '${display:-}' does not answer; starting another Xvfb" >&2
  stop_xvfb
  attempt=$((attempt + 1))
done
export DISPLAY=":$display"
unset WAYLAND_DISPLAY
status=0
"$@" || status=$?
exit $status
