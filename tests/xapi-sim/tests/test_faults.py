# SPDX-License-Identifier: LGPL-2.1-or-later
"""xapi-sim: the control endpoint and its faults."""

import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import Sim, XapiError, expect_error, run, wait_for  # noqa: E402

SIM = None


def setup():
    global SIM
    SIM = Sim("--scenario", "demo", "--time-scale", "0.01")


def blocked_event_from(session, token):
    """Start event.from in a thread; returns (thread, result dict)."""
    result = {}

    def waiter():
        try:
            result["r"] = SIM.call("event.from", session, ["pool"], token, 60.0)
        except XapiError as e:
            result["xapi"] = e.desc
        except Exception as e:   # connection errors
            result["exc"] = e

    t = threading.Thread(target=waiter)
    t.start()
    wait_for(lambda: SIM.ctl("/stats")["waiters"] >= 1)
    return t, result


def test_stats():
    s = SIM.login()
    st = SIM.ctl("/stats")
    for k in ("calls", "sessions", "connections", "tasks", "waiters", "generation"):
        assert k in st, st
    assert st["sessions"] >= 1 and st["calls"] >= 1
    SIM.call("session.logout", s)


def test_drop_connections():
    s = SIM.login()
    tok = SIM.call("event.from", s, ["*"], "", 0.0)["token"]
    t, result = blocked_event_from(s, tok)
    r = SIM.ctl("/drop-connections", {})
    assert r["dropped"] >= 1
    t.join(30)
    assert "exc" in result or "xapi" in result, result
    # the session survives a dropped connection
    SIM.call("VM.get_all", s)


def test_invalidate_sessions():
    s = SIM.login()
    tok = SIM.call("event.from", s, ["*"], "", 0.0)["token"]
    t, result = blocked_event_from(s, tok)
    SIM.ctl("/invalidate-sessions", {})
    t.join(30)
    assert result.get("xapi") == ["SESSION_INVALID", s], result
    expect_error(SIM.call, "SESSION_INVALID", "VM.get_all", s)


def test_delay():
    s = SIM.login()
    SIM.ctl("/delay", {"ms": 300, "count": 1})
    t0 = time.monotonic()
    assert SIM.call("pool.get_all", s)
    assert time.monotonic() - t0 >= 0.29
    SIM.call("pool.get_all", s)   # count consumed: served normally


def test_corrupt():
    s = SIM.login()
    SIM.ctl("/corrupt", {"mode": "truncate", "count": 1, "method": "VM.get_all_records"})
    SIM.call("pool.get_all", s)   # other methods are not affected
    status, _, body = SIM.post({"jsonrpc": "2.0", "method": "VM.get_all_records", "params": [s], "id": 1})
    try:
        json.loads(body)
        raise AssertionError("truncated body parsed")
    except ValueError:
        pass
    SIM.ctl("/corrupt", {"mode": "garble", "count": 1})
    _, _, body = SIM.post({"jsonrpc": "2.0", "method": "pool.get_all", "params": [s], "id": 1})
    try:
        json.loads(body)
        raise AssertionError("garbled body parsed")
    except ValueError:
        pass
    SIM.ctl("/corrupt", {"mode": "mistype", "count": 1})
    r = SIM.rpc("session.get_this_host", s, s)
    assert not isinstance(r["result"], str), r
    SIM.ctl("/corrupt", {"mode": "mistype", "count": 1})
    r = SIM.rpc("VM.get_all_records", s)
    assert isinstance(r["result"], str), type(r["result"])
    assert isinstance(SIM.call("pool.get_all", s), list)


def test_fail_next():
    s = SIM.login()
    vm = SIM.by_name(s, "VM", "scratch")
    SIM.ctl("/fail-next", {"method": "VM.start", "error": ["SR_BACKEND_FAILURE_44", "", "insufficient space"], "count": 1})
    desc = expect_error(SIM.call, "SR_BACKEND_FAILURE_44", "VM.start", s, vm, False, False)
    assert desc == ["SR_BACKEND_FAILURE_44", "", "insufficient space"]
    assert SIM.call("VM.get_power_state", s, vm) == "Halted"
    SIM.call("VM.start", s, vm, False, False)
    SIM.call("VM.hard_shutdown", s, vm)


def test_mutate_generates_events():
    s = SIM.login()
    vm = SIM.by_name(s, "VM", "web-01")
    tok = SIM.call("event.from", s, ["vm"], "", 0.0)["token"]
    SIM.ctl("/mutate", {"class": "VM", "ref": vm, "field": "name_label", "value": "renamed-elsewhere"})
    r = SIM.call("event.from", s, ["vm"], tok, 10.0)
    evs = [e for e in r["events"] if e["ref"] == vm]
    assert evs and evs[0]["operation"] == "mod" and evs[0]["snapshot"]["name_label"] == "renamed-elsewhere"
    SIM.ctl("/mutate", {"class": "VM", "ref": vm, "field": "name_label", "value": "web-01"})


def test_storm():
    s = SIM.login()
    tok = SIM.call("event.from", s, ["vm"], "", 0.0)["token"]
    SIM.ctl("/storm", {"rate": 2000, "duration": 0.5, "class": "VM", "field": "name_description"})
    total, batches = 0, 0
    while SIM.ctl("/stats")["storming"] or batches == 0:
        r = SIM.call("event.from", s, ["vm"], tok, 5.0)
        tok = r["token"]
        total += len(r["events"])
        batches += 1
    r = SIM.call("event.from", s, ["vm"], tok, 0.0)
    total += len(r["events"])
    assert total >= 30, total   # dedup per batch: at most one event per VM per batch
    SIM.ctl("/clear", {})


