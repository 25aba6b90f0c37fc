# SPDX-License-Identifier: LGPL-2.1-or-later
"""xapi-sim: wire protocol, generic messages, events, scenarios."""

import collections
import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import Sim, XapiError, expect_error, run, wait_for  # noqa: E402

SIM = None
S = None


def setup():
    global SIM, S
    SIM = Sim("--scenario", "demo", "--time-scale", "0.01")
    S = SIM.login()


def test_ready_lines():
    assert re.match(r"^https://127\.0\.0\.1:\d+$", SIM.url), SIM.url
    port = SIM.url.rsplit(":", 1)[1]
    assert sorted(SIM.members) == ["xcp-ng-02", "xcp-ng-03"], SIM.members
    assert SIM.members["xcp-ng-02"] == "https://127.0.0.2:" + port
    assert SIM.members["xcp-ng-03"] == "https://127.0.0.3:" + port
    assert SIM.control.startswith("http://127.0.0.1:")


def test_login_shapes():
    status, headers, body = SIM.post(
        '{"jsonrpc":"2.0","method":"session.login_with_password","params":["root","x"],"id":7}')
    assert status == 200
    assert re.match(rb'^\{"jsonrpc":"2\.0","result":"OpaqueRef:[0-9a-f-]{36}","id":7\}$', body), body
    h = {k.lower(): v for k, v in headers}
    assert h["content-type"].startswith("application/json")
    assert h["access-control-allow-origin"] == "*"
    status, _, body = SIM.post('{"method":"session.login_with_password","params":["root","x","1.1"],"id":"abc"}')
    assert re.match(rb'^\{"result":"OpaqueRef:[0-9a-f-]{36}","error":null,"id":"abc"\}$', body), body
    # 2, 3 and 4 parameters are accepted; 1 is not
    SIM.call("session.login_with_password", "root", "x", "2.21", "orig")
    desc = expect_error(SIM.call, "MESSAGE_PARAMETER_COUNT_MISMATCH", "session.login_with_password", "root")
    assert desc == ["MESSAGE_PARAMETER_COUNT_MISMATCH", "session.login_with_password", "4", "1"], desc


def test_auth_failed_and_password():
    with Sim("--scenario", "demo2", "--no-tls", "--password", "secret") as sim:
        desc = expect_error(sim.call, "SESSION_AUTHENTICATION_FAILED", "session.login_with_password", "root", "bad")
        assert desc[1] == "root" and len(desc) == 3, desc
        sim.call("session.login_with_password", "root", "secret")
        assert sim.url.startswith("http://")


def test_error_shapes():
    bad = "OpaqueRef:00000000-0000-0000-0000-000000000000"
    _, _, body = SIM.post('{"jsonrpc":"2.0","method":"VM.get_all","params":["%s"],"id":3}' % bad)
    assert body == ('{"jsonrpc":"2.0","error":{"code":1,"message":"SESSION_INVALID","data":["%s"]},"id":3}'
                    % bad).encode(), body
    _, _, body = SIM.post('{"method":"VM.get_all","params":["%s"],"id":3}' % bad)
    assert body == ('{"result":null,"error":["SESSION_INVALID","%s"],"id":3}' % bad).encode(), body


def test_http_500():
    for req in ['{"jsonrpc":"2.0","method":"VM.get_all","params":[', '{"jsonrpc":"2.0","method":"VM.get_all","params":[]}',
                '{"method":"VM.get_all","id":1}', '{"jsonrpc":"2.0","method":"x","params":[],"id":null}']:
        status, headers, body = SIM.post(req)
        assert status == 500, (req, status)
        assert dict((k.lower(), v) for k, v in headers)["content-type"].startswith("text/html")
        assert b"<html>" in body


