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

mkfifo "$dir/fd"
# shellcheck disable=SC2086
Xvfb -displayfd 3 -nolisten tcp $server_args 3>"$dir/fd" 2>"$dir/xvfb.log" &
xvfb_pid=$!
if ! read -r -t 30 display <"$dir/fd" || [ -z "$display" ]; then
  echo "xvfb-run-safe: Xvfb did not start:" >&2
  cat "$dir/xvfb.log" >&2
  exit 1
fi
export DISPLAY=":$display"
unset WAYLAND_DISPLAY
status=0
"$@" || status=$?
exit $status
