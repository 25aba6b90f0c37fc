# SPDX-License-Identifier: LGPL-2.1-or-later
"""xapi-sim: HTTP side channels: /console (CONNECT + RFB), /rrd_updates, /export, /import."""

import io
import json
import os
import re
import socket
import ssl
import struct
import sys
import tarfile
import time
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import Sim, run, wait_for  # noqa: E402

SIM = None
S = None


def setup():
    global SIM, S
    SIM = Sim("--scenario", "demo", "--time-scale", "0.01")
    S = SIM.login()


def get(path, url=None, headers=None):
    c = SIM.connect(url)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, body


def test_rrd_updates_xml():
    start = int(time.time()) - 60
    status, _, _ = get("/rrd_updates?start=%d" % start)
    assert status == 401
    status, _, _ = get("/rrd_updates?session_id=%s" % S)
    assert status == 400
    status, hdrs, body = get("/rrd_updates?session_id=%s&start=%d&cf=AVERAGE&host=true" % (S, start),
                             headers={"Accept": "text/xml"})
    assert status == 200 and hdrs["content-type"].startswith("text/xml"), (status, hdrs)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?><xport><meta><start>')
    root = ET.fromstring(body)
    meta = root.find("meta")
    entries = [e.text for e in meta.find("legend")]
    assert int(meta.find("columns").text) == len(entries)
    assert all(re.match(r"^AVERAGE:(host|vm):[0-9a-f-]{36}:\w+$", e) for e in entries), entries[:3]
    assert any(e.endswith(":cpu0") and ":host:" in e for e in entries)
    assert any(":vm:" in e and e.endswith(":memory") for e in entries)
    rows = root.find("data").findall("row")
    assert len(rows) == int(meta.find("rows").text) and len(rows) >= 2
    ts = [int(r.find("t").text) for r in rows]
    assert ts == sorted(ts, reverse=True), "newest first"
    assert all(len(r.findall("v")) == len(entries) for r in rows)
    status, hdrs, body = get("/rrd_updates?session_id=%s&start=%d&host=true&json=true" % (S, start))
    j = json.loads(body)
    assert hdrs["content-type"].startswith("application/json")
    assert isinstance(j["meta"]["rows"], str) and all(isinstance(v, str) for v in j["data"][0]["values"])
    # one VM by uuid
    vm = SIM.by_name(S, "VM", "web-01")
    uuid = SIM.call("VM.get_uuid", S, vm)
    host = SIM.call("VM.get_resident_on", S, vm)
    addr = SIM.call("host.get_address", S, host)
    url = [u for u in [SIM.url] + list(SIM.members.values()) if "//" + addr + ":" in u][0]
    status, _, body = get("/rrd_updates?session_id=%s&start=%d&vm_uuid=%s" % (S, start, uuid), url=url,
                          headers={"Accept": "text/xml"})
    entries = [e.text for e in ET.fromstring(body).find("meta").find("legend")]
    assert entries and all(":vm:%s:" % uuid in e for e in entries), entries


