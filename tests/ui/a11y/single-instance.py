#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Single instance and --connect: a second `xenpools --connect ADDRESS` hands
its command line to the running XenPools and exits; the running one opens the
Add Server dialog for that address (every control in it named).
Usage: single-instance.py PID, with XENPOOLS_BIN set (run by run-a11y.sh)."""

import importlib.util
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("a11y_names", os.path.join(HERE, "a11y-names.py"))
a11y = importlib.util.module_from_spec(spec)
spec.loader.exec_module(a11y)
Atspi = a11y.Atspi

ADDRESS = "192.0.2.10:8443"   # TEST-NET-1: never reachable


def text_of(acc):
    try:
        text = acc.get_text_iface()
        return text.get_text(0, text.get_character_count()) if text is not None else ""
    except Exception:
        return ""


def main():
    pid = int(sys.argv[1])
    Atspi.init()
    app = a11y.wait_for("the xenpools application", lambda: a11y.find_app(pid))
    a11y.wait_for("the main window",
                  lambda: next((c for c in a11y.children(app) if a11y.name_of(c) == "XenPools"), None))

    second = subprocess.run([os.environ["XENPOOLS_BIN"], "--connect", ADDRESS],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    a11y.tap(second.returncode == 0, "a second launch hands over its command line and exits",
             second.stdout.decode(errors="replace"))

    dialog = a11y.wait_for("the Add Server dialog in the first instance",
                           lambda: next((c for c in a11y.children(app) if a11y.name_of(c) == "Add Server"), None))
    entry = a11y.wait_for("the address field",
                          lambda: a11y.find(dialog, lambda a: a.get_role() == Atspi.Role.TEXT
                                            and a11y.name_of(a) == "Server address"))
    a11y.tap(text_of(entry) == ADDRESS, "the dialog is filled in with the address from --connect",
             "address field holds %r" % text_of(entry))
    frames = [c for c in a11y.children(app) if a11y.name_of(c) == "XenPools"]
    a11y.tap(len(frames) == 1, "still one main window", "%d main windows" % len(frames))
    a11y.check("the Add Server dialog", dialog)

    print("1..%d" % len(a11y.results))
    return 0 if all(a11y.results) else 1


if __name__ == "__main__":
    sys.exit(main())
