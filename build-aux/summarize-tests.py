#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print one 'N passed, N failed, N skipped' line over meson test logs."""
import json
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                result = json.loads(line).get("result", "")
                if result in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif result == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    except FileNotFoundError:
        pass
print(f"{passed} passed, {failed} failed, {skipped} skipped")