def test_list_methods_and_names():
    methods = SIM.call("system.listMethods")
    for m in ["VM.start", "VM.get_all_records", "event.from", "session.login_with_password", "host.evacuate"]:
        assert m in methods, m
    a = SIM.call("VM.get_all", S)
    b = SIM.call("VM_get_all", S)
    assert sorted(a) == sorted(b) and len(a) > 10
    expect_error(SIM.call, "MESSAGE_METHOD_UNKNOWN", "Async.VM_get_all", S)
    desc = expect_error(SIM.call, "MESSAGE_METHOD_UNKNOWN", "VM.no_such_thing", S)
    assert desc == ["MESSAGE_METHOD_UNKNOWN", "VM.no_such_thing"]
    desc = expect_error(SIM.call, "MESSAGE_PARAMETER_COUNT_MISMATCH", "VM.get_record", S)
    assert desc == ["MESSAGE_PARAMETER_COUNT_MISMATCH", "VM.get_record", "1", "0"], desc
    bad = "OpaqueRef:11111111-1111-1111-1111-111111111111"
    desc = expect_error(SIM.call, "HANDLE_INVALID", "VM.get_record", S, bad)
    assert desc == ["HANDLE_INVALID", "VM", bad], desc
    r = SIM.rpc("Async.VM.get_name_label", S, a[0])
    assert r["error"]["message"] == "Fault"
    assert r["error"]["data"] == ["No async mode for this operation (rpc: VM.get_name_label)"], r


def test_host_is_slave():
    for name, url in SIM.members.items():
        desc = expect_error(SIM.call, "HOST_IS_SLAVE", "session.login_with_password", "root", "x", url=url)
        assert desc == ["HOST_IS_SLAVE", "127.0.0.1"], desc
        desc = expect_error(SIM.call, "HOST_IS_SLAVE", "VM.get_all", S, url=url)
        assert desc == ["HOST_IS_SLAVE", "127.0.0.1"], desc


def test_value_encodings():
    vm = SIM.by_name(S, "VM", "web-01")
    _, _, body = SIM.post({"jsonrpc": "2.0", "method": "VM.get_record", "params": [S, vm], "id": 1})
    text = body.decode()
    assert re.search(r'"memory_static_max":\d+[,}]', text), "int64 must be a bare number"
    assert '"power_state":"Running"' in text
    rec = json.loads(text)["result"]
    m = SIM.call("VM_metrics.get_record", S, rec["metrics"])
    assert re.match(r"^\d{8}T\d\d:\d\d:\d\dZ$", m["start_time"]), m["start_time"]
    _, _, body = SIM.post({"jsonrpc": "2.0", "method": "VM_metrics.get_VCPUs_utilisation",
                           "params": [S, rec["metrics"]], "id": 1})
    assert re.search(rb'\{"0":0\.0[0-9]*', body), body
    assert SIM.call("VM.set_name_description", S, vm, "x") == ""
    records = SIM.call("VM.get_all_records", S)
    assert vm in records and records[vm]["name_label"] == "web-01"
    assert SIM.call("VM.get_by_uuid", S, rec["uuid"]) == vm
    expect_error(SIM.call, "UUID_INVALID", "VM.get_by_uuid", S, "nope")


def test_generic_accessors():
    vm = SIM.by_name(S, "VM", "scratch")
    SIM.call("VM.set_name_label", S, vm, "scratch-2")
    assert SIM.call("VM.get_name_label", S, vm) == "scratch-2"
    SIM.call("VM.add_to_other_config", S, vm, "k", "v")
    assert SIM.call("VM.get_other_config", S, vm)["k"] == "v"
    desc = expect_error(SIM.call, "MAP_DUPLICATE_KEY", "VM.add_to_other_config", S, vm, "k", "w")
    assert desc[1:] == ["VM", "other_config", vm, "k"], desc
    SIM.call("VM.remove_from_other_config", S, vm, "k")
    assert "k" not in SIM.call("VM.get_other_config", S, vm)
    SIM.call("VM.add_tags", S, vm, "blue")
    assert "blue" in SIM.call("VM.get_tags", S, vm)
    SIM.call("VM.remove_tags", S, vm, "blue")
    assert "blue" not in SIM.call("VM.get_tags", S, vm)
    SIM.call("VM.set_name_label", S, vm, "scratch")
    # wrong parameter type
    expect_error(SIM.call, "INTERNAL_ERROR", "VM.set_name_label", S, vm, 42)


