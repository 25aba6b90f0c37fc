#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Console benchmark: frames per second and CPU per frame for full-screen
# updates, XpVncDisplay (GTK 4, gvnc) side by side with gvncviewer (GTK 3,
# gtk-vnc) on the same vnc-test-server in the same run, under a private Xvfb.
#
# usage: tests/bench/console/run.sh [BUILD_DIR]      (default: ./build)
# env:   DURATION=10 (s measured per client)  WARMUP=2 (s)
#        SIZES="1024x768 1920x1080"  GSK_RENDERER=cairo (GTK 4 renderer)
#        COUNTS="1 4 8 16" (consoles open at once in one window)
#        MANY_SIZE=800x600 (each console's desktop)  MANY_WINDOW=1600x1000
#
# Many consoles: COUNT XpVncDisplays in a grid of one window (scaled to
# fit), all connected at once to the same animated server: frames per
# second in total and per console, CPU, and the main loop's longest
# iteration (time outside poll(), so the longest an input event waited) and
# its 99th percentile, while they play, and for the opening itself.
#
# The server redraws the whole screen (every pixel changes) as soon as the
# previous frame went out, so each client gets frames as fast as it reads
# them.  "received" = framebuffer updates the server sent to that client
# (counted in the server, same method for both); "rendered" = frames the
# widget presented (damaged tiles flushed, at most one per frame clock tick,
# fewer while presenting would take over a third of the time; gvncviewer
# cannot report this).  CPU = utime+stime of the client process from
# /proc/<pid>/stat over the measured interval.  The clients run one after
# the other, never together.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
SIZES=${SIZES-"1024x768 1920x1080"}
export GSK_RENDERER=${GSK_RENDERER:-cairo}
export NO_AT_BRIDGE=1 GDK_BACKEND=x11 GSETTINGS_BACKEND=memory
RESULTS=${RESULTS:-$ROOT/tests/bench/results/console.json}
CLK_TCK=$(getconf CLK_TCK)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

