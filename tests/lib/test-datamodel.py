#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-datamodel.py DATAMODEL.json [XENAPI.json]
#
# 1. Checks the merged datamodel is self-consistent (every ref/record type
#    names a class, every enum used is defined once, implicit messages follow
#    the rules, no duplicate names).
# 2. Cross-checks class/field/message/parameter names and types against the
#    published xenapi.json (../shared/data/xenapi.json; path from the second
#    argument or $XENPOOLS_SHARED_DIR/data/xenapi.json) where both have them.
#    Every disagreement is reported; the test fails unless it is in ALLOWED.
#    Without xenapi.json the cross-check is skipped (exit 77 if nothing else
#    was checked... the self-consistency part always runs first).

import json
import os
import re
import sys

# Known differences between the XenServer 6.x-era reference (our api.json)
# and today's API.  Key: "Class.field" (field type), "Class.msg" (message
# result), "Class.msg(param)" (param type) or "Class.msg#params" (param names).
NEWER_PARAM = "newer optional trailing parameter(s) with defaults; may be omitted on the wire (xapi-protocol.md 1.5)"
ALLOWED = {
    "event.from": "xenapi.json writes the pseudo-type 'an event batch'; the reference says 'event record set'",
    "host.disable#params": NEWER_PARAM,
    "host.disable_external_auth#params": NEWER_PARAM,
    "host.emergency_ha_disable#params": NEWER_PARAM,
    "host.evacuate#params": NEWER_PARAM,
    "pool.sync_updates#params": NEWER_PARAM,
    "tunnel.create#params": NEWER_PARAM,
    "VM.assert_can_migrate#params": NEWER_PARAM,
    "VM.migrate_send#params": NEWER_PARAM,
    "VM.snapshot#params": NEWER_PARAM,
    "LVHD.enable_thin_provisioning": "signature changed after the reference (result string, host param); removed later",
    "LVHD.enable_thin_provisioning#params": "signature changed after the reference (host param added first)",
    "PGPU.dom0_access": "enum renamed pgpu_dom0_access -> pci_dom0_access; same wire strings",
    "PGPU.disable_dom0_access": "enum renamed pgpu_dom0_access -> pci_dom0_access; same wire strings",
    "PGPU.enable_dom0_access": "enum renamed pgpu_dom0_access -> pci_dom0_access; same wire strings",
    "PGPU.get_dom0_access": "enum renamed pgpu_dom0_access -> pci_dom0_access; same wire strings",
}

SCALARS = {"string", "int", "float", "bool", "datetime"}


def type_names(t):
    """Yield ('class', name) / ('enum', name) referenced by a type string."""
    for m in re.finditer(r"\benum (\w+)", t):
        yield "enum", m.group(1)
    for m in re.finditer(r"(\w+) (ref|record)\b", t):
        yield "class", m.group(1)


def valid_type(t, allow_void=False):
    if allow_void and t == "void":
        return True
    if t in SCALARS:
        return True
    if re.fullmatch(r"enum \w+", t) or re.fullmatch(r"\w+ (ref|record)", t):
        return True
    if t.endswith(" set"):
        return valid_type(t[:-4])
    if t.endswith(" option"):
        return valid_type(t[:-7])
    if t.startswith("(") and t.endswith(") map"):
        inner = t[1:-5]
        depth = 0
        for i, c in enumerate(inner):
            depth += c == "("
            depth -= c == ")"
            if depth == 0 and inner.startswith(" -> ", i):
                return valid_type(inner[:i]) and valid_type(inner[i + 4:])
    return False


