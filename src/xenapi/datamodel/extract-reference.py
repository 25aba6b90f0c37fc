#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# extract-reference.py: turn the (2010-era, markdown-ish) XenAPI reference text
# into our api.json.  Keeps facts only: class, field, enum, message, parameter
# and error names, types, qualifiers, defaults and minimum roles.  No prose.
#
# Usage: extract-reference.py REFERENCE.txt [-o api.json]
#
# This is run by hand when the reference changes; the build only reads the
# committed api.json (see README.md).

import argparse
import json
import re
import sys

SCALARS = {"string", "int", "float", "bool", "datetime", "void"}

CLASS_RE = re.compile(r"^#Class:\s*(\S+)\s*$")
SECTION_RE = re.compile(r"^###\s+(Enums|Fields|Messages)\s*$")
FIELD_RE = re.compile(r"^(\S.*?)\s+(\w+)\s+\[(read-only|read/write)\]"
                      r"(?:\s+(?:Deprecated|Prototype|Removed))?\s*$")
MESSAGE_RE = re.compile(r"^(\S.*?)\s+(\w+)\s+\((.*)\)"
                        r"(?:\s+(?:Deprecated|Prototype|Removed))?\s*$")
ENUM_NAME_RE = re.compile(r"^([a-z][a-z0-9_]*)\s*$", re.I)
ERROR_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]+$")


class TypeError_(Exception):
    pass


def tokenize(text):
    text = text.replace("\u2192", " -> ")
    return re.findall(r"\(|\)|->|[^\s()]+", text)


def parse_type(text, classes, enums):
    """Parse a reference type into xenapi.json's type grammar."""
    toks = tokenize(text)
    pos = 0

    def base():
        nonlocal pos
        if pos >= len(toks):
            raise TypeError_("truncated type %r" % text)
        t = toks[pos]
        pos += 1
        if t == "(":
            k = full()
            if pos >= len(toks) or toks[pos] != "->":
                raise TypeError_("expected -> in %r" % text)
            pos += 1
            v = full()
            if toks[pos:pos + 2] != [")", "map"]:
                raise TypeError_("expected ') map' in %r" % text)
            pos += 2
            return "(%s -> %s) map" % (k, v)
        if t in SCALARS:
            return t
        if pos < len(toks) and toks[pos] in ("ref", "record") and t in classes:
            pos += 1
            return "%s %s" % (t, toks[pos - 1])
        if t in enums:
            return "enum " + t
        raise TypeError_("unknown type word %r in %r" % (t, text))

    def full():
        nonlocal pos
        t = base()
        while pos < len(toks) and toks[pos] in ("set", "option"):
            t = "%s %s" % (t, toks[pos])
            pos += 1
        return t

    result = full()
    if pos != len(toks):
        raise TypeError_("trailing tokens in %r" % text)
    return result


