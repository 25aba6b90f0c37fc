#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Takes the AppStream screenshot: starts `xenpools --demo` from a build
# directory under a private Xvfb and D-Bus session, waits until the main
# window is mapped and its contents stop changing (polling, with a
# deadline), and writes data/screenshots/main-window.png.
#
# usage: build-aux/screenshot.sh [BUILD_DIR] [OUTPUT.png]
set -eu

srcroot=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "${1:-$srcroot/build}" && pwd)
output=${2:-$srcroot/data/screenshots/main-window.png}
case $output in /*) ;; *) output=$(pwd)/$output ;; esac
# The screen is larger than the window, which opens at 0,0 (no window
# manager) and may grow past its default size; the PNG is cropped to it.
width=1600 height=1000

if [ -z "${XENPOOLS_SCREENSHOT_INNER:-}" ]; then
  for tool in xvfb-run dbus-run-session import xwininfo; do
    command -v "$tool" >/dev/null || { echo "screenshot.sh: $tool is missing" >&2; exit 1; }
  done
  [ -x "$build_dir/src/xenpools" ] || { echo "screenshot.sh: no $build_dir/src/xenpools" >&2; exit 1; }
  # dbus-run-session warns that it cannot raise the fd limit; harmless.
  XENPOOLS_SCREENSHOT_INNER=1 exec xvfb-run -a -s "-screen 0 ${width}x${height}x24" \
    dbus-run-session -- "$0" "$build_dir" "$output"
fi

# Inside Xvfb and a private D-Bus session from here on.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenpools-shot.XXXXXX")
app_pid=
cleanup () {
  status=$?
  if [ -n "$app_pid" ]; then
    kill "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -m 700 "$tmp/home" "$tmp/runtime"
export HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/runtime XDG_CONFIG_HOME=$tmp/home/.config
# A private keyfile backend fixes the window size of the screenshot.
mkdir -p "$XDG_CONFIG_HOME/glib-2.0/settings"
cat >"$XDG_CONFIG_HOME/glib-2.0/settings/keyfile" <<KEYFILE
[io/github/xenpools/XenPools]
window-width=1440
window-height=900
KEYFILE
export GSETTINGS_SCHEMA_DIR=$build_dir/data GSETTINGS_BACKEND=keyfile
export GSK_RENDERER=cairo GDK_BACKEND=x11 GTK_A11Y=none NO_AT_BRIDGE=1
export LANG=C.UTF-8 LANGUAGE=

"$build_dir/src/xenpools" --demo >"$tmp/app.log" 2>&1 &
app_pid=$!

# Poll every 250 ms, for at most 90 s: first for the mapped XenPools window,
# then for a settled frame (the demo pool has loaded and
# nothing is animating any more).
deadline=$(( $(date +%s) + 90 ))
window=
while [ -z "$window" ]; do
  window=$(xwininfo -root -tree 2>/dev/null | awk '/"XenPools"/ { print $1; exit }')
  if ! kill -0 "$app_pid" 2>/dev/null; then
    echo "screenshot.sh: xenpools exited early:" >&2; cat "$tmp/app.log" >&2; exit 1
  fi
  [ "$(date +%s)" -lt "$deadline" ] || { echo "screenshot.sh: no window" >&2; exit 1; }
  [ -n "$window" ] || sleep 0.25
done

# Captures until eight frames in a row (2 s) are identical.
settle () {
  previous= stable=0
  while [ "$stable" -lt 8 ]; do
    import -window root "$tmp/shot.png"
    sum=$(convert "$tmp/shot.png" rgb:- | md5sum | cut -d' ' -f1)
    if [ "$sum" = "$previous" ]; then stable=$((stable + 1)); else stable=0; fi
    previous=$sum
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "screenshot.sh: the window never settled" >&2
      return 1
    fi
    sleep 0.25
  done
}

settle

# Show a VM's details: filter the sidebar to one VM (Ctrl+F) and click the
# single row left, the first row under the view selector.  Skipped when
# xdotool is missing; the overview above is kept then.
if [ -n "${XENPOOLS_SCREENSHOT_VM-db-primary}" ] && command -v xdotool >/dev/null; then
  xdotool key ctrl+f
  xdotool type --delay 20 "${XENPOOLS_SCREENSHOT_VM-db-primary}"
  settle
  xdotool mousemove 100 161 click 1 mousemove $((width - 20)) $((height - 20))
  settle
fi

geometry=$(xwininfo -id "$window" | awk '/^ *Width:/ { w = $2 } /^ *Height:/ { h = $2 }
                                          END { printf "%dx%d+0+0", w, h }')
mkdir -p "$(dirname "$output")"
convert "$tmp/shot.png" -crop "$geometry" +repage -strip "$output"
echo "screenshot.sh: wrote $output ($geometry)"