def self_check(dm, problems):
    classes = {c["name"]: c for c in dm["classes"]}
    if len(classes) != len(dm["classes"]):
        problems.append("duplicate class names")
    enums = {}
    for c in dm["classes"]:
        for e in c["enums"]:
            if e["name"] in enums:
                problems.append("enum %s defined in %s and %s" % (e["name"], enums[e["name"]], c["name"]))
            enums[e["name"]] = c["name"]
            if len(set(e["values"])) != len(e["values"]) or not e["values"]:
                problems.append("enum %s: empty or duplicate values" % e["name"])
    error_names = {e["name"] for e in dm["errors"]}

    def check_type(t, where, allow_void=False):
        if not valid_type(t, allow_void):
            problems.append("%s: malformed type %r" % (where, t))
        for kind, name in type_names(t):
            if kind == "class" and name not in classes:
                problems.append("%s: type %r names unknown class %s" % (where, t, name))
            if kind == "enum" and name not in enums:
                problems.append("%s: type %r names undefined enum %s" % (where, t, name))

    for c in dm["classes"]:
        fnames = [f["name"] for f in c["fields"]]
        if len(set(fnames)) != len(fnames):
            problems.append("%s: duplicate field names" % c["name"])
        for f in c["fields"]:
            check_type(f["type"], "%s.%s" % (c["name"], f["name"]))
            if f["qualifier"] not in ("RW", "RO/runtime", "RO/constructor"):
                problems.append("%s.%s: bad qualifier" % (c["name"], f["name"]))
        mnames = [m["name"] for m in c["messages"]]
        if len(set(mnames)) != len(mnames):
            problems.append("%s: duplicate message names" % c["name"])
        for m in c["messages"]:
            where = "%s.%s" % (c["name"], m["name"])
            check_type(m["result"], where + " result", allow_void=True)
            pn = [p["name"] for p in m["params"]]
            if len(set(pn)) != len(pn):
                problems.append("%s: duplicate parameter names" % where)
            for p in m["params"]:
                check_type(p["type"], "%s(%s)" % (where, p["name"]))
            for e in m["errors"]:
                if e not in error_names:
                    problems.append("%s: error %s not in the error list" % (where, e))
            if m["implicit"] and m["async"] != (m["name"] in ("create", "destroy")):
                problems.append("%s: implicit message with a wrong async flag" % where)
        # implicit accessors for every field of a DB class
        if any(m["name"] == "get_record" and m["implicit"] for m in c["messages"]):
            for f in c["fields"]:
                if "get_" + f["name"] not in mnames:
                    problems.append("%s: no getter for field %s" % (c["name"], f["name"]))
                if f["qualifier"] == "RW" and "set_" + f["name"] not in mnames:
                    problems.append("%s: no setter for RW field %s" % (c["name"], f["name"]))
    # the app relies on these
    for name, flag in (("event.from", False), ("VM.start", True), ("VM.clean_shutdown", True),
                       ("session.login_with_password", False), ("VM.get_all_records", False),
                       ("VM.create", True), ("VM.destroy", True), ("task.cancel", True)):
        cname, mname = name.split(".")
        m = [m for m in classes.get(cname, {"messages": []})["messages"] if m["name"] == mname]
        if not m:
            problems.append("%s missing" % name)
        elif m[0]["async"] != flag:
            problems.append("%s: async should be %s" % (name, flag))
    login = [m for m in classes["session"]["messages"] if m["name"] == "login_with_password"]
    if login and login[0]["params"] and login[0]["params"][0]["name"] == "session_id":
        problems.append("session.login_with_password must not take a session")


def cross_check(dm, ref, problems, allowed_used):
    theirs = {c["name"]: c for c in ref}
    n_checked = 0

    def disagree(key, text):
        if key in ALLOWED:
            allowed_used.add(key)
            return
        problems.append(text)

    for c in dm["classes"]:
        x = theirs.get(c["name"])
        if x is None:
            continue
        xf = {f["name"]: f for f in x["fields"]}
        for f in c["fields"]:
            if f["name"] not in xf:
                continue
            n_checked += 1
            if f["type"] != xf[f["name"]]["type"]:
                disagree("%s.%s" % (c["name"], f["name"]),
                         "field %s.%s: ours %r, xenapi.json %r"
                         % (c["name"], f["name"], f["type"], xf[f["name"]]["type"]))
        xm = {m["name"]: m for m in x["messages"]}
        for m in c["messages"]:
            if m["name"] not in xm:
                continue
            n_checked += 1
            xmsg = xm[m["name"]]
            key = "%s.%s" % (c["name"], m["name"])
            if m["result"] != xmsg["result"][0]:
                disagree(key, "message %s result: ours %r, xenapi.json %r"
                         % (key, m["result"], xmsg["result"][0]))
            if m["implicit"] != xmsg["implicit"]:
                disagree(key + "#implicit", "message %s: implicit %s in ours, %s in xenapi.json"
                         % (key, m["implicit"], xmsg["implicit"]))
            ours_p = [(p["name"], p["type"]) for p in m["params"]]
            their_p = [(p["name"], p["type"]) for p in xmsg["params"]]
            if [p[0] for p in ours_p] != [p[0] for p in their_p]:
                disagree(key + "#params", "message %s params: ours %s, xenapi.json %s"
                         % (key, [p[0] for p in ours_p], [p[0] for p in their_p]))
            else:
                for (pn, pt), (_, xt) in zip(ours_p, their_p):
                    if pt != xt:
                        disagree("%s(%s)" % (key, pn), "message %s param %s: ours %r, xenapi.json %r"
                                 % (key, pn, pt, xt))
    return n_checked


def main(argv):
    if len(argv) < 2:
        print("usage: test-datamodel.py DATAMODEL.json [XENAPI.json]", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        dm = json.load(f)
    problems = []
    self_check(dm, problems)
    n_self = len(problems)

    ref_path = argv[2] if len(argv) > 2 else os.path.join(
        os.environ.get("XENPOOLS_SHARED_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared")),
        "data", "xenapi.json")
    skipped = not os.path.exists(ref_path)
    allowed_used = set()
    n_checked = 0
    if not skipped:
        with open(ref_path, encoding="utf-8") as f:
            ref = json.load(f)
        n_checked = cross_check(dm, ref, problems, allowed_used)

    for p in problems:
        print("FAIL: " + p)
    print("%d classes, %d self-consistency problems, %d cross-checked items, %d disagreements, %d allowed"
          % (len(dm["classes"]), n_self, n_checked, len(problems) - n_self, len(allowed_used)))
    if problems:
        return 1
    if skipped:
        print("SKIP: %s not found; cross-check against xenapi.json not run" % ref_path)
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