SERVER=$BUILD/tests/console/vnc-test-server
CLIENT=$BUILD/tests/bench/console/bench-console-client
TMP=$(mktemp -d)
PIDS=()
cleanup () {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

[ -x "$SERVER" ] || { echo "missing $SERVER (build the project first)" >&2; exit 1; }
command -v gvncviewer >/dev/null || { echo "gvncviewer not installed" >&2; exit 1; }
if [ ! -x "$CLIENT" ]; then
  # tests/bench/meson.build may not build it: link against the build's static libraries.
  CLIENT=$TMP/bench-console-client
  # shellcheck disable=SC2046
  cc -O2 -std=gnu17 -I"$BUILD" -I"$ROOT/src/widgets" \
     "$ROOT/tests/bench/console/bench-console-client.c" \
     "$BUILD/src/widgets/libxp-widgets.a" "$BUILD/src/xenapi/libxapi.a" \
     $(pkg-config --cflags --libs gtk4 gvnc-1.0 gio-unix-2.0 libsoup-3.0 json-glib-1.0) -lm \
     -o "$CLIENT"
fi

# wait_for FILE PATTERN [COUNT]: until FILE has COUNT lines matching PATTERN (20 s max).
wait_for () {
  local n=${3:-1} i c
  for ((i = 0; i < 400; i++)); do
    c=$(grep -c -- "$2" "$1" 2>/dev/null) || true
    [ "${c:-0}" -ge "$n" ] && return 0
    sleep 0.05
  done
  echo "timeout waiting for '$2' in $1" >&2; return 1
}

# Private X server.
Xvfb -displayfd 5 -screen 0 2048x1200x24 -nolisten tcp 5>"$TMP/display" 2>/dev/null &
PIDS+=($!)
for ((i = 0; i < 200; i++)); do [ -s "$TMP/display" ] && break; sleep 0.05; done
export DISPLAY=:$(tr -d '\n' < "$TMP/display")

cpu_ticks () { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
now () { date +%s.%N; }

server_frames () {   # ask the server; print frames sent so far
  local before
  before=$(grep -c '^STATS' "$TMP/srv.out" || true)
  echo stats >&7
  wait_for "$TMP/srv.out" '^STATS' $((before + 1))
  grep '^STATS' "$TMP/srv.out" | tail -1 | sed 's/STATS frames=\([0-9]*\) encoding=\(-*[0-9]*\)/\1 \2/'
}

client_frames () {   # our client: textures built so far
  local before
  before=$(grep -c '^FRAMES' "$TMP/cli.out" || true)
  kill -USR1 "$1"
  wait_for "$TMP/cli.out" '^FRAMES' $((before + 1))
  grep '^FRAMES' "$TMP/cli.out" | tail -1 | cut -d' ' -f2
}

JSON_ROWS=()
printf '%-10s %-24s %8s %8s %8s %10s %8s\n' size client received fps rendered "cpu ms/fr" "cpu %"

measure () {   # measure KIND W H PORT
  local kind=$1 w=$2 h=$3 port=$4 pid clients
  clients=$(grep -c '^CLIENT new' "$TMP/srv.out" || true)
  : > "$TMP/cli.out"
  if [ "$kind" = xpvncdisplay ]; then
    "$CLIENT" "$port" "$w" "$h" > "$TMP/cli.out" 2>/dev/null &
  else
    gvncviewer "127.0.0.1:$((port - 5900))" > /dev/null 2>&1 &
  fi
  pid=$!
  PIDS+=("$pid")
  wait_for "$TMP/srv.out" '^CLIENT new' $((clients + 1))
  sleep "$WARMUP"

  local f0 enc c0 r0 t0 f1 c1 r1 t1
  read -r f0 enc < <(server_frames)
  c0=$(cpu_ticks "$pid"); t0=$(now)
  r0=0; [ "$kind" = xpvncdisplay ] && r0=$(client_frames "$pid")
  sleep "$DURATION"
  read -r f1 enc < <(server_frames)
  c1=$(cpu_ticks "$pid"); t1=$(now)
  r1=0; [ "$kind" = xpvncdisplay ] && r1=$(client_frames "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  wait_for "$TMP/srv.out" '^CLIENT gone' $((clients + 1))

  awk -v kind="$kind" -v size="${w}x${h}" -v f0="$f0" -v f1="$f1" -v r0="$r0" -v r1="$r1" \
      -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v tck="$CLK_TCK" -v enc="$enc" \
      -v renderer="$GSK_RENDERER" '
    BEGIN {
      dt = t1 - t0; fr = f1 - f0; cpu = (c1 - c0) / tck;
      fps = fr / dt; rend = (kind == "xpvncdisplay") ? (r1 - r0) / dt : -1;
      msf = fr > 0 ? cpu * 1000 / fr : 0; pct = cpu / dt * 100;
      name = kind == "xpvncdisplay" ? "XpVncDisplay (GTK4)" : "gvncviewer (GTK3)";
      printf "%-10s %-24s %8d %8.1f %8s %10.2f %8.1f\n", size, name, fr, fps,
             rend < 0 ? "n/a" : sprintf("%.1f", rend), msf, pct > "/dev/stderr";
      printf "{\"size\":\"%s\",\"client\":\"%s\",\"seconds\":%.3f,\"frames_received\":%d,\"fps_received\":%.2f,", size, kind, dt, fr, fps;
      if (rend < 0) printf "\"fps_rendered\":null,"; else printf "\"fps_rendered\":%.2f,", rend;
      printf "\"cpu_seconds\":%.3f,\"cpu_ms_per_frame\":%.3f,\"cpu_percent\":%.1f,\"rfb_encoding\":%d", cpu, msf, pct, enc;
      if (kind == "xpvncdisplay") printf ",\"gsk_renderer\":\"%s\"", renderer;
      printf "}\n";
    }'
}

for size in $SIZES; do
  w=${size%x*}; h=${size#*x}
  rm -f "$TMP/srv.in"; mkfifo "$TMP/srv.in"
  exec 7<>"$TMP/srv.in"
  "$SERVER" --animate --width "$w" --height "$h" --rfb-port=-1 <&7 > "$TMP/srv.out" 2>/dev/null &
  srv=$!; PIDS+=("$srv")
  wait_for "$TMP/srv.out" '^READY'
  port=$(sed -n 's/^READY .* rfb=\([0-9]*\).*/\1/p' "$TMP/srv.out")
  for kind in xpvncdisplay gvncviewer; do
    JSON_ROWS+=("$(measure "$kind" "$w" "$h" "$port" 2> >(cat >&2))")
  done
  echo quit >&7; wait "$srv" 2>/dev/null || true
  exec 7>&-
done

COUNTS=${COUNTS-"1 4 8 16"}
MANY_SIZE=${MANY_SIZE:-800x600}
MANY_WINDOW=${MANY_WINDOW:-1600x1000}
MANY_ROWS=()

measure_many () {   # measure_many COUNT PORT
  local n=$1 port=$2 pid gone open_ms open_stall open_cpu
  local f0 enc c0 r0 t0 f1 c1 r1 t1 smax sp99 scpu siters
  gone=$(grep -c '^CLIENT gone' "$TMP/srv.out" || true)
  : > "$TMP/cli.out"
  "$CLIENT" "$port" "${MANY_WINDOW%x*}" "${MANY_WINDOW#*x}" "$n" > "$TMP/cli.out" 2>/dev/null &
  pid=$!
  PIDS+=("$pid")
  wait_for "$TMP/cli.out" '^OPENED'
  read -r _ open_ms open_stall open_cpu < <(grep '^OPENED' "$TMP/cli.out")
  sleep "$WARMUP"

  read -r f0 enc < <(server_frames)
  c0=$(cpu_ticks "$pid"); t0=$(now)
  r0=$(client_frames "$pid")      # also starts the stall window
  sleep "$DURATION"
  read -r f1 enc < <(server_frames)
  c1=$(cpu_ticks "$pid"); t1=$(now)
  r1=$(client_frames "$pid")
  read -r _ smax sp99 scpu siters < <(grep '^STALL' "$TMP/cli.out" | tail -1)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  wait_for "$TMP/srv.out" '^CLIENT gone' $((gone + n))

  awk -v n="$n" -v size="$MANY_SIZE" -v f0="$f0" -v f1="$f1" -v r0="$r0" -v r1="$r1" \
      -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v tck="$CLK_TCK" -v enc="$enc" \
      -v open_ms="$open_ms" -v open_stall="$open_stall" -v open_cpu="$open_cpu" \
      -v smax="$smax" -v sp99="$sp99" -v scpu="$scpu" -v iters="$siters" -v renderer="$GSK_RENDERER" '
    BEGIN {
      dt = t1 - t0; fr = f1 - f0; cpu = (c1 - c0) / tck;
      fps = fr / dt; rend = (r1 - r0) / dt; pct = cpu / dt * 100;
      printf "%-8d %8.1f %8.1f %8.1f %8.1f %7.1f %9.1f %9.1f %9.1f %9.1f\n", n, fps, fps / n, rend, rend / n,
             pct, smax, sp99, open_ms, open_stall > "/dev/stderr";
      printf "{\"consoles\":%d,\"size\":\"%s\",\"seconds\":%.3f,\"frames_received\":%d,\"fps_received\":%.2f,", n, size, dt, fr, fps;
      printf "\"fps_received_per_console\":%.2f,\"fps_rendered\":%.2f,\"fps_rendered_per_console\":%.2f,", fps / n, rend, rend / n;
      printf "\"cpu_seconds\":%.3f,\"cpu_percent\":%.1f,", cpu, pct;
      printf "\"longest_iteration_ms\":%.2f,\"p99_iteration_ms\":%.2f,\"longest_iteration_cpu_ms\":%.2f,\"iterations\":%d,", smax, sp99, scpu, iters;
      printf "\"open_all_ms\":%.1f,\"open_longest_iteration_ms\":%.2f,\"open_longest_iteration_cpu_ms\":%.2f,", open_ms, open_stall, open_cpu;
      printf "\"rfb_encoding\":%d,\"gsk_renderer\":\"%s\"}\n", enc, renderer;
    }'
}

if [ -n "$COUNTS" ]; then
  w=${MANY_SIZE%x*}; h=${MANY_SIZE#*x}
  echo >&2
  printf '%-8s %8s %8s %8s %8s %7s %9s %9s %9s %9s\n' consoles fps "fps/con" rendered "rend/con" "cpu %" \
         "stall ms" "p99 ms" "open ms" "open st." >&2
  rm -f "$TMP/srv.in"; mkfifo "$TMP/srv.in"
  exec 7<>"$TMP/srv.in"
  "$SERVER" --animate --width "$w" --height "$h" --rfb-port=-1 <&7 > "$TMP/srv.out" 2>/dev/null &
  srv=$!; PIDS+=("$srv")
  wait_for "$TMP/srv.out" '^READY'
  port=$(sed -n 's/^READY .* rfb=\([0-9]*\).*/\1/p' "$TMP/srv.out")
  for n in $COUNTS; do
    MANY_ROWS+=("$(measure_many "$n" "$port" 2> >(cat >&2))")
  done
  echo quit >&7; wait "$srv" 2>/dev/null || true
  exec 7>&-
fi

mkdir -p "$(dirname "$RESULTS")"
{
  echo "{"
  echo "  \"benchmark\": \"console full-screen updates\","
  echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "  \"loadavg_start\": \"$LOAD_START\","
  echo "  \"loadavg_end\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo "  \"duration_s\": $DURATION,"
  echo "  \"cpus\": $(nproc),"
  echo "  \"gvnc\": \"$(pkg-config --modversion gvnc-1.0)\","
  echo "  \"notes\": \"received = framebuffer updates sent by vnc-test-server to the client; rendered = frames presented by XpVncDisplay (dirty 128x128 tiles rebuilt, at most one per frame clock tick, paced so presenting takes at most about a third of the time but at least 10 per second); both clients offer Tight JPEG quality 5; cpu from /proc/<pid>/stat; clients measured one after the other under Xvfb; rfb_encoding: 7 tight, 16 zrle, 5 hextile\","
  echo "  \"results\": ["
  for i in "${!JSON_ROWS[@]}"; do
    sep=","; [ "$i" -eq $((${#JSON_ROWS[@]} - 1)) ] && sep=""
    echo "    ${JSON_ROWS[$i]}$sep"
  done
  echo "  ],"
  echo "  \"many_notes\": \"COUNT XpVncDisplays (scaled to fit, one window of $MANY_WINDOW) connected at once to one animated vnc-test-server of $MANY_SIZE; fps = framebuffer updates the server sent to all of them; rendered = frames presented over all displays; iteration = one main-loop iteration minus its time in poll() (the longest time an input event waited), measured over the same interval; open_* = from connecting all to all showing, and the longest iteration in between; load average at start: $LOAD_START\","
  echo "  \"many\": ["
  for i in "${!MANY_ROWS[@]}"; do
    sep=","; [ "$i" -eq $((${#MANY_ROWS[@]} - 1)) ] && sep=""
    echo "    ${MANY_ROWS[$i]}$sep"
  done
  echo "  ]"
  echo "}"
} > "$TMP/results.json"
# SIZES="" or COUNTS="": keep that part of the previous results (with its date).
python3 - "$TMP/results.json" "$RESULTS" "$SIZES" "$COUNTS" <<'PY'
import json, os, sys
new_path, path, sizes, counts = sys.argv[1:5]
new = json.load(open(new_path))
old = json.load(open(path)) if os.path.exists(path) else {}
if not sizes.strip() and old.get("results"):
    new["results"] = old["results"]
    new["results_date"] = old.get("results_date", old.get("date"))
if not counts.strip() and old.get("many"):
    new["many"] = old["many"]
    new["many_notes"] = old.get("many_notes", "")
    new["many_date"] = old.get("many_date", old.get("date"))
json.dump(new, open(path, "w"), indent=2)
open(path, "a").write("\n")
PY
echo "wrote $RESULTS"