def test_constructor_and_async():
    net = SIM.call("network.create", S, {"name_label": "test-net", "MTU": 9000})
    rec = SIM.call("network.get_record", S, net)
    assert rec["name_label"] == "test-net" and rec["MTU"] == 9000 and rec["PIFs"] == [] and rec["bridge"] == ""
    SIM.call("network.destroy", S, net)
    expect_error(SIM.call, "HANDLE_INVALID", "network.get_record", S, net)
    task = SIM.call("Async.network.create", S, {"name_label": "async-net"})
    assert task.startswith("OpaqueRef:")
    rec = SIM.wait_task(S, task)
    assert rec["status"] == "success", rec
    m = re.match(r"^<value>(OpaqueRef:[0-9a-f-]+)</value>$", rec["result"])
    assert m, rec["result"]
    assert SIM.call("network.get_name_label", S, m.group(1)) == "async-net"
    SIM.call("task.destroy", S, task)
    expect_error(SIM.call, "HANDLE_INVALID", "task.get_record", S, task)


def test_event_from_initial():
    r = SIM.call("event.from", S, ["*"], "", 30.0)
    assert re.match(r"^\d{20},\d{20}$", r["token"]), r["token"]
    classes = collections.Counter(e["class"] for e in r["events"])
    assert classes["vm"] >= 20 and classes["host"] == 3 and classes["pool"] == 1, classes
    assert "session" not in classes and "user" not in classes
    assert classes["message"] >= 3
    e = r["events"][0]
    assert list(e.keys())[:5] == ["id", "timestamp", "class", "operation", "ref"], list(e.keys())
    assert all(ev["operation"] == "add" for ev in r["events"])
    assert all(isinstance(ev["id"], str) and ev["timestamp"] == "0.0" for ev in r["events"])
    counts = r["valid_ref_counts"]
    assert counts["vm"] == len(SIM.call("VM.get_all", S)) and counts["host"] == 3 and "session" in counts
    # class filter
    r2 = SIM.call("event.from", S, ["host"], "", 30.0)
    assert set(e["class"] for e in r2["events"]) == {"host"}


def test_event_from_blocks_and_relations():
    vm = SIM.by_name(S, "VM", "scratch")
    token = SIM.call("event.from", S, ["vm", "vdi", "vbd"], "", 0.0)["token"]
    # nothing changed: a short timeout returns an empty batch and a token
    r = SIM.call("event.from", S, ["vm/" + vm], token, 0.3)
    assert r["events"] == [] and r["token"] >= token
    result = {}

    def waiter():
        result["r"] = SIM.call("event.from", S, ["vm", "vdi", "vbd"], token, 30.0)

    t = threading.Thread(target=waiter)
    t.start()
    # the server keeps serving while event.from blocks
    wait_for(lambda: SIM.ctl("/stats")["waiters"] >= 1)
    sr = SIM.call("pool.get_default_SR", S, SIM.call("pool.get_all", S)[0])
    vdi = SIM.call("VDI.create", S, {"name_label": "extra", "SR": sr, "virtual_size": 1 << 30, "type": "user",
                                     "sharable": False, "read_only": False, "other_config": {}})
    vbd = SIM.call("VBD.create", S, {"VM": vm, "VDI": vdi, "userdevice": "1", "bootable": False, "mode": "RW",
                                     "type": "Disk", "empty": False, "other_config": {},
                                     "qos_algorithm_type": "", "qos_algorithm_params": {}})
    t.join(30)
    assert "r" in result
    # collect until the VBD add shows up
    evs = result["r"]["events"]
    tok = result["r"]["token"]
    while not any(e["ref"] == vbd for e in evs):
        r = SIM.call("event.from", S, ["vm", "vdi", "vbd"], tok, 5.0)
        evs += r["events"]
        tok = r["token"]
    ops = {(e["class"], e["ref"]): e["operation"] for e in evs}
    assert ops[("vbd", vbd)] == "add"
    assert ops.get(("vm", vm)) == "mod", ops
    assert ("vdi", vdi) in ops
    snap = [e for e in evs if e["ref"] == vm][-1]["snapshot"]
    assert vbd in snap["VBDs"]
    # deletion: del event without snapshot, and the VM is modified again
    SIM.call("VBD.destroy", S, vbd)
    r = SIM.call("event.from", S, ["vm", "vbd"], tok, 5.0)
    dels = [e for e in r["events"] if e["operation"] == "del"]
    assert dels and dels[0]["ref"] == vbd and "snapshot" not in dels[0], r["events"]
    assert any(e["ref"] == vm and e["operation"] == "mod" for e in r["events"])
    assert vbd not in SIM.call("VM.get_VBDs", S, vm)
    # created and deleted between two calls: not reported
    tok = r["token"]
    net = SIM.call("network.create", S, {"name_label": "ephemeral"})
    SIM.call("network.destroy", S, net)
    SIM.call("VM.set_name_description", S, vm, "poke")
    r = SIM.call("event.from", S, ["network", "vm"], tok, 5.0)
    assert not any(e["ref"] == net for e in r["events"]), r["events"]
    SIM.call("VDI.destroy", S, vdi)


