#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Install what is missing, build, and run every test: once normally and once
# under ASan+UBSan, all with G_DEBUG=fatal-criticals; then the fuzzers for a
# bounded time and the library tests under valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

bash build-aux/install-deps.sh

export G_DEBUG=fatal-criticals
export NO_AT_BRIDGE=1
status=0

# meson test in $1 with the rest as options.  A test that fails is run once
# more, alone, into rerun-testlog.json: on a loaded 2-core machine a timing
# fault is then told apart from a broken feature.  Both runs are reported
# (summarize-tests.py names a test that failed and then passed as flaky);
# the status fails only if the rerun fails too.
run_suite () {
  local dir=$1
  shift
  rm -f "$dir/meson-logs/rerun-testlog.json"
  meson test -C "$dir" --print-errorlogs "$@" && return 0
  local failed
  failed=$(/usr/bin/python3 build-aux/summarize-tests.py --names "$dir/meson-logs/testlog.json")
  [ -n "$failed" ] || return 1
  echo "=== $dir: running again, one at a time: $failed ==="
  # shellcheck disable=SC2086
  meson test -C "$dir" --print-errorlogs "$@" --num-processes 1 --logbase rerun-testlog $failed
}

# Conformance/benchmark peer: Xen Orchestra's xen-api client, pinned by a lockfile.
if [ -f tests/xapi-sim/conformance/package-lock.json ] && [ ! -d tests/xapi-sim/conformance/node_modules ]; then
  (cd tests/xapi-sim/conformance && npm ci --no-audit --no-fund --loglevel=error) || echo "warning: npm ci failed" >&2
fi

echo "=== build (werror) ==="
if [ ! -f build/build.ninja ]; then
  meson setup build -Dwerror=true >/dev/null
fi
ninja -C build

echo "=== tests ==="
run_suite build --num-processes 2 || status=1

echo "=== build (ASan+UBSan) ==="
if [ ! -f build-asan/build.ninja ]; then
  meson setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C build-asan
echo "=== tests (ASan+UBSan) ==="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  run_suite build-asan --num-processes 2 --timeout-multiplier 3 || status=1

if [ -x build-aux/run-fuzz.sh ] || [ -f build-aux/run-fuzz.sh ]; then
  echo "=== fuzzers (bounded) ==="
  bash build-aux/run-fuzz.sh 30 || status=1
fi

if [ -f build-aux/run-valgrind.sh ]; then
  echo "=== library tests under valgrind ==="
  bash build-aux/run-valgrind.sh build || status=1
  /usr/bin/python3 build-aux/summarize-tests.py build/meson-logs/valgrind-valgrind.json \
    --rerun build/meson-logs/valgrind-rerun-valgrind.json | sed 's/^/valgrind: /' >&2
fi

/usr/bin/python3 build-aux/summarize-tests.py build/meson-logs/testlog.json build-asan/meson-logs/testlog.json \
  --rerun build/meson-logs/rerun-testlog.json build-asan/meson-logs/rerun-testlog.json
exit $status
