#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end, as a user would over AT-SPI: add a server to the real xenpools
(no --demo) against a spawned xapi-sim, trust its certificate, find the pool,
filter, start and shut down a VM, survive dropped connections, remove the
server.  Checks that the password went to the keyring and to no file.
Usage: e2e-server.py XENPOOLS XAPI-SIM (run by run-e2e.sh)."""

import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request
import warnings

import gi
gi.require_version("Atspi", "2.0")
gi.require_version("Secret", "1")
from gi.repository import Atspi, GLib, Secret  # noqa: E402

warnings.simplefilter("ignore", DeprecationWarning)

TIMEOUT = 20.0
PASSWORD = "e2e-Secret-pa55"
results = []
procs = []


def tap(ok, name, detail=""):
    results.append(bool(ok))
    print(("ok" if ok else "not ok"), len(results), name)
    for line in detail.splitlines():
        print("#", line)
    sys.stdout.flush()


def bail(msg):
    try:
        with open(os.path.join(os.environ["XENPOOLS_E2E_TMP"], "app.log")) as f:
            for line in f:
                print("# app:", line.rstrip())
    except OSError:
        pass
    print("Bail out!", msg)
    sys.stdout.flush()
    raise SystemExit(1)


def wait_for(what, fn, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = fn()
        except GLib.Error:
            value = None
        if value:
            return value
        time.sleep(0.05)  # polling interval of a condition wait
    dump_tree()
    bail("timed out waiting for %s" % what)


def children(acc):
    out = []
    try:
        n = acc.get_child_count()
    except GLib.Error:
        return out
    for i in range(n):
        try:
            c = acc.get_child_at_index(i)
        except GLib.Error:
            c = None
        if c is not None:
            out.append(c)
    return out


def walk(acc, depth=0):
    yield acc, depth
    if depth < 60:
        for c in children(acc):
            yield from walk(c, depth + 1)


def name_of(acc):
    try:
        return acc.get_name() or ""
    except GLib.Error:
        return ""


def named(acc, name):
    """GTK 4.8 names a mnemonic button "_Label Label"; match the label."""
    n = name_of(acc)
    if n == name:
        return True
    return n.endswith(" " + name) and n[:-len(name) - 1].replace("_", "") == name


def role_of(acc):
    try:
        return acc.get_role()
    except GLib.Error:
        return None


def visible(acc):
    try:
        return acc.get_state_set().contains(Atspi.StateType.VISIBLE)
    except GLib.Error:
        return False


def find(root, pred):
    if root is None:
        return None
    for acc, _ in walk(root):
        try:
            if pred(acc):
                return acc
        except GLib.Error:
            pass
    return None


def app_acc():
    for a in children(Atspi.get_desktop(0)):
        try:
            if a.get_process_id() == APP.pid:
                return a
        except GLib.Error:
            pass
    return None


def windows():
    app = app_acc()
    return children(app) if app is not None else []


def window_named(title):
    return next((w for w in windows() if name_of(w) == title), None)


def find_anywhere(pred):
    for w in windows():
        hit = find(w, pred)
        if hit is not None:
            return hit
    return None


def showing(acc):
    try:
        states = acc.get_state_set()
        return states.contains(Atspi.StateType.VISIBLE) and states.contains(Atspi.StateType.SENSITIVE)
    except GLib.Error:
        return False


def has_action(acc):
    action = acc.get_action_iface()
    return action is not None and action.get_n_actions() > 0


def control(role, name, window=None):
    def look():
        pred = lambda a: role_of(a) == role and named(a, name) and showing(a) and has_action(a)  # noqa: E731
        if window is None:
            return find_anywhere(pred)
        w = window_named(window)
        return find(w, pred) if w is not None else None
    return look


def dump_tree():
    print("# AT-SPI tree of xenpools:")
    for w in windows():
        for acc, depth in walk(w):
            if depth > 25:
                continue
            print("# %s[%s] %r" % ("  " * depth, acc.get_role_name(), name_of(acc)))


def do_action(acc, names=("click", "activate", "press", "toggle")):
    action = acc.get_action_iface()
    if action is not None:
        for i in range(action.get_n_actions()):
            if action.get_action_name(i) in names:
                action.do_action(i)
                return
    bail("%r has no action among %s" % (name_of(acc), names))


def click(name, window=None, role=Atspi.Role.PUSH_BUTTON):
    do_action(wait_for("a %s named %r" % (Atspi.Role(role).value_nick, name), control(role, name, window)))


def type_into(acc, text):
    et = acc.get_editable_text_iface()
    if et is None:
        bail("%r is not editable" % name_of(acc))
    et.set_text_contents(text)
    ti = acc.get_text_iface()
    wait_for("%r to read %r" % (name_of(acc), text),
             lambda: ti.get_text(0, ti.get_character_count()) == text)


def entry(name):
    return wait_for("an entry named %r" % name,
                    lambda: find_anywhere(lambda a: role_of(a) in (Atspi.Role.ENTRY, Atspi.Role.PASSWORD_TEXT,
                                                                  Atspi.Role.TEXT)
                                          and named(a, name) and visible(a)))


def sidebar():
    return find_anywhere(lambda a: name_of(a) == "Servers and objects"
                         and role_of(a) in (Atspi.Role.LIST, Atspi.Role.TREE, Atspi.Role.TREE_TABLE))


def row_of(text):
    label = find(sidebar(), lambda a: role_of(a) == Atspi.Role.LABEL and name_of(a) == text)
    node = label
    while node is not None and role_of(node) not in (Atspi.Role.LIST_ITEM, Atspi.Role.TREE_ITEM,
                                                     Atspi.Role.TABLE_ROW):
        node = node.get_parent()
    return node


def row_labels(text):
    row = row_of(text)
    return [name_of(a) for a, _ in walk(row) if role_of(a) == Atspi.Role.LABEL] if row else []


def sidebar_texts():
    return [name_of(a) for a, _ in walk(sidebar()) if role_of(a) == Atspi.Role.LABEL] if sidebar() else []


def select_row(text):
    row = wait_for("a sidebar row named %r" % text, lambda: row_of(text))
    sel = row.get_parent().get_selection_iface()
    if sel is None:
        bail("the sidebar has no Selection interface")
    sel.clear_selection()
    sel.select_child(row.get_index_in_parent())
    wait_for("the row %r to be selected" % text,
             lambda: row_of(text).get_state_set().contains(Atspi.StateType.SELECTED))


def sim_control(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(CONTROL + path, data=data, method="GET" if body is None else "POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def start_sim(sim):
    p = subprocess.Popen([sim, "--scenario", "demo2", "--time-scale", "0.1", "--password", PASSWORD],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(p)
    ready = control_url = None
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and not (ready and control_url):
        line = p.stdout.readline()
        if not line:
            bail("xapi-sim exited before READY")
        if line.startswith("READY "):
            ready = line.split()[1]
        elif line.startswith("CONTROL "):
            control_url = line.split()[1]
    if not (ready and control_url):
        bail("xapi-sim did not print READY and CONTROL")
    return ready, control_url


def files_containing(root, needle):
    hits = []
    for d, _, names in os.walk(root):
        for n in names:
            path = os.path.join(d, n)
            try:
                with open(path, "rb") as f:
                    if needle.encode() in f.read():
                        hits.append(path)
            except OSError:
                pass
    return hits


def keyring_ready():
    """The freshly unlocked keyring answers a store and a lookup."""
    schema = Secret.Schema.new("io.github.xenpools.E2eProbe", Secret.SchemaFlags.NONE,
                               {"probe": Secret.SchemaAttributeType.STRING})
    try:
        Secret.password_store_sync(schema, {"probe": "1"}, Secret.COLLECTION_DEFAULT, "probe", "x", None)
        ok = Secret.password_lookup_sync(schema, {"probe": "1"}, None) == "x"
        Secret.password_clear_sync(schema, {"probe": "1"}, None)
        return ok
    except GLib.Error:
        return False


def keyring_password(server):
    schema = Secret.Schema.new("io.github.xenpools.XenPools", Secret.SchemaFlags.NONE,
                               {"server": Secret.SchemaAttributeType.STRING,
                                "user": Secret.SchemaAttributeType.STRING})
    return Secret.password_lookup_sync(schema, {"server": server, "user": "root"}, None)


def main():
    global APP, CONTROL, READY
    xenpools, sim = sys.argv[1], sys.argv[2]
    started = time.monotonic()
    ready, CONTROL = start_sim(sim)
    READY = ready.rstrip("/")
    address = ready.split("://", 1)[1].rstrip("/")
    print("# sim at %s, control %s" % (ready, CONTROL))

    wait_for("the keyring to be usable", keyring_ready)
    Atspi.init()
    log = open(os.path.join(os.environ["XENPOOLS_E2E_TMP"], "app.log"), "w")
    APP = subprocess.Popen([xenpools], stdout=log, stderr=subprocess.STDOUT)
    procs.append(APP)
    wait_for("the main window", lambda: window_named("XenPools"))
    tap(True, "xenpools starts without servers")

    # Add the server, remembering the password.
    click("Add Server")
    wait_for("the Add Server dialog", lambda: window_named("Add Server"))
    type_into(entry("Server address"), address)
    type_into(entry("User name"), "root")
    type_into(entry("Password"), PASSWORD)
    remember = wait_for("the Remember password switch",
                        lambda: find_anywhere(lambda a: named(a, "Remember password")
                                              and role_of(a) in (Atspi.Role.TOGGLE_BUTTON, Atspi.Role.CHECK_BOX)))
    if not remember.get_state_set().contains(Atspi.StateType.CHECKED):
        do_action(remember)
    click("Connect", "Add Server")

    # Trust on first use.
    click("Trust")
    tap(True, "the certificate prompt appears and the server is trusted")

    wait_for("the pool in the sidebar", lambda: row_of("Lab Pool"))
    wait_for("the pool to be connected", lambda: row_of("lab-host") and row_labels("Lab Pool") == ["Lab Pool"])
    tap(not window_named("Add Server"), "the Add Server dialog closes on success")
    tap(row_of("lab-host") is not None, "the pool and its host are in the sidebar")

    # Filter.
    search = entry("Filter")
    halted_vm = wait_for("a halted VM in the sidebar",
                         lambda: next((t for t in sidebar_texts()
                                       if row_of(t) and row_labels(t)[:1] == [t] and "Halted" in row_labels(t)), None))
    running = [t for t in sidebar_texts() if row_of(t) and row_labels(t)[:1] == [t] and "Running" in row_labels(t)]
    print("# halted VM: %r, running: %r" % (halted_vm, running))
    type_into(search, halted_vm)
    wait_for("the filter to hide the running VMs",
             lambda: row_of(halted_vm) and running and not any(row_of(t) for t in running))
    tap(row_of(halted_vm) is not None, "the filter keeps the matching VM and hides the others")

    # Start the VM, watch it run, shut it down.
    select_row(halted_vm)
    click("Start")
    wait_for("%s to be running" % halted_vm, lambda: "Running" in row_labels(halted_vm))
    tap(True, "the VM starts and its state changes to Running")
    click("Shut Down", "XenPools")
    click("Shut Down", "Shut down these VMs?")
    wait_for("%s to be halted" % halted_vm, lambda: "Halted" in row_labels(halted_vm))
    tap(True, "the VM shuts down")
    type_into(search, "")

    # Drop every connection of the simulator; the app reconnects.
    before = sim_control("/stats")
    dropped = sim_control("/drop-connections", {})
    print("# dropped %r, stats before %r" % (dropped, before))
    wait_for("the event stream to be back", lambda: sim_control("/stats")["waiters"] >= 1, timeout=30)
    sim_control("/mutate", {"class": "VM", "ref": vm_ref(halted_vm), "field": "name_label",
                            "value": "renamed-after-drop"})
    wait_for("the rename to show after reconnecting", lambda: row_of("renamed-after-drop"), timeout=30)
    tap(row_labels("Lab Pool") == ["Lab Pool"], "the connection survives a drop and events flow again",
        repr(row_labels("Lab Pool")))

    # Secrets: in the keyring, in no file.
    tap(keyring_password(address) == PASSWORD, "the password is in the keyring")
    leaks = files_containing(os.environ["XDG_CONFIG_HOME"], PASSWORD) + \
        files_containing(os.environ["HOME"], PASSWORD)
    tap(not leaks, "the password is in no file under the config dir or home", "\n".join(leaks))

    # Remove the server.
    select_row("Lab Pool")
    # The way a keyboard user gets there: the main menu.
    click("Main Menu", "XenPools")
    click("Remove Server", "XenPools", Atspi.Role.MENU_ITEM)
    click("Remove", "Remove Server?")
    wait_for("the pool to leave the sidebar", lambda: row_of("Lab Pool") is None)
    tap(True, "the server is removed")
    wait_for("the password to leave the keyring", lambda: keyring_password(address) is None)
    tap(True, "removing the server deletes its password")

    with open(os.path.join(os.environ["XENPOOLS_E2E_TMP"], "app.log")) as f:
        warnings_logged = [line.rstrip() for line in f
                           if ("CRITICAL" in line or "WARNING" in line)
                           and "Screen coordinates not supported" not in line
                           and "ASan doesn't fully support makecontext" not in line]
    tap(not warnings_logged, "xenpools logged no warnings", "\n".join(warnings_logged))

    elapsed = time.monotonic() - started
    tap(elapsed < 90, "the test took %.1f s" % elapsed)
    print("1..%d" % len(results))
    return 0 if all(results) else 1


def rpc(method, *params):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    req = urllib.request.Request(READY + "/jsonrpc", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5, context=ctx) as r:
        reply = json.loads(r.read())
    if "error" in reply:
        bail("%s failed: %r" % (method, reply["error"]))
    return reply["result"]


def vm_ref(name):
    session = rpc("session.login_with_password", "root", PASSWORD)
    try:
        return rpc("VM.get_by_name_label", session, name)[0]
    finally:
        rpc("session.logout", session)


if __name__ == "__main__":
    status = 1
    try:
        status = main()
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
    sys.exit(status)