def split_signature_types(text):
    """'network ref, (string -> string) map' -> list of type texts."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n").rstrip("\r") for l in f]


def first_pass(lines):
    """Collect class names and enum names (needed to parse types).  An enum
    name is a bare identifier line in an Enums section whose next non-blank
    line starts with "Values:"."""
    classes, enums = [], set()
    section = None
    for i, line in enumerate(lines):
        m = CLASS_RE.match(line)
        if m:
            classes.append(m.group(1))
            section = None
            continue
        m = SECTION_RE.match(line)
        if m:
            section = m.group(1)
            continue
        if section == "Enums" and "\t" not in line and ENUM_NAME_RE.match(line.strip()):
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and lines[j].startswith("Values:"):
                enums.add(line.strip())
    return classes, enums


def normalise_default(value, ftype):
    value = value.strip()
    if value == "Null" and ftype.endswith(" ref"):
        return "OpaqueRef:NULL"
    return value


def extract(path):
    lines = read_lines(path)
    class_names, enum_names = first_pass(lines)
    classes = []
    problems = []
    cls = None
    section = None
    cur_enum = None
    cur_field = None
    cur_msg = None
    mode = None   # inside a message: desc, params, errors, other

    def ptype(text, where):
        try:
            return parse_type(text, class_names, enum_names)
        except TypeError_ as e:
            problems.append("%s: %s" % (where, e))
            return None

    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        m = CLASS_RE.match(raw)
        if m:
            cls = {"name": m.group(1), "fields": [], "messages": [], "enums": []}
            classes.append(cls)
            section = cur_enum = cur_field = cur_msg = None
            continue
        m = SECTION_RE.match(raw)
        if m and cls is not None:
            section = m.group(1)
            cur_enum = cur_field = cur_msg = None
            continue
        if cls is None or section is None:
            continue
        if line.startswith("```"):
            cur_enum = None
            continue

        if section == "Enums":
            if "\t" not in raw and ENUM_NAME_RE.match(line) and line in enum_names:
                cur_enum = {"name": line, "values": []}
                cls["enums"].append(cur_enum)
            elif cur_enum is not None and "\t" in raw:
                cols = raw.split("\t")
                if cols[0].strip() == "Values:":
                    cols = cols[1:]
                v = cols[0].strip()
                if v:
                    cur_enum["values"].append(v)
            continue

        if section == "Fields":
            m = FIELD_RE.match(line)
            if m and "\t" not in raw:
                t = ptype(m.group(1), "%s.%s (line %d)" % (cls["name"], m.group(2), lineno))
                cur_field = {
                    "name": m.group(2),
                    "type": t,
                    "qualifier": "RW" if m.group(3) == "read/write" else "RO/runtime",
                    "default": None,
                }
                cls["fields"].append(cur_field)
            elif cur_field is not None and line.startswith("Default value:"):
                cur_field["default"] = normalise_default(
                    raw.split("\t", 1)[1] if "\t" in raw else line[len("Default value:"):],
                    cur_field["type"] or "")
            continue

        if section == "Messages":
            m = MESSAGE_RE.match(line)
            if m and "\t" not in raw:
                where = "%s.%s (line %d)" % (cls["name"], m.group(2), lineno)
                try:
                    result = parse_type(m.group(1), class_names, enum_names)
                    sig = [parse_type(t, class_names, enum_names)
                           for t in split_signature_types(m.group(3).replace("\u2192", "->"))]
                except TypeError_:
                    result = None
                if result is not None:
                    cur_msg = {"name": m.group(2), "result": result, "params": [],
                               "errors": [], "roles": None, "_sig": sig, "_where": where}
                    cls["messages"].append(cur_msg)
                    mode = "desc"
                    continue
            if cur_msg is None:
                continue
            cols = raw.split("\t")
            head = cols[0].strip()
            if head == "Parameters:":
                mode = "params"
                cols = cols[1:]
                head = cols[0].strip() if cols else ""
            elif head == "Errors:":
                mode = "errors"
                cols = cols[1:]
                head = cols[0].strip() if cols else ""
            elif head == "Minimum role:":
                cur_msg["roles"] = cols[1].strip() if len(cols) > 1 else None
                mode = "other"
                continue
            elif head.endswith(":"):
                mode = "other"
                continue
            if mode == "params" and len(cols) >= 1 and " " in head:
                ttext, pname = head.rsplit(" ", 1)
                t = ptype(ttext, "%s param %s" % (cur_msg["_where"], pname))
                cur_msg["params"].append({"name": pname, "type": t})
            elif mode == "errors" and ERROR_CODE_RE.match(head):
                if head not in cur_msg["errors"]:
                    cur_msg["errors"].append(head)
            continue

    # Check parameters against the signatures.
    for c in classes:
        for msg in c["messages"]:
            sig = msg.pop("_sig")
            where = msg.pop("_where")
            if [p["type"] for p in msg["params"]] != sig:
                problems.append("%s: parameter lines %r disagree with signature %r"
                                % (where, [p["type"] for p in msg["params"]], sig))
        c["fields"].sort(key=lambda f: f["name"])
    return classes, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("reference")
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args()
    classes, problems = extract(args.reference)
    for p in problems:
        print("warning: " + p, file=sys.stderr)
    doc = {
        "source": "XenAPI reference (XenServer 6.x era), facts only",
        "classes": classes,
    }
    text = json.dumps(doc, indent=1, sort_keys=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    nf = sum(len(c["fields"]) for c in classes)
    nm = sum(len(c["messages"]) for c in classes)
    ne = sum(len(c["enums"]) for c in classes)
    print("%d classes, %d fields, %d messages, %d enums, %d problems"
          % (len(classes), nf, nm, ne, len(problems)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
