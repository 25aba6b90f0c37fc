# SPDX-License-Identifier: LGPL-2.1-or-later
"""xapi-sim: pool HA settings, VM restart priority and order, bonds (as xapi)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import Sim, expect_error, run  # noqa: E402

SIM = None
S = None


def setup():
    global SIM, S
    SIM = Sim("--scenario", "demo", "--time-scale", "0.01", "--no-tls")
    S = SIM.login()


def shared_sr():
    srs = SIM.call("SR.get_all_records", S)
    return [r for r, x in srs.items() if x["shared"] and x["content_type"] != "iso"][0]


def test_enable_disable_ha_statefile():
    pool = SIM.call("pool.get_all", S)[0]
    sr = shared_sr()
    SIM.call("pool.enable_ha", S, [sr], {})
    rec = SIM.call("pool.get_record", S, pool)
    assert rec["ha_enabled"] and len(rec["ha_statefiles"]) == 1, rec["ha_statefiles"]
    vdi = SIM.call("VDI.get_record", S, rec["ha_statefiles"][0])
    assert vdi["SR"] == sr and vdi["type"] == "ha_statefile"
    SIM.call("pool.disable_ha", S)
    rec = SIM.call("pool.get_record", S, pool)
    assert not rec["ha_enabled"] and rec["ha_plan_exists_for"] == 0 and not rec["ha_overcommitted"]
    expect_error(SIM.call, "HA_NOT_ENABLED", "pool.disable_ha", S)


def test_failures_to_tolerate():
    pool = SIM.call("pool.get_all", S)[0]
    maxn = SIM.call("pool.ha_compute_max_host_failures_to_tolerate", S)
    expect_error(SIM.call, "INVALID_VALUE", "pool.set_ha_host_failures_to_tolerate", S, pool, -1)
    # without a plan any value is taken
    SIM.call("pool.set_ha_host_failures_to_tolerate", S, pool, maxn + 1)
    assert SIM.call("pool.get_ha_host_failures_to_tolerate", S, pool) == maxn + 1
    SIM.call("pool.enable_ha", S, [shared_sr()], {})
    assert SIM.call("pool.get_ha_plan_exists_for", S, pool) == maxn
    # with a plan, not beyond it
    expect_error(SIM.call, "HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN",
                 "pool.set_ha_host_failures_to_tolerate", S, pool, maxn + 1)
    SIM.call("pool.set_ha_host_failures_to_tolerate", S, pool, 1)
    rec = SIM.call("pool.get_record", S, pool)
    assert rec["ha_host_failures_to_tolerate"] == 1 and rec["ha_plan_exists_for"] == 1
    assert not rec["ha_overcommitted"]
    SIM.call("pool.disable_ha", S)


def test_restart_priority_and_order():
    v = SIM.by_name(S, "VM", "scratch")
    for value in ("restart", "best-effort", ""):
        SIM.call("VM.set_ha_restart_priority", S, v, value)
        assert SIM.call("VM.get_ha_restart_priority", S, v) == value
    desc = expect_error(SIM.call, "INVALID_VALUE", "VM.set_ha_restart_priority", S, v, "sometimes")
    assert desc[1:] == ["ha_restart_priority", "sometimes"], desc
    SIM.call("VM.set_order", S, v, 3)
    assert SIM.call("VM.get_order", S, v) == 3
    expect_error(SIM.call, "INVALID_VALUE", "VM.set_order", S, v, -2)
    assert SIM.call("VM.get_order", S, v) == 3
    # a running VM is protected at once
    SIM.call("VM.start", S, v, False, False)
    SIM.call("VM.set_ha_restart_priority", S, v, "restart")
    assert SIM.call("VM.get_ha_always_run", S, v)
    SIM.call("VM.set_ha_restart_priority", S, v, "")
    assert not SIM.call("VM.get_ha_always_run", S, v)
    SIM.call("VM.hard_shutdown", S, v)


def host_pifs(host, *devices):
    return [r for r, p in SIM.call("PIF.get_all_records", S).items()
            if p["host"] == host and p["device"] in devices and p["VLAN"] == -1]


def test_bond_create_destroy():
    hosts = SIM.call("host.get_all", S)
    host = hosts[0]
    net = SIM.call("network.create", S, {"name_label": "b", "MTU": 9000})
    members = host_pifs(host, "eth0", "eth1")
    expect_error(SIM.call, "PIF_BOND_NEEDS_MORE_MEMBERS", "Bond.create", S, net, members[:1], "", "lacp", {})
    cross = [members[0]] + host_pifs(hosts[1], "eth1")
    expect_error(SIM.call, "PIF_CANNOT_BOND_CROSS_HOST", "Bond.create", S, net, cross, "", "lacp", {})
    before = len(SIM.call("Bond.get_all", S))
    bond = SIM.call("Bond.create", S, net, members, "", "lacp", {})
    master = SIM.call("PIF.get_record", S, SIM.call("Bond.get_master", S, bond))
    # the first free bondN of that host (the demo pool has a bond already)
    devices = [p["device"] for p in SIM.call("PIF.get_all_records", S).values()
               if p["host"] == host and p["bond_master_of"] and p["device"] != master["device"]]
    assert master["device"].startswith("bond") and master["device"] not in devices, (master, devices)
    assert master["MTU"] == 9000 and master["network"] == net
    assert SIM.call("Bond.get_mode", S, bond) == "lacp"
    assert len(SIM.call("Bond.get_all", S)) == before + 1
    SIM.call("Bond.destroy", S, bond)
    assert len(SIM.call("Bond.get_all", S)) == before
    assert all(SIM.call("PIF.get_bond_slave_of", S, m) == "OpaqueRef:NULL" for m in members)
    assert SIM.call("network.get_PIFs", S, net) == []
    SIM.call("network.destroy", S, net)


def test_bond_mgmt_with_ha():
    host = SIM.call("host.get_all", S)[0]
    net = SIM.call("network.create", S, {"name_label": "b2"})
    members = host_pifs(host, "eth0", "eth1")
    assert any(SIM.call("PIF.get_management", S, m) for m in members)
    SIM.call("pool.enable_ha", S, [shared_sr()], {})
    expect_error(SIM.call, "HA_CANNOT_CHANGE_BOND_STATUS_OF_MGMT_IFACE", "Bond.create", S, net, members, "", "lacp", {})
    SIM.call("pool.disable_ha", S)
    SIM.call("network.destroy", S, net)


TESTS = [test_enable_disable_ha_statefile, test_failures_to_tolerate, test_restart_priority_and_order,
         test_bond_create_destroy, test_bond_mgmt_with_ha]


def main():
    setup()
    try:
        rc = run(TESTS)
    finally:
        r = SIM.stop()
    return rc or (1 if r else 0)


if __name__ == "__main__":
    sys.exit(main())
