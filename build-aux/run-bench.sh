#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Benchmarks of libxapi against Xen Orchestra's xen-api on the same xapi-sim
# in the same run (issue #5).  One command: release build, runs, table,
# tests/bench/results/bench.json.  The console benchmark (XpVncDisplay
# against gvncviewer, tests/bench/console/run.sh) runs last and writes
# console.json, merged into bench.json; without gvncviewer or Xvfb the last
# console.json is merged as it is (its date says when it ran).
#
# usage: build-aux/run-bench.sh [BUILD_DIR]          (default: ./_build/bench-release)
# env:   SIZES="5000 10000"   VMs of the "large" scenario (16 hosts) to sync
#        REPS=3               runs of each sync (median reported)
#        STORM_VMS=5000       size of the pool the storms run on
#        PHASES="2000:3 10000:3 50000:3 100000:2"   storm rate:seconds
#        STORMS="VM:name_description VM_metrics:memory_actual"   CLASS:FIELD of
#                             each storm (every phase of each, for each client)
#        ONLY=window          only the sidebar (bench-window) at each size; the
#                             other sections of bench.json are kept as they are
#        ONLY=storm           only the storms (no sync, no window); likewise
#        ONLY=console         only the console benchmark; likewise
# Other processes skew the numbers: the load average at start and end goes
# into the JSON, and a busy machine is reported before the run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-$ROOT/_build/bench-release}
SIZES=${SIZES:-"5000 10000"}
REPS=${REPS:-3}
STORM_VMS=${STORM_VMS:-5000}
PHASES=${PHASES:-"2000:3 10000:3 50000:3 100000:2"}
STORMS=${STORMS:-"VM:name_description VM_metrics:memory_actual"}
ONLY=${ONLY:-}
case "$ONLY" in
  ""|window|storm|console) ;;
  *) echo "ONLY: 'window', 'storm' or 'console'" >&2; exit 2 ;;
esac
SYNC_SIZES=$SIZES
case "$ONLY" in storm|console) SYNC_SIZES="" ;; esac
export CONFORMANCE=$ROOT/tests/xapi-sim/conformance
RESULTS=$ROOT/tests/bench/results

echo "=== release build ($BUILD) ===" >&2
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" -Dwerror=true --buildtype=release >/dev/null
fi
ninja -C "$BUILD" tests/xapi-sim/xapi-sim tests/bench/xapi-bench >/dev/null
ninja -C "$BUILD" tests/bench/bench-window >/dev/null 2>&1 || true   # needs GTK/libadwaita
ninja -C "$BUILD" tests/console/vnc-test-server tests/bench/console/bench-console-client \
  >/dev/null 2>&1 || true   # needs gvnc and libvncserver
SIM=$BUILD/tests/xapi-sim/xapi-sim
CBENCH=$BUILD/tests/bench/xapi-bench
WBENCH=$BUILD/tests/bench/bench-window
NBENCH=$ROOT/tests/bench/bench-xen-api.mjs