def test_export_import():
    vm = SIM.by_name(S, "VM", "fileserver")
    uuid = SIM.call("VM.get_uuid", S, vm)
    task = SIM.call("task.create", S, "export", "")
    status, hdrs, body = get("/export?session_id=%s&uuid=%s&task_id=%s" % (S, uuid, task))
    assert status == 200 and hdrs["task-id"] == task
    assert hdrs["content-type"] == "application/octet-stream"
    tar = tarfile.open(fileobj=io.BytesIO(body))
    names = tar.getnames()
    assert "ova.xml" in names and any(n.startswith("Ref:") for n in names), names
    ova = tar.extractfile("ova.xml").read()
    assert b"<name>name_label</name><value>fileserver</value>" in ova
    assert SIM.call("task.get_status", S, task) == "success"
    # import it back
    task2 = SIM.call("task.create", S, "import", "")
    c = SIM.connect()
    c.request("PUT", "/import?session_id=%s&task_id=%s" % (S, task2), body,
              {"Content-Length": str(len(body))})
    r = c.getresponse()
    r.read()
    c.close()
    assert r.status == 200 and r.getheader("task-id") == task2
    rec = SIM.wait_task(S, task2)
    assert rec["status"] == "success", rec
    m = re.match(r"^<value><array><data><value>(OpaqueRef:[0-9a-f-]+)</value></data></array></value>$", rec["result"])
    assert m, rec["result"]
    new = SIM.call("VM.get_record", S, m.group(1))
    assert new["name_label"] == "fileserver" and new["power_state"] == "Halted" and len(new["VBDs"]) >= 1
    # chunked uploads are refused
    task3 = SIM.call("task.create", S, "import", "")
    c = SIM.connect()
    c.request("PUT", "/import?session_id=%s&task_id=%s" % (S, task3), iter([body[:1000], body[1000:]]),
              encode_chunked=True)
    r = c.getresponse()
    r.read()
    c.close()
    assert r.status == 403
    rec = SIM.call("task.get_record", S, task3)
    assert rec["status"] == "failure" and rec["error_info"] == ["IMPORT_ERROR_CANNOT_HANDLE_CHUNKED"]


# ------------------------------------------------------------------ XVA


def export(vm, task=None, compression=None, by="ref", session=None):
    q = "/export?session_id=%s&%s=%s" % (session or S, by, vm if by == "ref" else SIM.call("VM.get_uuid", S, vm))
    if task:
        q += "&task_id=" + task
    if compression:
        q += "&use_compression=" + compression
    return get(q)


def put_import(body, query=""):
    task = SIM.call("task.create", S, "import", "")
    c = SIM.connect()
    c.request("PUT", "/import?session_id=%s&task_id=%s%s" % (S, task, query), body,
              {"Content-Length": str(len(body))})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status, task


def check_xva(data):
    """Structure and checksums as an importer reads them; returns (ova root, chunk names)."""
    tar = tarfile.open(fileobj=io.BytesIO(data))
    members = tar.getmembers()
    assert members[0].name == "ova.xml", [m.name for m in members[:3]]
    ova = ET.fromstring(tar.extractfile(members[0]).read())
    chunks = []
    i = 1
    while i < len(members):
        m, c = members[i], members[i + 1]
        assert re.match(r"^Ref:\d+/\d{8}$", m.name), m.name
        assert c.name == m.name + ".checksum", c.name
        body = tar.extractfile(m).read()
        import hashlib
        assert tar.extractfile(c).read().decode() == hashlib.sha1(body).hexdigest(), m.name
        chunks.append((m.name, len(body)))
        i += 2
    return ova, chunks


def ova_objects(ova):
    """objects of ova.xml as [(class, id, {field: text})]."""
    out = []
    top = ova.find("struct")
    for mem in top.findall("member"):
        if mem.find("name").text != "objects":
            continue
        for v in mem.find("value").find("array").find("data").findall("value"):
            fields = {}
            for f in v.find("struct").findall("member"):
                fields[f.find("name").text] = f.find("value")
            snap = {}
            for f in fields["snapshot"].find("struct").findall("member"):
                snap[f.find("name").text] = f.find("value")
            out.append((fields["class"].text, fields["id"].text, snap))
    return out


