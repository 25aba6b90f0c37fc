#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# merge.py: api.json + extra.json + errors.json -> datamodel.json
#
# The merged file is what the code generator and the simulator read.  Its
# format is documented in README.md and kept stable.  This script adds the
# implicit messages (accessors, get_record, get_all, ..., create/destroy),
# the session parameter, and the async flag.

import argparse
import json
import sys

FORMAT_VERSION = 1


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def field_from_list(item):
    name, ftype, qual = item[0], item[1], item[2]
    default = item[3] if len(item) > 3 else None
    return {"name": name, "type": ftype, "qualifier": qual, "default": default}


def message_from_list(item):
    name, result, params = item[0], item[1], item[2]
    roles = item[3] if len(item) > 3 else None
    return {"name": name, "result": result,
            "params": [{"name": p[0], "type": p[1]} for p in params],
            "errors": [], "roles": roles}


def map_parts(t):
    """'(K -> V) map' -> (K, V)."""
    inner = t[1:t.rindex(") map")]
    depth = 0
    for i in range(len(inner) - 3):
        c = inner[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and inner.startswith(" -> ", i):
            return inner[:i], inner[i + 4:]
    raise ValueError("bad map type " + t)


def implicit_messages(cls, extra):
    name = cls["name"]
    ref = name + " ref"
    out = []

    def msg(mname, params, result, roles="read-only"):
        out.append({"name": mname, "result": result,
                    "params": [{"name": p, "type": t} for p, t in params],
                    "errors": [], "roles": roles, "implicit": True,
                    "async": mname in ("create", "destroy")})

    if name in extra["no_implicit"]:
        return out
    if name in extra["constructor_destructor"]:
        msg("create", [("args", name + " record")], ref, None)
        msg("destroy", [("self", ref)], "void", None)
    msg("get_record", [("self", ref)], name + " record")
    msg("get_by_uuid", [("uuid", "string")], ref)
    if name not in extra["no_get_all"]:
        msg("get_all", [], ref + " set")
        msg("get_all_records", [], "(%s -> %s record) map" % (ref, name))
    if (any(f["name"] == "name_label" for f in cls["fields"])
            and name not in extra["no_get_by_name_label"]):
        msg("get_by_name_label", [("label", "string")], ref + " set")
    for f in cls["fields"]:
        fn, ft = f["name"], f["type"]
        msg("get_" + fn, [("self", ref)], ft)
        if f["qualifier"] != "RW":
            continue
        msg("set_" + fn, [("self", ref), ("value", ft)], "void", None)
        if ft.endswith(") map"):
            k, v = map_parts(ft)
            msg("add_to_" + fn, [("self", ref), ("key", k), ("value", v)], "void", None)
            msg("remove_from_" + fn, [("self", ref), ("key", k)], "void", None)
        elif ft.endswith(" set"):
            et = ft[:-len(" set")]
            msg("add_" + fn, [("self", ref), ("value", et)], "void", None)
            msg("remove_" + fn, [("self", ref), ("value", et)], "void", None)
    return out


def merge(api, extra, errors):
    classes = {}
    order = []
    for c in api["classes"]:
        c = json.loads(json.dumps(c))
        classes[c["name"]] = c
        order.append(c["name"])
    for ec in extra.get("classes", []):
        if ec["name"] in classes:
            raise SystemExit("extra.json: class %s already exists" % ec["name"])
        c = {"name": ec["name"],
             "fields": [field_from_list(f) for f in ec.get("fields", [])],
             "messages": [message_from_list(m) for m in ec.get("messages", [])],
             "enums": ec.get("enums", [])}
        classes[c["name"]] = c
        order.append(c["name"])
    for cname, fields in extra.get("fields", {}).items():
        c = classes[cname]
        have = {f["name"] for f in c["fields"]}
        for item in fields:
            if item[0] in have:
                raise SystemExit("extra.json: field %s.%s already exists" % (cname, item[0]))
            c["fields"].append(field_from_list(item))
    for cname, enums in extra.get("enums", {}).items():
        classes[cname]["enums"].extend(enums)
    for cname, msgs in extra.get("messages", {}).items():
        c = classes[cname]
        have = {m["name"] for m in c["messages"]}
        for item in msgs:
            if item[0] in have:
                raise SystemExit("extra.json: message %s.%s already exists" % (cname, item[0]))
            c["messages"].append(message_from_list(item))

    non_async = set(extra.get("non_async", []))
    sessionless = set(extra.get("sessionless", []))
    no_events = set(extra.get("no_events", []))
    custom_accessors = set(extra.get("custom_accessors", []))

    out_classes = []
    for cname in sorted(order, key=lambda n: n.lower()):
        c = classes[cname]
        custom = []
        for m in c["messages"]:
            full = cname + "." + m["name"]
            m["implicit"] = False
            m["async"] = full not in non_async
            custom.append(m)
        names = {m["name"] for m in custom}
        implicit = [m for m in implicit_messages(c, extra) if m["name"] not in names]
        for m in implicit:
            if cname + "." + m["name"] in custom_accessors:
                m["implicit"] = False
                m["async"] = cname + "." + m["name"] not in non_async
        msgs = []
        for m in custom + implicit:
            full = cname + "." + m["name"]
            params = list(m["params"])
            if full not in sessionless:
                params.insert(0, {"name": "session_id", "type": "session ref"})
            msgs.append({"name": m["name"], "params": params, "result": m["result"],
                         "errors": m.get("errors", []), "roles": m.get("roles"),
                         "async": m["async"], "implicit": m["implicit"]})
        fields = []
        for f in c["fields"]:
            fields.append({"name": f["name"], "type": f["type"],
                           "qualifier": f["qualifier"], "default": f.get("default")})
        out_classes.append({"name": cname, "gen_events": cname not in no_events,
                            "fields": fields, "messages": msgs,
                            "enums": [{"name": e["name"], "values": list(e["values"])}
                                      for e in c["enums"]]})
    return {"format": FORMAT_VERSION, "classes": out_classes,
            "errors": errors["errors"]}


def main():
    ap = argparse.ArgumentParser(description="merge the datamodel sources")
    ap.add_argument("api")
    ap.add_argument("extra")
    ap.add_argument("errors")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    doc = merge(load(args.api), load(args.extra), load(args.errors))
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
