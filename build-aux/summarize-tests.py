#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print one 'N passed, N failed, N skipped' line over meson test logs,
preceded by one line naming each test that failed (so the end of a CI log
says which tests to look at)."""
import json
import sys

passed = failed = skipped = 0
failures = []
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                entry = json.loads(line)
                result = entry.get("result", "")
                if result in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif result == "SKIP":
                    skipped += 1
                else:
                    failed += 1
                    failures.append((path, entry))
    except FileNotFoundError:
        pass

for path, entry in failures:
    print(f"FAILED {entry.get('name', '?')} ({entry.get('result', '?')}) in {path}")
    # The last lines of its output: the assertion or signal that ended it.
    tail = (entry.get("stderr") or entry.get("stdout") or "").strip().splitlines()[-8:]
    for text in tail:
        print(f"  | {text}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