def test_export_xva_layout():
    vm = SIM.by_name(S, "VM", "fileserver")
    task = SIM.call("task.create", S, "export", "")
    status, hdrs, body = export(vm, task)
    assert status == 200 and hdrs["task-id"] == task
    assert "content-length" not in hdrs and hdrs.get("connection", "").lower() == "close", hdrs
    assert hdrs["content-disposition"] == 'attachment; filename="export.xva"'
    ova, chunks = check_xva(body)
    objs = ova_objects(ova)
    classes = [o[0] for o in objs]
    assert classes[0] == "VM" and objs[0][1] == "Ref:0", classes
    assert objs[0][2]["name_label"].text == "fileserver" and objs[0][2]["power_state"].text == "Halted"
    assert "VBD" in classes and "VDI" in classes and "VIF" in classes, classes
    # references are renamed to export ids
    assert all(not (v.text or "").startswith("OpaqueRef:") or v.text == "OpaqueRef:NULL"
               for _, _, snap in objs for v in snap.values() if v.find("struct") is None and v.find("array") is None)
    vdis = [o for o in objs if o[0] == "VDI"]
    for _, vid, snap in vdis:
        size = int(snap["virtual_size"].text)
        mine = sorted(n for n, _ in chunks if n.startswith(vid + "/"))
        last = (size - 1) // (1024 * 1024)
        assert mine == ["%s/%08d" % (vid, 0), "%s/%08d" % (vid, last)] if last else ["%s/00000000" % vid], mine
    assert SIM.call("task.get_status", S, task) == "success"
    assert SIM.call("task.get_result", S, task) == ""
    assert SIM.call("VM.get_current_operations", S, vm) == {}


def test_export_compression():
    vm = SIM.by_name(S, "VM", "legacy-erp")
    _, _, plain = export(vm)
    status, _, gz = export(vm, compression="true")
    assert status == 200 and gz[:2] == b"\x1f\x8b" and len(gz) < len(plain)
    import gzip
    check_xva(gzip.decompress(gz))
    status, _, zs = export(vm, compression="zstd")
    assert status == 200 and zs[:4] == b"\x28\xb5\x2f\xfd", zs[:4]
    status, _, other = export(vm, compression="false")
    assert other[:7] == b"ova.xml"
    # /import reads all three
    for body in (plain, gz, zs):
        status, task = put_import(body)
        assert status == 200
        rec = SIM.wait_task(S, task)
        assert rec["status"] == "success", rec


def test_export_refused():
    running = SIM.by_name(S, "VM", "web-01")
    task = SIM.call("task.create", S, "export", "")
    status, hdrs, body = export(running, task)
    assert status == 500 and b"500" in body, (status, body[:200])
    rec = SIM.call("task.get_record", S, task)
    assert rec["status"] == "failure" and rec["error_info"] == ["VM_BAD_POWER_STATE", running, "halted, suspended",
                                                                "running"], rec
    status, _, _ = export(running, session="OpaqueRef:bogus")
    assert status == 401
    task = SIM.call("task.create", S, "export", "")
    status, _, _ = get("/export?session_id=%s&uuid=00000000-0000-0000-0000-000000000000&task_id=%s" % (S, task))
    assert status == 500 and SIM.call("task.get_error_info", S, task)[0] == "UUID_INVALID"


def test_export_fault_midway():
    vm = SIM.by_name(S, "VM", "fileserver")
    _, _, full = export(vm)
    SIM.ctl("/fail-next", {"method": "VM.export", "error": ["SR_BACKEND_FAILURE_46", "", "disk read error"]})
    task = SIM.call("task.create", S, "export", "")
    status, _, part = export(vm, task)
    assert status == 200 and 0 < len(part) < len(full), (len(part), len(full))
    rec = SIM.call("task.get_record", S, task)
    assert rec["status"] == "failure" and rec["error_info"][0] == "SR_BACKEND_FAILURE_46", rec
    assert SIM.call("VM.get_current_operations", S, vm) == {}
    try:
        check_xva(part)
        assert False, "a cut stream must not read as a whole XVA"
    except (tarfile.TarError, AssertionError, IndexError, KeyError, ET.ParseError) as e:
        assert "must not" not in str(e)


def vm_names():
    return sorted(r["name_label"] for r in SIM.call("VM.get_all_records", S).values())


