#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run the library test suite under valgrind memcheck (errors and definite leaks fail).
# A test that fails is run once more, alone (as run-tests.sh does for the
# other runs): two tests under valgrind on 2 cores slow a client enough for
# its own 5 s call timeouts to expire, which is not what this run checks; a
# memory error or a leak fails again.
set -uo pipefail
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
WRAP="valgrind --quiet --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite --suppressions=/usr/share/glib-2.0/valgrind/glib.supp --suppressions=$HERE/valgrind.supp"

rm -f "$BUILD/meson-logs/valgrind-rerun-valgrind.json"
meson test -C "$BUILD" --suite lib --no-rebuild --print-errorlogs \
  --timeout-multiplier 8 --num-processes 2 --logbase valgrind --wrap="$WRAP" && exit 0
failed=$(/usr/bin/python3 "$HERE/summarize-tests.py" --names "$BUILD/meson-logs/valgrind-valgrind.json")
[ -n "$failed" ] || exit 1
echo "=== valgrind: running again, one at a time: $failed ==="
# shellcheck disable=SC2086
meson test -C "$BUILD" --no-rebuild --print-errorlogs \
  --timeout-multiplier 8 --num-processes 1 --logbase valgrind-rerun --wrap="$WRAP" $failed
