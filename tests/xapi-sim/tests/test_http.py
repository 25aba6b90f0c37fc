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
        rc = run([test_rrd_updates_xml, test_export_import, test_console_connect_rfb])
    finally:
        r = SIM.stop()
    return rc or (1 if r else 0)


if __name__ == "__main__":
    sys.exit(main())