def test_import_into_sr():
    vm = SIM.by_name(S, "VM", "fileserver")
    _, _, body = export(vm, compression="zstd")
    srs = SIM.call("SR.get_all_records", S)
    target = [r for r, x in srs.items() if x["name_label"] == "Local storage" and x["content_type"] != "iso"][0]
    old = SIM.call("VM.get_record", S, vm)
    status, task = put_import(body, "&sr_id=" + target)
    assert status == 200
    rec = SIM.wait_task(S, task)
    assert rec["status"] == "success", rec
    new = re.match(r"^<value><array><data><value>(OpaqueRef:[0-9a-f-]+)</value></data></array></value>$",
                   rec["result"]).group(1)
    n = SIM.call("VM.get_record", S, new)
    assert n["name_label"] == "fileserver" and n["power_state"] == "Halted" and n["uuid"] != old["uuid"]
    assert n["memory_static_max"] == old["memory_static_max"] and n["VCPUs_max"] == old["VCPUs_max"]
    assert len(n["VIFs"]) == len(old["VIFs"]) and len(n["VBDs"]) == len(old["VBDs"])
    disks = [SIM.call("VBD.get_record", S, b) for b in n["VBDs"]]
    disks = [d for d in disks if d["type"] == "Disk"]
    assert disks and all(SIM.call("VDI.get_SR", S, d["VDI"]) == target for d in disks)
    sizes = sorted(SIM.call("VDI.get_virtual_size", S, d["VDI"]) for d in disks)
    old_sizes = sorted(SIM.call("VDI.get_virtual_size", S, SIM.call("VBD.get_VDI", S, b))
                       for b in old["VBDs"] if SIM.call("VBD.get_type", S, b) == "Disk")
    assert sizes == old_sizes
    vif = SIM.call("VIF.get_record", S, n["VIFs"][0])
    assert SIM.call("network.get_name_label", S, vif["network"])
    assert "start" in n["allowed_operations"]