if { [ -z "$ONLY" ] || [ "$ONLY" = storm ]; } && [ ! -d "$CONFORMANCE/node_modules/xen-api" ]; then
  (cd "$CONFORMANCE" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
if awk '{ exit !($1 > 0.5) }' /proc/loadavg; then
  echo "warning: load average $LOAD_START: other processes will skew the results" >&2
fi
TMP=$(mktemp -d)
SIM_PID=
cleanup () {
  if [ -n "$SIM_PID" ] && ! kill -0 "$SIM_PID" 2>/dev/null; then
    # it died under a benchmark: say how (its stderr goes with $TMP)
    local status=0
    wait "$SIM_PID" 2>/dev/null || status=$?
    echo "xapi-sim exited early (status $status), its stderr:" >&2
    tail -n 20 "$TMP/sim.err" >&2 || true
    SIM_PID=
  fi
  if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
OUT=$TMP/lines.jsonl
: > "$OUT"

start_sim () {   # start_sim VMS: sets URL CONTROL SIM_PID
  local log=$TMP/sim-$1.out i
  : > "$log"
  "$SIM" --scenario large --hosts 16 --vms "$1" --port 0 --control-port 0 >> "$log" 2>"$TMP/sim.err" &
  SIM_PID=$!
  for ((i = 0; i < 1200; i++)); do
    grep -q '^CONTROL' "$log" && break
    kill -0 "$SIM_PID" 2>/dev/null || { cat "$TMP/sim.err" >&2; echo "xapi-sim died" >&2; exit 1; }
    sleep 0.05
  done
  URL=$(awk '/^READY/ { print $2 }' "$log")
  CONTROL=$(awk '/^CONTROL/ { print $2 }' "$log")
  [ -n "$URL" ] && [ -n "$CONTROL" ] || { echo "xapi-sim did not start" >&2; exit 1; }
}

stop_sim () {
  kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true; SIM_PID=
}

tag () {   # tag KEY=VALUE...: add fields to each JSON line of stdin
  python3 -c '
import json, sys
extra = dict(a.split("=", 1) for a in sys.argv[1:])
extra = {k: int(v) if v.isdigit() else v for k, v in extra.items()}
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        d = json.loads(line); d.update(extra); print(json.dumps(d)); sys.stdout.flush()
' "$@"
}

for vms in $SYNC_SIZES; do
  echo "=== initial sync: large, 16 hosts, $vms VMs ===" >&2
  start_sim "$vms"
  for ((r = 1; r <= REPS; r++)); do
    [ -n "$ONLY" ] && break
    # Alternate the order so that neither always runs on a warmer simulator.
    if ((r % 2)); then order="c node"; else order="node c"; fi
    for who in $order; do
      if [ "$who" = c ]; then
        "$CBENCH" sync "$URL" | tag size="$vms" rep="$r" | tee -a "$OUT" >&2
      else
        node "$NBENCH" sync "$URL" | tag size="$vms" rep="$r" | tee -a "$OUT" >&2
      fi
    done
  done
  # The sidebar under a private X server, once per size (with the control
  # URL: storms of VM renames and description changes too).
  if [ -x "$WBENCH" ] && command -v Xvfb >/dev/null; then
    GSETTINGS_BACKEND=memory GSK_RENDERER=cairo GDK_BACKEND=x11 NO_AT_BRIDGE=1 GTK_A11Y=none \
      "$ROOT/build-aux/xvfb-run-safe.sh" -s "-screen 0 1280x1000x24" "$WBENCH" "$URL" "$CONTROL" 2>/dev/null \
      | tag size="$vms" | tee -a "$OUT" >&2 \
      || echo "warning: window benchmark failed" >&2
  fi
  stop_sim
done

if [ -z "$ONLY" ] || [ "$ONLY" = storm ]; then
start_sim "$STORM_VMS"
export XAPI_BENCH_SIM_PID=$SIM_PID
for storm in $STORMS; do
  # xapi-bench and bench-xen-api.mjs read the class and field from there
  export STORM_CLASS=${storm%%:*} STORM_FIELD=${storm#*:}
  echo "=== event storm: $STORM_CLASS $STORM_FIELD, $STORM_VMS VMs, phases $PHASES ===" >&2
  # shellcheck disable=SC2086
  "$CBENCH" storm "$URL" "$CONTROL" $PHASES | tag size="$STORM_VMS" | tee -a "$OUT" >&2
  # shellcheck disable=SC2086
  node "$NBENCH" floor "$URL" "$CONTROL" $PHASES | tag size="$STORM_VMS" | tee -a "$OUT" >&2
  # shellcheck disable=SC2086
  node "$NBENCH" storm "$URL" "$CONTROL" $PHASES | tag size="$STORM_VMS" | tee -a "$OUT" >&2
done
unset XAPI_BENCH_SIM_PID STORM_CLASS STORM_FIELD
stop_sim
fi

if [ -z "$ONLY" ] || [ "$ONLY" = console ]; then
  if command -v gvncviewer >/dev/null && command -v Xvfb >/dev/null && [ -x "$BUILD/tests/console/vnc-test-server" ]; then
    echo "=== console: XpVncDisplay and gvncviewer ===" >&2
    # its own SIZES and RESULTS, not ours
    env -u SIZES -u RESULTS "$ROOT/tests/bench/console/run.sh" "$BUILD" >&2 || echo "warning: console benchmark failed" >&2
  else
    echo "warning: no gvncviewer, Xvfb or vnc-test-server: the last console.json is merged as it is" >&2
  fi
fi

mkdir -p "$RESULTS"
python3 - "$OUT" "$RESULTS" "$(nproc)" "$(node --version 2>/dev/null || echo none)" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" "$LOAD_START" "$ONLY" <<'EOF'
import json, os, statistics, sys, time

lines_path, results, cpus, node_version, cpu_model, load_start, only = sys.argv[1:8]
load_end = open("/proc/loadavg").read().split()[:3]
rows = [json.loads(l) for l in open(lines_path) if l.strip()]

def med(xs):
    return statistics.median(xs) if xs else None

sync = {}
for r in rows:
    if r["bench"] == "sync" and "rep" in r:
        sync.setdefault((r["size"], r["client"]), []).append(r)

def agg(size, client):
    rs = sync.get((size, client), [])
    if not rs:
        return None
    keys = ["wall_s", "cpu_s", "peak_rss_kb", "rss_before_kb", "rss_after_kb", "longest_iteration_ms"]
    out = {k: med([x[k] for x in rs]) for k in keys}
    out.update(objects=rs[0]["objects"], vms=rs[0]["vms"], runs=len(rs))
    return out

sizes = sorted({k[0] for k in sync})
sync_out = []
print()
print("Initial sync, scenario large (16 hosts), median of %d runs; login -> every object cached" % max([len(v) for v in sync.values()] or [0]))
print("%-6s %-8s %8s %8s %9s %8s %9s %8s" % ("VMs", "client", "objects", "wall s", "CPU s", "peak MB", "iter ms", ""))
for size in sizes:
    a, b = agg(size, "libxapi"), agg(size, "xen-api")
    for name, x in (("libxapi", a), ("xen-api", b)):
        if x:
            print("%-6s %-8s %8d %8.2f %9.2f %8.0f %9.1f" % (size, name, x["objects"], x["wall_s"], x["cpu_s"],
                                                           x["peak_rss_kb"] / 1024, x["longest_iteration_ms"]))
    entry = {"vms": size, "libxapi": a, "xen_api": b}
    if a and b:
        entry["ratios"] = {
            "wall_speedup": round(b["wall_s"] / a["wall_s"], 2),
            "cpu_speedup": round(b["cpu_s"] / a["cpu_s"], 2),
            "peak_rss_ratio": round(a["peak_rss_kb"] / b["peak_rss_kb"], 3),
        }
        print("%-6s ratios: wall %.2fx faster, CPU %.2fx less, peak RSS %.2f of xen-api's"
              % (size, entry["ratios"]["wall_speedup"], entry["ratios"]["cpu_speedup"], entry["ratios"]["peak_rss_ratio"]))
    sync_out.append(entry)

mem = {}
if len(sizes) >= 2:
    lo, hi = sizes[0], sizes[-1]
    print()
    print("Memory per cached VM (RSS after sync, %d vs %d VMs; each VM brings ~7 more objects: VBDs, VDI, VIF, metrics)" % (lo, hi))
    for client in ("libxapi", "xen-api"):
        a, b = agg(lo, client), agg(hi, client)
        if a and b:
            kb = (b["rss_after_kb"] - a["rss_after_kb"]) / (b["vms"] - a["vms"])
            objs = (b["objects"] - a["objects"]) / (b["vms"] - a["vms"])
            mem[client] = {"kb_per_vm": round(kb, 2), "objects_per_vm": round(objs, 2)}
            print("  %-8s %6.1f KB per VM (%.1f objects)" % (client, kb, objs))

storms = [r for r in rows if r["bench"] == "storm"]
for r in storms:
    r.setdefault("class", "VM")
    r.setdefault("field", "name_description")
for key in dict.fromkeys((r["class"], r["field"]) for r in storms):
    rs = [r for r in storms if (r["class"], r["field"]) == key]
    print()
    print("Event storm: %s %s changed by the simulator (%s VMs, %s objects); latency = change due -> notify"
          % (key[0], key[1], rs[0]["size"], rs[0].get("objects", "?")))
    print("covered = changes applied by the client: notified, or superseded by a later value notified (event.from")
    print("coalesces the changes of one object between two batches); its latency runs from each change's own due time")
    print("%-15s %7s %9s %9s %8s %7s %7s %9s %7s %7s %7s %8s %7s" % ("client", "rate/s", "changes", "notifies", "notif/s",
          "p50 ms", "p99 ms", "covered/s", "cov p50", "cov p99", "iter ms", "us/notif", "sim CPU"))
    for r in rs:
        l = r["latency_ms"]
        c = r.get("change_latency_ms", {"p50": -1, "p99": -1})
        print("%-15s %7d %9d %9d %8d %7.1f %7.1f %9d %7.1f %7.1f %7.1f %8.1f %6.0f%%" % (
            r["client"], r["rate"], r["server_changes"], r["notifications"], r["notify_per_s"], l["p50"], l["p99"],
            r.get("covered_per_s", -1), c["p50"], c["p99"], r["longest_iteration_ms"], r["cpu_per_notify_us"],
            100 * r["sim_cpu_s"] / r["wall_s"] if r.get("sim_cpu_s", -1) >= 0 else -1))

windows = [r for r in rows if r["bench"] == "window"]
if windows:
    print()
    print("Window: XpSidebar alone under Xvfb (cairo renderer); filter = xp_tree_model_set_search until the next frame;")
    print("iter = longest main-loop iteration, wall ms / main-thread CPU ms")
    print("%-6s %9s %10s %15s %8s   %s" % ("VMs", "sync ms", "shown ms", "sync iter", "rows", "filter: text rows ms"))
    for w in windows:
        f = "  ".join("'%s' %d %.0f" % (x["text"], x["rows"], x["to_paint_ms"]) for x in w["filter"])
        print("%-6s %9.0f %10.1f %7.0f/%-7.0f %8d   %s" % (w["size"], w["open_to_ready_ms"], w["ready_to_shown_ms"],
              w["sync_longest_iteration_ms"], w.get("sync_longest_iteration_cpu_ms", -1), w["rows_shown"], f))
        if "typing" in w:
            print("%-6s typing a name and erasing it, per key: max %.0f ms to paint, %.0f ms CPU; filter iter %.0f/%.0f"
                  % ("", w["typing_max_ms"], w["typing_max_cpu_ms"], w["filter_longest_iteration_ms"],
                     w["filter_longest_iteration_cpu_ms"]))
        for st in w.get("storms", []):
            print("%-6s storm VM %s %d/s %.0f s: iter %.0f/%.0f, %.0f frames/s"
                  % ("", st["field"], st["rate"], st["seconds"], st["longest_iteration_ms"],
                     st["longest_iteration_cpu_ms"], st["fps"]))

console = None
console_path = os.path.join(results, "console.json")
if os.path.exists(console_path):
    console = json.load(open(console_path))
    print()
    print("Console (from tests/bench/results/console.json, %s)" % console.get("date"))
    print("%-10s %-14s %8s %8s %10s %7s" % ("size", "client", "fps", "rendered", "cpu ms/fr", "cpu %"))
    for r in console.get("results", []):
        print("%-10s %-14s %8.1f %8s %10.2f %7.1f" % (r["size"], r["client"], r["fps_received"],
              "n/a" if r.get("fps_rendered") is None else "%.1f" % r["fps_rendered"], r["cpu_ms_per_frame"], r["cpu_percent"]))
    if console.get("many"):
        print()
        print("Consoles open at once (one window, each %s)" % console["many"][0]["size"])
        print("%-8s %8s %8s %8s %7s %10s %8s %10s %8s" % ("consoles", "fps", "fps/con", "rend/con", "cpu %",
              "stall ms", "p99 ms", "stall cpu", "open ms"))
        for r in console["many"]:
            print("%-8d %8.1f %8.1f %8.1f %7.1f %10.1f %8.1f %10.1f %8.0f" % (r["consoles"], r["fps_received"],
                  r["fps_received_per_console"], r["fps_rendered_per_console"], r["cpu_percent"],
                  r["longest_iteration_ms"], r["p99_iteration_ms"], r["longest_iteration_cpu_ms"], r["open_all_ms"]))

def xen_api_version():
    path = os.path.join(os.environ.get("CONFORMANCE", "tests/xapi-sim/conformance"), "node_modules/xen-api/package.json")
    return json.load(open(path))["version"] if os.path.exists(path) else None

out = {
    "benchmark": "libxapi vs xen-api on xapi-sim",
    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "cpus": int(cpus),
    "cpu_model": cpu_model,
    "loadavg_start": load_start,
    "loadavg_end": " ".join(load_end),
    "node": node_version,
    "xen_api": xen_api_version(),
    "notes": ("sync: one process per run, from new connection to every object cached (libxapi: open_async until CONNECTED; "
              "xen-api: new Xapi + connect() + objectsFetched), TLS, simulator on the same machine; "
              "peak RSS includes each runtime's baseline (rss_before_kb). "
              "storm: POST /storm on the simulator, one storm per class/field (VM name_description: 2-3 KB records, the "
              "simulator writes 'storm N'; VM_metrics memory_actual: small records, it writes N, the field xapi itself updates "
              "often); change N is due at start + N/rate (the simulator applies changes in 10 ms ticks, so "
              "latencies include up to 10 ms of that); libxapi: notify::<field>; xen-api: objects 'update' event; "
              "changes_covered/covered_per_s/change_latency_ms: a notified value N also covers the changes of that object "
              "event.from coalesced into it (N - k * objects since the last value notified: the simulator changes the objects "
              "in a fixed round), each with its own latency from its due time; irregular = notifications not a whole round "
              "after the last one (expected 0); "
              "raw event.from: no client library, JSON.parse of each event.from reply only (the floor set by simulator and transport). "
              "iter ms: longest main-loop iteration (libxapi: time between poll() calls; node: monitorEventLoopDelay max). "
              "sim CPU: simulator CPU time / wall time of the phase (100% = one core saturated). "
              "window: bench-window, a window holding only XpSidebar over the connection, under xvfb-run; "
              "sync ms = open to CONNECTED with the sidebar attached, shown ms = CONNECTED to the first frame painted "
              "with the pool's rows, iter ms = longest main-loop iteration during that sync."),
    "sync": sync_out,
    "memory_per_vm": mem,
    "storm": storms,
    "window": windows,
    "raw": rows,
    "console": console,
}
if only:
    # Only some sections were measured: keep the others of the last full run.
    path = os.path.join(results, "bench.json")
    previous = json.load(open(path)) if os.path.exists(path) else {}
    section = {"window": windows, "storm": storms, "console": console}[only]
    previous[only] = section
    previous[only + "_date"] = out["date"]
    previous[only + "_loadavg"] = [load_start, " ".join(load_end)]
    if only == "storm":
        previous["notes"] = out["notes"]
    if only != "console":
        previous["raw"] = [r for r in previous.get("raw", []) if r.get("bench") != only] + section
    out = previous
with open(os.path.join(results, "bench.json"), "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
print()
print("wrote " + os.path.join(results, "bench.json"))
EOF
