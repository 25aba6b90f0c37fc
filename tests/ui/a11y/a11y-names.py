#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Walk the AT-SPI tree of the running xenpools (demo pools) and fail on any
interactive control without an accessible name: in the main window with the
pool tree, on the pages of a VM, of a host, of an SR and of the pool, on every page of a
VM's Properties window, and in the Add Server dialog.  Usage: a11y-names.py PID (run by run-a11y.sh)."""

import re
import sys
import time

import warnings

import gi
gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402

TIMEOUT = 60.0
# get_*_iface are deprecated aliases in Atspi 2.46 but the only spelling that
# also works on older versions.
warnings.simplefilter("ignore", DeprecationWarning)

INTERACTIVE = {
    Atspi.Role.PUSH_BUTTON, Atspi.Role.TOGGLE_BUTTON, Atspi.Role.CHECK_BOX,
    Atspi.Role.RADIO_BUTTON, Atspi.Role.ENTRY, Atspi.Role.PASSWORD_TEXT,
    Atspi.Role.SPIN_BUTTON, Atspi.Role.COMBO_BOX, Atspi.Role.SLIDER,
    Atspi.Role.MENU_ITEM, Atspi.Role.CHECK_MENU_ITEM, Atspi.Role.RADIO_MENU_ITEM,
    Atspi.Role.LINK, Atspi.Role.SWITCH if hasattr(Atspi.Role, "SWITCH") else Atspi.Role.TOGGLE_BUTTON,
    Atspi.Role.PAGE_TAB, Atspi.Role.SEARCH_BOX if hasattr(Atspi.Role, "SEARCH_BOX") else Atspi.Role.ENTRY,
}

results = []


def tap(ok, name, detail=""):
    results.append(ok)
    print(("ok" if ok else "not ok"), len(results), name)
    for line in detail.splitlines():
        print("#", line)
    sys.stdout.flush()


def children(acc):
    try:
        n = acc.get_child_count()
    except Exception:
        return []
    out = []
    for i in range(n):
        try:
            c = acc.get_child_at_index(i)
        except Exception:
            c = None
        if c is not None:
            out.append(c)
    return out


def walk(acc, depth=0):
    yield acc, depth
    if depth > 60:
        return
    for c in children(acc):
        yield from walk(c, depth + 1)


def is_visible(acc):
    try:
        return acc.get_state_set().contains(Atspi.StateType.VISIBLE)
    except Exception:
        return False


def find_app(pid):
    desktop = Atspi.get_desktop(0)
    for app in children(desktop):
        try:
            if app.get_process_id() == pid:
                return app
        except Exception:
            pass
    return None


def wait_for(what, fn, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.1)  # polling interval of a condition wait, not a synchronisation sleep
    raise SystemExit("Bail out! timed out waiting for %s" % what)


def find(root, pred):
    for acc, _ in walk(root):
        try:
            if pred(acc):
                return acc
        except Exception:
            pass
    return None


def name_of(acc):
    try:
        return acc.get_name() or ""
    except Exception:
        return ""


def path_of(acc):
    parts = []
    node = acc
    while node is not None and len(parts) < 8:
        parts.append("[%s] %r" % (node.get_role_name(), name_of(node)))
        try:
            node = node.get_parent()
        except Exception:
            break
    return " < ".join(parts)


# GTK 4.8 falls back to the widget's type name for a control nobody named.
TYPE_NAME = re.compile(r"^(Gtk|Adw|Xp|Gvnc)[A-Z][A-Za-z]*$")


def is_unnamed(acc):
    name = name_of(acc).strip()
    return not name or TYPE_NAME.match(name) is not None


def inside_named_combo(acc):
    """The toggle inside a GtkDropDown is GTK's own; the drop-down is named."""
    node = acc.get_parent()
    for _ in range(8):
        if node is None:
            return False
        if node.get_role() == Atspi.Role.COMBO_BOX and not is_unnamed(node):
            return True
        node = node.get_parent()
    return False


def unnamed_controls(root):
    bad = []
    for acc, _ in walk(root):
        try:
            role = acc.get_role()
        except Exception:
            continue
        if role in INTERACTIVE and is_visible(acc) and is_unnamed(acc) and not inside_named_combo(acc):
            bad.append(path_of(acc))
    return bad


def check(label, root):
    bad = unnamed_controls(root)
    tap(not bad, "every control has an accessible name: " + label, "\n".join(bad))


def activate(acc):
    """Activate a row or button the way an assistive technology would."""
    action = acc.get_action_iface() if hasattr(acc, "get_action_iface") else None
    if action is not None:
        for i in range(action.get_n_actions()):
            if action.get_action_name(i) in ("activate", "click", "press", "select"):
                action.do_action(i)
                return True
    return False