def test_event_from_delay():
    # xapi waits event_from_delay (50 ms) before the first look, even with
    # changes waiting and a zero timeout, so changes made together come in
    # one batch; subscriptions to tasks only are not delayed.
    vm = SIM.by_name(S, "VM", "scratch")
    tok = SIM.call("event.from", S, ["vm"], "", 0.0)["token"]
    SIM.call("VM.set_name_description", S, vm, "delay 1")
    SIM.call("VM.set_name_description", S, vm, "delay 2")
    start = time.monotonic()
    r = SIM.call("event.from", S, ["vm"], tok, 0.0)
    assert time.monotonic() - start >= 0.045
    mods = [e for e in r["events"] if e["ref"] == vm]
    assert len(mods) == 1 and mods[0]["snapshot"]["name_description"] == "delay 2", r["events"]
    # a zero timeout still answers (empty) once the delay is over
    r = SIM.call("event.from", S, ["vm"], r["token"], 0.0)
    assert r["events"] == []


def test_event_inject_and_bad_token():
    pool = SIM.call("pool.get_all", S)[0]
    tok = SIM.call("event.inject", S, "pool", pool)
    assert re.match(r"^\d{20},\d{20}$", tok)
    r = SIM.call("event.from", S, ["pool"], tok, 5.0)
    assert [e["ref"] for e in r["events"]] == [pool]
    expect_error(SIM.call, "EVENT_FROM_TOKEN_PARSE_FAILURE", "event.from", S, ["*"], "garbage", 1.0)


def test_readonly_user():
    ro = SIM.login("readonly", "readonly")
    vm = SIM.by_name(ro, "VM", "web-01")
    assert SIM.call("VM.get_name_label", ro, vm) == "web-01"
    desc = expect_error(SIM.call, "RBAC_PERMISSION_DENIED", "VM.set_name_label", ro, vm, "x")
    assert len(desc) == 3
    SIM.call("session.logout", ro)
    expect_error(SIM.call, "SESSION_INVALID", "VM.get_all", ro)


def test_logout_wakes_event_from():
    s2 = SIM.login()
    tok = SIM.call("event.from", s2, ["*"], "", 0.0)["token"]
    result = {}

    def waiter():
        try:
            SIM.call("event.from", s2, ["pool"], tok, 60.0)
        except XapiError as e:
            result["e"] = e.desc

    t = threading.Thread(target=waiter)
    t.start()
    wait_for(lambda: SIM.ctl("/stats")["waiters"] >= 1)
    SIM.call("session.logout", s2)
    t.join(30)
    assert result.get("e") == ["SESSION_INVALID", s2], result