def test_import_malformed():
    before = vm_names()
    vm = SIM.by_name(S, "VM", "fileserver")
    _, _, body = export(vm)
    cases = [
        (b"this is not a tar archive" * 100, None),
        (body[:len(body) // 2], "IMPORT_ERROR_PREMATURE_EOF"),
    ]
    # a flipped byte in the first chunk: checksum failure
    bad = bytearray(body)
    i = body.index(b"xapi-sim disk ")
    bad[i] ^= 0xff
    cases.append((bytes(bad), "IMPORT_ERROR_SOME_CHECKSUMS_FAILED"))
    for data, code in cases:
        status, task = put_import(data)
        assert status == 200
        rec = SIM.wait_task(S, task)
        assert rec["status"] == "failure", rec
        assert rec["error_info"][0].startswith("IMPORT_ERROR"), rec["error_info"]
        if code:
            assert rec["error_info"][0] == code, rec["error_info"]
    # the fault injector: fails mid-way after the VM was made; nothing stays
    SIM.ctl("/fail-next", {"method": "VM.import", "error": ["SR_BACKEND_FAILURE_44", "", "no space left"]})
    status, task = put_import(body)
    rec = SIM.wait_task(S, task)
    assert rec["status"] == "failure" and rec["error_info"][0] == "SR_BACKEND_FAILURE_44", rec
    assert vm_names() == before


def test_transfer_cancel():
    with Sim("--scenario", "demo2", "--time-scale", "1") as slow:
        s = slow.login()
        vms = slow.call("VM.get_all_records", s)
        vm = [r for r, x in vms.items() if not x["is_a_template"] and x["power_state"] == "Halted"
              and not x["is_control_domain"]][0]
        c = slow.connect()
        c.request("GET", "/export?session_id=%s&ref=%s" % (s, vm))
        r = c.getresponse()
        task = r.getheader("task-id")
        r.read(1000)
        assert slow.call("VM.get_current_operations", s, vm) == {task: "export"}
        slow.call("task.cancel", s, task)
        r.read()
        c.close()
        rec = slow.wait_task(s, task)
        assert rec["status"] == "cancelled" and rec["error_info"] == ["TASK_CANCELLED", task], rec
        assert slow.call("VM.get_current_operations", s, vm) == {}
        # import: cancelled while it runs, the half-made VM goes away
        c = slow.connect()
        c.request("GET", "/export?session_id=%s&ref=%s" % (s, vm))
        body = c.getresponse().read()
        c.close()
        before = len(slow.call("VM.get_all", s))
        task = slow.call("task.create", s, "import", "")
        c = slow.connect()
        c.request("PUT", "/import?session_id=%s&task_id=%s" % (s, task), body, {"Content-Length": str(len(body))})
        c.getresponse().read()
        c.close()
        assert len(slow.call("VM.get_all", s)) == before + 1
        slow.call("task.cancel", s, task)
        rec = slow.wait_task(s, task)
        assert rec["status"] == "cancelled", rec
        assert len(slow.call("VM.get_all", s)) == before


def open_console(url, path):
    u = urllib.parse.urlsplit(url)
    raw = socket.create_connection((u.hostname, u.port), timeout=30)
    s = ssl._create_unverified_context().wrap_socket(raw) if u.scheme == "https" else raw
    s.sendall(("CONNECT %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, u.hostname)).encode())
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        ch = s.recv(1)
        if not ch:
            break
        head += ch
    return s, head


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        assert chunk, "connection closed"
        out += chunk
    return out


def test_console_connect_rfb():
    vm = SIM.by_name(S, "VM", "db-primary")
    host = SIM.call("VM.get_resident_on", S, vm)
    addr = SIM.call("host.get_address", S, host)
    url = [u for u in [SIM.url] + list(SIM.members.values()) if "//" + addr + ":" in u][0]
    other = [u for u in [SIM.url] + list(SIM.members.values()) if u != url][0]
    # the VM runs elsewhere: 500
    s, head = open_console(other, "/console?ref=%s&session_id=%s" % (vm, S))
    assert head.startswith(b"HTTP/1.1 500"), head
    s.close()
    s, head = open_console(url, "/console?ref=%s&session_id=bogus" % vm)
    assert head.startswith(b"HTTP/1.1 401"), head
    s.close()
    # console.location uses the uuid form
    con = SIM.call("VM.get_consoles", S, vm)[0]
    loc = SIM.call("console.get_location", S, con)
    assert loc.startswith(url + "/console?uuid="), (loc, url)
    s, head = open_console(url, urllib.parse.urlsplit(loc).path + "?" + urllib.parse.urlsplit(loc).query
                           + "&session_id=" + S)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
    banner = recv_exact(s, 12)
    assert banner.startswith(b"RFB 003."), banner
    s.sendall(b"RFB 003.008\n")
    n = recv_exact(s, 1)[0]
    types = recv_exact(s, n)
    assert 1 in types, types
    s.sendall(b"\x01")
    assert recv_exact(s, 4) == b"\x00\x00\x00\x00"
    s.sendall(b"\x01")   # ClientInit, shared
    w, h = struct.unpack(">HH", recv_exact(s, 4))
    recv_exact(s, 16)
    name_len = struct.unpack(">I", recv_exact(s, 4))[0]
    recv_exact(s, name_len)
    assert (w, h) == (640, 400)
    s.sendall(struct.pack(">BBHI", 4, 1, 0, 0x61) + struct.pack(">BBHI", 4, 0, 0, 0x61))
    s.sendall(struct.pack(">BBHH", 5, 1, 100, 50) + struct.pack(">BBHH", 5, 0, 100, 50))
    # a framebuffer update arrives
    s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, w, h))
    t = recv_exact(s, 1)[0]
    assert t == 0, t

    def keys_arrived():
        ev = SIM.ctl("/keys?vm=" + vm)["events"]
        return any(e["type"] == "key" and e["keysym"] == 0x61 and e["down"] for e in ev) and \
            any(e["type"] == "pointer" and e["mask"] == 1 and e["x"] == 100 for e in ev)

    wait_for(keys_arrived)
    s.close()


def main():
    setup()
    try:
        rc = run([test_rrd_updates_xml, test_export_import, test_export_xva_layout, test_export_compression,
                  test_export_refused, test_export_fault_midway, test_import_into_sr, test_import_malformed,
                  test_transfer_cancel, test_console_connect_rfb])
    finally:
        r = SIM.stop()
    return rc or (1 if r else 0)


if __name__ == "__main__":
    sys.exit(main())