def row_of(window, text):
    sidebar = find(window, lambda a: a.get_role() in (Atspi.Role.LIST, Atspi.Role.TREE, Atspi.Role.TREE_TABLE)
                   and name_of(a) == "Servers and objects")
    if sidebar is None:
        return None
    label = find(sidebar, lambda a: a.get_role() == Atspi.Role.LABEL and name_of(a) == text)
    node = label
    while node is not None and node.get_role() not in (Atspi.Role.LIST_ITEM, Atspi.Role.TREE_ITEM, Atspi.Role.TABLE_ROW):
        node = node.get_parent()
    return node


def select_row(window, text):
    row = wait_for("a sidebar row named %r" % text, lambda: row_of(window, text))
    parent = row.get_parent()
    sel = parent.get_selection_iface() if parent is not None else None
    if sel is not None:
        sel.clear_selection()   # the sidebar is multi-select: replace, don't add
        sel.select_child(row.get_index_in_parent())
        return
    if not activate(row):
        raise SystemExit("Bail out! cannot select row %r" % text)


def check_properties(app, window):
    """Every page of a VM's Properties window (opened from its General page)."""
    select_row(window, "db-primary")
    tabs = wait_for("the pages of db-primary",
                    lambda: find(window, lambda a: a.get_role() == Atspi.Role.PAGE_TAB_LIST and name_of(a) == "Pages"))
    general = children(tabs)[0]
    sel = tabs.get_selection_iface()
    if sel is not None:
        sel.select_child(0)
    else:
        activate(general)
    button = wait_for("the All Properties button",
                      lambda: find(window, lambda a: a.get_role() == Atspi.Role.PUSH_BUTTON
                                   and name_of(a) == "All Properties\u2026" and is_visible(a)))
    activate(button)
    dialog = wait_for("the Properties window",
                      lambda: next((c for c in children(app) if name_of(c).endswith(" Properties")), None))
    general = wait_for("the page switcher of the Properties window",
                       lambda: find(dialog, lambda a: a.get_role() == Atspi.Role.PAGE_TAB and name_of(a) == "General"))
    switcher = general.get_parent()
    pages = [c for c in children(switcher) if c.get_role() == Atspi.Role.PAGE_TAB]
    tap(len(pages) == 4, "the Properties window of a VM has four pages", ", ".join(name_of(p) for p in pages))
    for i, page in enumerate(pages):
        sel = switcher.get_selection_iface()
        if sel is not None:
            sel.select_child(i)
        elif not activate(page):
            raise SystemExit("Bail out! cannot switch to Properties page %r" % name_of(page))
        wait_for("Properties page %s" % name_of(page),
                 lambda: page.get_state_set().contains(Atspi.StateType.SELECTED))
        check("Properties of a VM, page %s" % name_of(page), dialog)
    cancel = find(dialog, lambda a: a.get_role() == Atspi.Role.PUSH_BUTTON and "Cancel" in name_of(a))
    activate(cancel)


def main():
    pid = int(sys.argv[1])
    Atspi.init()
    print("# waiting for xenpools (pid %d) on the accessibility bus" % pid)

    app = wait_for("the xenpools application", lambda: find_app(pid))
    window = wait_for("the main window",
                      lambda: next((c for c in children(app) if c.get_role() in (Atspi.Role.FRAME, Atspi.Role.WINDOW)), None))
    # The demo pool is connected when its master shows in the sidebar.
    wait_for("the demo pool in the sidebar", lambda: find(window, lambda a: "xcp-ng-01" in name_of(a)))
    check("main window with the pool tree", window)

    for text, label in (("db-primary", "a VM"), ("xcp-ng-02", "a host"), ("Local storage", "an SR"),
                        ("Demo Pool", "a pool")):
        select_row(window, text)
        tabs = wait_for("the pages of %s" % text,
                        lambda: find(window, lambda a: a.get_role() == Atspi.Role.PAGE_TAB_LIST and name_of(a) == "Pages"))
        for i, tab in enumerate(children(tabs)):
            sel = tabs.get_selection_iface()
            if sel is not None:
                sel.select_child(i)
            elif not activate(tab):
                raise SystemExit("Bail out! cannot switch to page %r" % name_of(tab))
            wait_for("page %s of %s" % (name_of(tab), text),
                     lambda: tab.get_state_set().contains(Atspi.StateType.SELECTED))
            check("%s, page %s" % (label, name_of(tab)), window)

    check_properties(app, window)

    print("1..%d" % len(results))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
