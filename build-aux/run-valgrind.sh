#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run the library test suite under valgrind memcheck (errors and definite leaks fail).
set -euo pipefail
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
exec meson test -C "$BUILD" --suite lib --no-rebuild --print-errorlogs \
  --timeout-multiplier 8 --num-processes 2 --logbase valgrind \
  --wrap="valgrind --quiet --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite --suppressions=/usr/share/glib-2.0/valgrind/glib.supp --suppressions=$HERE/valgrind.supp"
