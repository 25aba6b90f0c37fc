#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A private Xvfb for one command, like "xvfb-run -a", without its races:
# xvfb-run picks a free display number by looking for lock files, so two
# started at once can pick the same one and the loser runs its command on
# a display that never came up.  Here the display number is drawn at random
# from a wide range and Xvfb, told -displayfd, says when it listens (or
# exits at once when the number is taken: another is drawn).  Drawing at
# random also keeps clear of a number another Xvfb has just given up (the
# lowest free one is what -displayfd alone picks).  "cannot open display"
# for the command, on a display that had answered, is still seen once in a
# while under load, cause unknown: when the command fails, what Xvfb said
# (and whether it is still there) goes to stderr.
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

# And a client must be able to connect (xdpyinfo, when installed) before
# the command runs; if none can within 10 s, another Xvfb is started.
# -noreset: no server reset when the last client leaves (xdpyinfo, the
# accessibility bus launcher) just as the command's first one connects.
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
  display=
  # shellcheck disable=SC2086
  Xvfb ":$((1000 + RANDOM % 30000))" -displayfd 3 -nolisten tcp -noreset $server_args \
    3>"$dir/fd" 2>"$dir/xvfb.log" &
  xvfb_pid=$!
  read -r -t 30 display <"$dir/fd" && [ -n "$display" ] && display_answers "$display"
}
stop_xvfb () {
  kill "$xvfb_pid" 2>/dev/null || true
  wait "$xvfb_pid" 2>/dev/null || true
  xvfb_pid=
}
attempt=1
until start_xvfb; do
  if [ "$attempt" -ge 10 ]; then
    echo "xvfb-run-safe: Xvfb did not start (display '${display:-}'):" >&2
    cat "$dir/xvfb.log" >&2
    exit 1
  fi
  stop_xvfb
  attempt=$((attempt + 1))
done
export DISPLAY=":$display"
unset WAYLAND_DISPLAY
status=0
"$@" || status=$?
# A failed command may have lost its display ("cannot open display" has
# been seen once in a while): say what the server said.
if [ "$status" -ne 0 ]; then
  if ! kill -0 "$xvfb_pid" 2>/dev/null; then
    echo "xvfb-run-safe: the Xvfb of display :$display is gone" >&2
  fi
  if [ -s "$dir/xvfb.log" ]; then
    echo "xvfb-run-safe: Xvfb :$display said:" >&2
    tail -n 20 "$dir/xvfb.log" >&2
  fi
fi
exit $status
