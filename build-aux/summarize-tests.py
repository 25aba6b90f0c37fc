#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Summarize meson test logs (testlog.json).

  summarize-tests.py LOG... [--rerun RERUN_LOG...]
      One 'N passed, N failed, N skipped' line, after one line per failed
      test with the last lines of its output.  A test that failed in LOG and
      passed in a RERUN_LOG (run-tests.sh runs a failed test once more) is
      counted as passed and named as flaky.
  summarize-tests.py --names LOG
      The names of the tests that failed in LOG, space-separated.
"""
import json
import sys

OK = ("OK", "EXPECTEDFAIL")


def entries(path):
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    yield json.loads(line)
    except FileNotFoundError:
        return


def failed(entry):
    return entry.get("result", "") not in OK and entry.get("result", "") != "SKIP"


def output_tail(entry):
    text = (entry.get("stderr") or entry.get("stdout") or "").strip()
    return text.splitlines()[-8:]


def main(argv):
    if argv[:1] == ["--names"]:
        print(" ".join(sorted({e.get("name", "") for p in argv[1:] for e in entries(p) if failed(e)})))
        return
    logs, reruns = argv, []
    if "--rerun" in argv:
        at = argv.index("--rerun")
        logs, reruns = argv[:at], argv[at + 1:]
    passed_again = {e.get("name") for p in reruns for e in entries(p) if e.get("result") in OK}

    passed = failures = skipped = 0
    for path in logs:
        for entry in entries(path):
            name = entry.get("name", "?")
            if entry.get("result") in OK:
                passed += 1
            elif entry.get("result") == "SKIP":
                skipped += 1
            elif name in passed_again:
                passed += 1
                print(f"FLAKY {name} ({entry.get('result')}, then passed alone) in {path}")
            else:
                failures += 1
                print(f"FAILED {name} ({entry.get('result')}) in {path}")
            if failed(entry):
                for text in output_tail(entry):
                    print(f"  | {text}")
    print(f"{passed} passed, {failures} failed, {skipped} skipped")


main(sys.argv[1:])