def test_storm_snapshots():
    # The simulator patches a cached record when one field changed: a storm on
    # an int field, then another field of the same objects, must give the
    # snapshots get_record gives, and the storm counter in the field.
    s = SIM.login()
    tok = SIM.call("event.from", s, ["vm_metrics"], "", 0.0)["token"]
    before = SIM.ctl("/stats")["storm_counter"]
    SIM.ctl("/storm", {"rate": 2000, "duration": 0.3, "class": "VM_metrics", "field": "memory_actual"})
    wait_for(lambda: not SIM.ctl("/stats")["storming"], timeout=10)
    after = SIM.ctl("/stats")["storm_counter"]
    assert after > before, (before, after)
    r = SIM.call("event.from", s, ["vm_metrics"], tok, 5.0)
    assert r["events"]
    seen = set()
    for e in r["events"]:
        assert e["operation"] == "mod", e
        snap = e["snapshot"]
        assert snap == SIM.call("VM_metrics.get_record", s, e["ref"]), e["ref"]
        assert before < snap["memory_actual"] <= after, snap["memory_actual"]
        seen.add(e["ref"])
    ref = sorted(seen)[0]
    SIM.ctl("/mutate", {"class": "VM_metrics", "ref": ref, "field": "memory_actual", "value": 12345})
    SIM.ctl("/mutate", {"class": "VM_metrics", "ref": ref, "field": "VCPUs_number", "value": 7})
    r = SIM.call("event.from", s, ["vm_metrics"], r["token"], 5.0)
    [e] = [e for e in r["events"] if e["ref"] == ref]
    assert e["snapshot"]["memory_actual"] == 12345 and e["snapshot"]["VCPUs_number"] == 7, e
    assert e["snapshot"] == SIM.call("VM_metrics.get_record", s, ref)
    SIM.ctl("/clear", {})


def test_move_master():
    s = SIM.login()
    r = SIM.ctl("/move-master", {"host": "xcp-ng-02"})
    assert r["master"] == "xcp-ng-02" and r["address"] == "127.0.0.2"
    desc = expect_error(SIM.call, "HOST_IS_SLAVE", "session.login_with_password", "root", "x")
    assert desc == ["HOST_IS_SLAVE", "127.0.0.2"], desc
    expect_error(SIM.call, "HOST_IS_SLAVE", "VM.get_all", s)
    new = SIM.members["xcp-ng-02"]
    s2 = SIM.call("session.login_with_password", "root", "x", url=new)
    pool = SIM.call("pool.get_all", s2, url=new)[0]
    master = SIM.call("pool.get_master", s2, pool, url=new)
    assert SIM.call("host.get_name_label", s2, master, url=new) == "xcp-ng-02"
    SIM.ctl("/move-master", {"host": "xcp-ng-01"})
    SIM.login()


def test_restart_toolstack():
    s = SIM.login()
    task = SIM.call("task.create", s, "t", "")
    SIM.ctl("/restart-toolstack", {"down_seconds": 1.0})
    port = int(SIM.url.rsplit(":", 1)[1])
    refused = False
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        refused = True
    assert refused or SIM.ctl("/stats")["toolstack_down"] is False
    wait_for(lambda: not SIM.ctl("/stats")["toolstack_down"], timeout=30)
    expect_error(SIM.call, "SESSION_INVALID", "VM.get_all", s)
    s2 = SIM.login()
    expect_error(SIM.call, "HANDLE_INVALID", "task.get_record", s2, task)


def test_kill_master():
    s = SIM.login()
    r = SIM.ctl("/kill-master", {"promote_seconds": 1.0})
    assert r["dead"] == "127.0.0.1" and r["new_master"] == "127.0.0.2", r
    port = int(SIM.url.rsplit(":", 1)[1])
    refused = False
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        refused = True
    assert refused
    new = SIM.members["xcp-ng-02"]

    def promoted():
        try:
            SIM.call("session.login_with_password", "root", "x", url=new)
            return True
        except XapiError as e:
            # until the promotion, members still point at the dead master
            assert e.desc == ["HOST_IS_SLAVE", "127.0.0.1"], e.desc
            return False
    wait_for(promoted, timeout=30)
    s2 = SIM.call("session.login_with_password", "root", "x", url=new)
    expect_error(SIM.call, "SESSION_INVALID", "VM.get_all", s, url=new)
    pool = SIM.call("pool.get_all", s2, url=new)[0]
    master = SIM.call("pool.get_master", s2, pool, url=new)
    assert SIM.call("host.get_name_label", s2, master, url=new) == "xcp-ng-02"


def main():
    setup()
    try:
        rc = run([test_stats, test_drop_connections, test_invalidate_sessions, test_delay, test_corrupt,
                  test_fail_next, test_mutate_generates_events, test_storm, test_storm_snapshots, test_move_master, test_restart_toolstack,
                  test_kill_master])
    finally:
        r = SIM.stop()
    return rc or (1 if r else 0)


if __name__ == "__main__":
    sys.exit(main())
