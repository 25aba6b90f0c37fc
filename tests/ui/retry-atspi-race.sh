#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run an AT-SPI UI test (its TAP on stdout); if it fails *only* because the
# app hit GTK 4.8's AT-SPI race -- "g_variant_is_object_path: assertion
# 'string != NULL' failed", logged from GTK's accessibility bridge when a
# window goes away while the registry asks about it, fatal under
# G_DEBUG=fatal-criticals -- run it once more.  The first attempt's output
# is kept as TAP comments, so a retry is always visible in the log.
# Any other failure, or the race twice, fails as usual.
# usage: retry-atspi-race.sh COMMAND [ARG...]
set -uo pipefail

first=$(mktemp)
trap 'rm -f "$first"' EXIT

"$@" >"$first"
status=$?
if [ "$status" -eq 0 ] || [ "$status" -eq 77 ] ||
   ! grep -q "g_variant_is_object_path: assertion 'string != NULL' failed" "$first"; then
  cat "$first"
  exit "$status"
fi
echo "# first attempt failed on GTK 4.8's AT-SPI race (g_variant_is_object_path critical); its output:"
sed 's/^/#   /' "$first"
echo "# second attempt:"
"$@"