def test_demo_contents():
    pools = SIM.call("pool.get_all_records", S)
    assert [p["name_label"] for p in pools.values()] == ["Demo Pool"]
    hosts = SIM.call("host.get_all_records", S)
    assert len(hosts) == 3
    master = list(pools.values())[0]["master"]
    assert hosts[master]["address"] == "127.0.0.1"
    vms = SIM.call("VM.get_all_records", S)
    real = [v for v in vms.values() if not v["is_a_template"] and not v["is_control_domain"] and not v["is_a_snapshot"]]
    states = collections.Counter(v["power_state"] for v in real)
    assert states["Running"] >= 5 and states["Halted"] >= 2 and states["Suspended"] == 1, states
    defaults = [v for v in vms.values() if v["is_a_template"] and v["other_config"].get("default_template") == "true"]
    assert len(defaults) >= 5
    snaps = [v for v in vms.values() if v["is_a_snapshot"]]
    assert len(snaps) >= 4 and any(v["children"] for v in snaps), "snapshot tree"
    dom0 = [v for v in vms.values() if v["is_control_domain"]]
    assert len(dom0) == 3 and all(v["consoles"] for v in dom0)
    assert all(v["consoles"] for v in real if v["power_state"] == "Running")
    oses = set()
    for v in real:
        if v["guest_metrics"] != "OpaqueRef:NULL":
            oses.add(SIM.call("VM_guest_metrics.get_os_version", S, v["guest_metrics"])["distro"])
    assert {"debian", "ubuntu", "windows", "centos"} <= oses, oses
    srs = SIM.call("SR.get_all_records", S)
    types = collections.Counter(s["type"] for s in srs.values())
    assert types["nfs"] == 1 and types["iso"] >= 1 and types["lvm"] == 3, types
    assert SIM.call("VLAN.get_all", S) and SIM.call("Bond.get_all", S)
    pifs = SIM.call("PIF.get_all_records", S)
    assert all(re.match(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", p["MAC"]) for p in pifs.values())
    speeds = [SIM.call("PIF_metrics.get_speed", S, p["metrics"]) for p in pifs.values()]
    assert 10000 in speeds
    assert len(SIM.call("message.get_all_records", S)) >= 3
    for h in hosts.values():
        assert SIM.call("host_metrics.get_memory_total", S, h["metrics"]) > 0
        assert len(h["resident_VMs"]) >= 2


def test_large_scenario():
    with Sim("--scenario", "large", "--hosts", "4", "--vms", "300") as sim:
        s = sim.login()
        assert len(sim.members) == 3
        vms = sim.call("VM.get_all_records", s)
        real = [v for v in vms.values() if not v["is_a_template"] and not v["is_control_domain"]]
        assert len(real) == 300
        assert len(sim.call("host.get_all", s)) == 4
        names1 = sorted(v["name_label"] + v["power_state"] for v in real)
    with Sim("--scenario", "large", "--hosts", "4", "--vms", "300", "--no-tls") as sim:
        s = sim.login()
        vms = sim.call("VM.get_all_records", s)
        names2 = sorted(v["name_label"] + v["power_state"] for v in vms.values()
                        if not v["is_a_template"] and not v["is_control_domain"])
        assert names1 == names2, "large is deterministic"


def test_large_default_initial_load():
    with Sim("--scenario", "large") as sim:
        s = sim.login()
        t0 = time.monotonic()
        status, _, body = sim.post({"jsonrpc": "2.0", "method": "event.from", "params": [s, ["*"], "", 30.0], "id": 1})
        dt = time.monotonic() - t0
        r = json.loads(body)["result"]
        n = collections.Counter(e["class"] for e in r["events"])
        assert n["vm"] >= 5000 and n["vbd"] >= 5000 and n["vif"] >= 5000 and n["vm_metrics"] >= 5000, n
        print("# large initial event.from: %d events, %.1f MB in %.3f s" % (len(r["events"]), len(body) / 1e6, dt))


def test_sigterm_exits_cleanly():
    sim = Sim("--scenario", "demo2", "--no-tls")
    sim.login()
    assert sim.stop() == 0


def main():
    setup()
    try:
        rc = run([test_ready_lines, test_login_shapes, test_auth_failed_and_password, test_error_shapes,
                  test_http_500, test_list_methods_and_names, test_host_is_slave, test_value_encodings,
                  test_generic_accessors, test_constructor_and_async, test_event_from_initial,
                  test_event_from_blocks_and_relations, test_event_from_delay, test_event_inject_and_bad_token, test_readonly_user,
                  test_logout_wakes_event_from, test_demo_contents, test_large_scenario,
                  test_large_default_initial_load, test_sigterm_exits_cleanly])
    finally:
        rc2 = SIM.stop()
    if rc2 != 0:
        print("# xapi-sim exit status %s" % rc2)
    return rc or (1 if rc2 != 0 else 0)


if __name__ == "__main__":
    sys.exit(main())
