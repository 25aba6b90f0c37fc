# SPDX-License-Identifier: LGPL-2.1-or-later
"""xapi-sim: operations as state machines, tasks, storage/network/host/pool ops."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import Sim, expect_error, run  # noqa: E402

FAST = None   # --time-scale 0.01
SLOW = None   # --time-scale 1 (operations take seconds)
S = T = None


def setup():
    global FAST, SLOW, S, T
    FAST = Sim("--scenario", "demo", "--time-scale", "0.01", "--no-tls")
    SLOW = Sim("--scenario", "demo2", "--time-scale", "1")
    S = FAST.login()
    T = SLOW.login()


def vm(name, sim=None, s=None):
    return (sim or FAST).by_name(s or S, "VM", name)


def test_start_shutdown_cycle():
    v = vm("scratch")
    FAST.call("VM.start", S, v, False, False)
    rec = FAST.call("VM.get_record", S, v)
    assert rec["power_state"] == "Running" and rec["resident_on"] != "OpaqueRef:NULL"
    assert rec["consoles"] and "clean_shutdown" in rec["allowed_operations"] and rec["current_operations"] == {}
    metrics = FAST.call("VM_metrics.get_record", S, rec["metrics"])
    # a string set that xapi leaves empty; the live facts are memory and vCPUs
    assert metrics["state"] == [] and metrics["VCPUs_number"] == rec["VCPUs_at_startup"]
    assert metrics["memory_actual"] == rec["memory_dynamic_max"]
    host = rec["resident_on"]
    assert v in FAST.call("host.get_resident_VMs", S, host)
    msgs = FAST.call("message.get_all_records", S)
    assert any(m["name"] == "VM_STARTED" and m["obj_uuid"] == rec["uuid"] for m in msgs.values())
    desc = expect_error(FAST.call, "VM_BAD_POWER_STATE", "VM.start", S, v, False, False)
    assert desc == ["VM_BAD_POWER_STATE", v, "halted", "running"], desc
    FAST.call("VM.clean_reboot", S, v)
    FAST.call("VM.pause", S, v)
    assert FAST.call("VM.get_power_state", S, v) == "Paused"
    FAST.call("VM.unpause", S, v)
    FAST.call("VM.suspend", S, v)
    rec = FAST.call("VM.get_record", S, v)
    assert rec["power_state"] == "Suspended" and rec["suspend_VDI"] != "OpaqueRef:NULL" and rec["consoles"] == []
    FAST.call("VM.resume", S, v, False, False)
    assert FAST.call("VM.get_power_state", S, v) == "Running"
    FAST.call("VM.clean_shutdown", S, v)
    rec = FAST.call("VM.get_record", S, v)
    assert rec["power_state"] == "Halted" and rec["resident_on"] == "OpaqueRef:NULL" and rec["domid"] == -1
    assert v not in FAST.call("host.get_resident_VMs", S, host)
    # start_on a chosen host
    hosts = FAST.call("host.get_all", S)
    FAST.call("VM.start_on", S, v, hosts[2], False, False)
    assert FAST.call("VM.get_resident_on", S, v) == hosts[2]
    FAST.call("VM.hard_shutdown", S, v)


def test_template_and_memory_errors():
    t = vm("Debian Bookworm 12")
    desc = expect_error(FAST.call, "VM_IS_TEMPLATE", "VM.start", S, t, False, False)
    assert desc == ["VM_IS_TEMPLATE", t, "start"]
    v = vm("legacy-erp")
    FAST.ctl("/mutate", {"class": "VM", "ref": v, "field": "memory_static_max", "value": 4 << 50})
    expect_error(FAST.call, "HOST_NOT_ENOUGH_FREE_MEMORY", "VM.start", S, v, False, False)
    FAST.ctl("/mutate", {"class": "VM", "ref": v, "field": "memory_static_max", "value": 6 << 30})
    # memory limits: the ordering constraint, and only while halted
    desc = expect_error(FAST.call, "MEMORY_CONSTRAINT_VIOLATION", "VM.set_memory_limits", S, v,
                        1 << 30, 2 << 30, 3 << 30, 3 << 30)
    FAST.call("VM.set_memory_limits", S, v, 1 << 30, 4 << 30, 2 << 30, 3 << 30)
    rec = FAST.call("VM.get_record", S, v)
    assert [rec["memory_static_min"], rec["memory_static_max"], rec["memory_dynamic_min"],
            rec["memory_dynamic_max"]] == [1 << 30, 4 << 30, 2 << 30, 3 << 30], rec
    FAST.call("VM.set_memory_dynamic_range", S, v, 3 << 30, 4 << 30)
    assert FAST.call("VM.get_memory_dynamic_min", S, v) == 3 << 30
    # assert_can_boot_here: fine on an enabled host with memory; refused on a disabled one
    host = FAST.call("host.get_all", S)[0]
    FAST.call("VM.assert_can_boot_here", S, v, host)
    FAST.call("host.disable", S, host)
    expect_error(FAST.call, "HOST_DISABLED", "VM.assert_can_boot_here", S, v, host)
    FAST.call("host.enable", S, host)
    running = FAST.by_name(S, "VM", "db-primary")
    expect_error(FAST.call, "VM_BAD_POWER_STATE", "VM.set_memory_limits", S, running,
                 1 << 30, 4 << 30, 2 << 30, 3 << 30)


def test_vcpus():
    v = vm("legacy-erp")
    FAST.call("VM.set_VCPUs_at_startup", S, v, 1)
    # at_startup <= max, both > 0: raise max first, lower at_startup first
    desc = expect_error(FAST.call, "INVALID_VALUE", "VM.set_VCPUs_at_startup", S, v,
                        FAST.call("VM.get_VCPUs_max", S, v) + 1)
    assert desc[1] == "VCPUs_at_startup", desc
    FAST.call("VM.set_VCPUs_max", S, v, 6)
    FAST.call("VM.set_VCPUs_at_startup", S, v, 6)
    expect_error(FAST.call, "INVALID_VALUE", "VM.set_VCPUs_max", S, v, 4)
    expect_error(FAST.call, "INVALID_VALUE", "VM.set_VCPUs_at_startup", S, v, 0)
    FAST.call("VM.set_VCPUs_at_startup", S, v, 2)
    FAST.call("VM.set_VCPUs_max", S, v, 4)
    rec = FAST.call("VM.get_record", S, v)
    assert (rec["VCPUs_max"], rec["VCPUs_at_startup"]) == (4, 2), rec
    # only while halted
    running = FAST.by_name(S, "VM", "db-primary")
    expect_error(FAST.call, "VM_BAD_POWER_STATE", "VM.set_VCPUs_max", S, running, 8)
    expect_error(FAST.call, "VM_BAD_POWER_STATE", "VM.set_VCPUs_at_startup", S, running, 1)

def test_async_task_progress_and_cancel():
    v = SLOW.by_name(T, "VM", "lab-win")
    task = SLOW.call("Async.VM.start", T, v, False, False)
    rec = SLOW.call("VM.get_record", T, v)
    assert rec["current_operations"] == {task: "start"}, rec["current_operations"]
    assert rec["allowed_operations"] == []
    trec = SLOW.call("task.get_record", T, task)
    assert trec["status"] == "pending" and trec["name_label"] == "Async.VM.start"
    assert trec["allowed_operations"] == ["cancel"] and trec["finished"] == "19700101T00:00:00Z"
    desc = expect_error(SLOW.call, "OTHER_OPERATION_IN_PROGRESS", "VM.clone", T, v, "x")
    assert desc == ["OTHER_OPERATION_IN_PROGRESS", "VM", v]
    # progress moves
    token, seen = "", set()
    while len(seen) < 2:
        r = SLOW.call("event.from", T, ["task/" + task], token, 10.0)
        token = r["token"]
        seen.update(e["snapshot"]["progress"] for e in r["events"] if "snapshot" in e)
    assert any(0 < p < 1 for p in seen), seen
    SLOW.call("task.cancel", T, task)
    trec = SLOW.wait_task(T, task)
    assert trec["status"] == "cancelled" and trec["error_info"] == ["TASK_CANCELLED", task], trec
    assert SLOW.call("VM.get_power_state", T, v) == "Halted"
    assert SLOW.call("VM.get_current_operations", T, v) == {}
    SLOW.call("task.destroy", T, task)


def test_async_result_and_sync_tasks():
    v = vm("fileserver")
    task = FAST.call("Async.VM.clone", S, v, "fileserver-clone")
    trec = FAST.wait_task(S, task)
    assert trec["status"] == "success" and trec["progress"] == 1.0
    m = re.match(r"^<value>(OpaqueRef:[0-9a-f-]+)</value>$", trec["result"])
    assert m, trec["result"]
    clone = m.group(1)
    crec = FAST.call("VM.get_record", S, clone)
    assert crec["name_label"] == "fileserver-clone" and len(crec["VBDs"]) == 2 and len(crec["VIFs"]) == 1
    orig_vdis = {FAST.call("VBD.get_VDI", S, b) for b in FAST.call("VM.get_VBDs", S, v)
                 if FAST.call("VBD.get_type", S, b) == "Disk"}
    clone_vdis = {FAST.call("VBD.get_VDI", S, b) for b in crec["VBDs"] if FAST.call("VBD.get_type", S, b) == "Disk"}
    assert len(clone_vdis) == 1 and not orig_vdis & clone_vdis, (orig_vdis, clone_vdis)
    # a sync call of an async-capable message leaves no task behind
    before = len(FAST.call("task.get_all", S))
    FAST.call("VM.destroy", S, clone)
    assert len(FAST.call("task.get_all", S)) == before
    expect_error(FAST.call, "HANDLE_INVALID", "VM.get_record", S, clone)
    # failure: error_info
    task = FAST.call("Async.VM.clean_shutdown", S, v)
    trec = FAST.wait_task(S, task)
    assert trec["status"] == "failure" and trec["error_info"][0] == "VM_BAD_POWER_STATE", trec


def test_snapshots():
    v = vm("web-02")
    snap = FAST.call("VM.snapshot", S, v, "snap-a")
    srec = FAST.call("VM.get_record", S, snap)
    assert srec["is_a_snapshot"] and srec["snapshot_of"] == v and srec["power_state"] == "Halted"
    assert snap in FAST.call("VM.get_snapshots", S, v)
    cp = FAST.call("VM.checkpoint", S, v, "cp-b")
    assert FAST.call("VM.get_power_state", S, cp) == "Suspended"
    assert FAST.call("VM.get_parent", S, cp) == snap
    assert cp in FAST.call("VM.get_children", S, snap)
    FAST.call("VM.revert", S, snap)
    assert FAST.call("VM.get_power_state", S, v) == "Halted"
    FAST.call("VM.destroy", S, cp)
    copy = FAST.call("VM.copy", S, v, "web-02-copy", FAST.call("pool.get_default_SR", S, FAST.call("pool.get_all", S)[0]))
    assert FAST.call("VM.get_name_label", S, copy) == "web-02-copy"
    t = vm("Ubuntu Noble Numbat 24.04")
    inst = FAST.call("VM.clone", S, t, "new-ubuntu")
    FAST.call("VM.set_is_a_template", S, inst, False)
    FAST.call("VM.provision", S, inst)
    assert len(FAST.call("VM.get_VBDs", S, inst)) == 1


def test_provision_spec():
    """VM.provision makes every disk of other_config:disks, in the SR asked for."""
    t = vm("Debian Bookworm 12")
    inst = FAST.call("VM.clone", S, t, "provisioned")
    srs = FAST.call("SR.get_all_records", S)
    default = FAST.call("pool.get_default_SR", S, FAST.call("pool.get_all", S)[0])
    local = [r for r, x in srs.items() if not x["shared"] and x["content_type"] != "iso" and x["type"] == "lvm"][0]
    FAST.call("VM.remove_from_other_config", S, inst, "disks")
    bad = '<provision><disk device="0" size="1073741824" sr="no-such-uuid" bootable="true" type="system"/></provision>'
    FAST.call("VM.add_to_other_config", S, inst, "disks", bad)
    desc = expect_error(FAST.call, "UUID_INVALID", "VM.provision", S, inst)
    assert desc[1:] == ["sr", "no-such-uuid"]
    assert FAST.call("VM.get_VBDs", S, inst) == []
    FAST.call("VM.remove_from_other_config", S, inst, "disks")
    spec = ('<provision><disk device="0" size="%d" sr="" bootable="true" type="system"/>'
            '<disk device="1" size="%d" sr="%s" bootable="false" type="user"/></provision>'
            % (8 << 30, 2 << 30, srs[local]["uuid"]))
    FAST.call("VM.add_to_other_config", S, inst, "disks", spec)
    FAST.call("VM.provision", S, inst)
    got = {}
    for vbd in FAST.call("VM.get_VBDs", S, inst):
        r = FAST.call("VBD.get_record", S, vbd)
        d = FAST.call("VDI.get_record", S, r["VDI"])
        got[r["userdevice"]] = (d["virtual_size"], d["SR"], r["bootable"], d["name_label"])
    assert got == {"0": (8 << 30, default, True, "0"), "1": (2 << 30, local, False, "1")}, got
    assert "disks" not in FAST.call("VM.get_other_config", S, inst)
    FAST.call("VM.destroy", S, inst)


def test_pool_migrate():
    v = vm("web-01")
    hosts = FAST.call("host.get_all", S)
    src = FAST.call("VM.get_resident_on", S, v)
    dst = [h for h in hosts if h != src][0]
    FAST.call("VM.pool_migrate", S, v, dst, {"live": "true"})
    assert FAST.call("VM.get_resident_on", S, v) == dst
    assert v in FAST.call("host.get_resident_VMs", S, dst)


def test_devices():
    v = vm("k8s-node-1")
    vbds = FAST.call("VM.get_VBDs", S, v)
    cd = [b for b in vbds if FAST.call("VBD.get_type", S, b) == "CD"][0]
    disk = [b for b in vbds if FAST.call("VBD.get_type", S, b) == "Disk"][0]
    iso = FAST.by_name(S, "VDI", "debian-12.5.0-amd64-netinst.iso")
    FAST.call("VBD.insert", S, cd, iso)
    assert FAST.call("VBD.get_VDI", S, cd) == iso and not FAST.call("VBD.get_empty", S, cd)
    expect_error(FAST.call, "VBD_NOT_EMPTY", "VBD.insert", S, cd, iso)
    FAST.call("VBD.eject", S, cd)
    assert FAST.call("VBD.get_empty", S, cd)
    expect_error(FAST.call, "VBD_IS_EMPTY", "VBD.eject", S, cd)
    FAST.call("VBD.unplug", S, disk)
    assert not FAST.call("VBD.get_currently_attached", S, disk)
    FAST.call("VBD.plug", S, disk)
    vdi = FAST.call("VBD.get_VDI", S, disk)
    expect_error(FAST.call, "VDI_IN_USE", "VDI.destroy", S, vdi)
    vif = FAST.call("VM.get_VIFs", S, v)[0]
    FAST.call("VIF.unplug", S, vif)
    FAST.call("VIF.plug", S, vif)
    net = FAST.call("VIF.get_network", S, vif)
    newvif = FAST.call("VIF.create", S, {"device": "1", "network": net, "VM": v, "MAC": "", "MTU": 1500,
                                          "other_config": {}, "qos_algorithm_type": "", "qos_algorithm_params": {}})
    assert newvif in FAST.call("VM.get_VIFs", S, v) and newvif in FAST.call("network.get_VIFs", S, net)
    FAST.call("VIF.destroy", S, newvif)
    assert newvif not in FAST.call("network.get_VIFs", S, net)


def test_storage():
    host = FAST.call("host.get_all", S)[0]
    for typ, content, dc in [("nfs", "", {"server": "nas", "serverpath": "/x"}), ("iso", "iso", {"location": "/i"}),
                             ("lvm", "user", {"device": "/dev/sdb"}), ("ext", "user", {"device": "/dev/sdc"})]:
        sr = FAST.call("SR.create", S, host, dc, 0, "sr-" + typ, "", typ, content, typ in ("nfs", "iso"), {})
        rec = FAST.call("SR.get_record", S, sr)
        assert rec["type"] == typ and rec["PBDs"], rec
        FAST.call("SR.scan", S, sr)
        vdi = FAST.call("VDI.create", S, {"name_label": "d", "SR": sr, "virtual_size": 1 << 30, "type": "user",
                                          "sharable": False, "read_only": False, "other_config": {}})
        assert vdi in FAST.call("SR.get_VDIs", S, sr)
        FAST.call("VDI.resize", S, vdi, 2 << 30)
        assert FAST.call("VDI.get_virtual_size", S, vdi) == 2 << 30
        copy = FAST.call("VDI.copy", S, vdi, sr)
        assert FAST.call("VDI.get_SR", S, copy) == sr
        desc = expect_error(FAST.call, "SR_HAS_PBD", "SR.forget" if typ == "iso" else "SR.destroy", S, sr)
        assert desc == ["SR_HAS_PBD", sr]
        for pbd in rec["PBDs"]:
            FAST.call("PBD.unplug", S, pbd)
        FAST.call("SR.forget" if typ == "iso" else "SR.destroy", S, sr)
        expect_error(FAST.call, "HANDLE_INVALID", "SR.get_record", S, sr)
        expect_error(FAST.call, "HANDLE_INVALID", "VDI.get_record", S, vdi)
    expect_error(FAST.call, "SR_UNKNOWN_DRIVER", "SR.create", S, host, {}, 0, "x", "", "bogus", "", False, {})
    assert "nfs-exports" in FAST.call("SR.probe", S, host, {"server": "nas"}, "nfs", {})


def test_networks():
    net = FAST.call("network.create", S, {"name_label": "vlan-net"})
    pif = [p for p in FAST.call("PIF.get_all_records", S).items() if p[1]["device"] == "eth1" and p[1]["VLAN"] == -1][0][0]
    vlan = FAST.call("VLAN.create", S, pif, 42, net)
    untagged = FAST.call("VLAN.get_untagged_PIF", S, vlan)
    assert FAST.call("PIF.get_VLAN", S, untagged) == 42 and untagged in FAST.call("network.get_PIFs", S, net)
    assert vlan in FAST.call("PIF.get_VLAN_slave_of", S, pif)
    FAST.call("VLAN.destroy", S, vlan)
    FAST.call("network.destroy", S, net)
    bnet = FAST.call("network.create", S, {"name_label": "bond-net"})
    host = FAST.call("host.get_all", S)[0]
    members = [r for r, p in FAST.call("PIF.get_all_records", S).items()
               if p["host"] == host and p["device"] in ("eth0", "eth1") and p["VLAN"] == -1]
    bond = FAST.call("Bond.create", S, bnet, members, "", "active-backup", {})
    master = FAST.call("Bond.get_master", S, bond)
    assert sorted(FAST.call("Bond.get_slaves", S, bond)) == sorted(members)
    assert FAST.call("PIF.get_bond_slave_of", S, members[0]) == bond
    assert bond in FAST.call("PIF.get_bond_master_of", S, master) or True
    FAST.call("Bond.destroy", S, bond)
    assert FAST.call("PIF.get_bond_slave_of", S, members[0]) == "OpaqueRef:NULL"
    FAST.call("network.destroy", S, bnet)


def test_hosts_and_ha():
    hosts = FAST.call("host.get_all", S)
    h = hosts[1]
    FAST.call("host.disable", S, h)
    assert not FAST.call("host.get_enabled", S, h)
    expect_error(FAST.call, "HOST_IN_USE", "host.reboot", S, h)
    FAST.call("host.evacuate", S, h)
    assert [x for x in FAST.call("host.get_resident_VMs", S, h)
            if not FAST.call("VM.get_is_control_domain", S, x)] == []
    FAST.call("host.reboot", S, h)
    assert FAST.call("host.get_enabled", S, h)
    pool = FAST.call("pool.get_all", S)[0]
    assert FAST.call("pool.ha_compute_max_host_failures_to_tolerate", S) == 2
    assert FAST.call("pool.ha_compute_hypothetical_max_host_failures_to_tolerate", S, {}) == 2
    FAST.call("pool.enable_ha", S, [], {})
    assert FAST.call("pool.get_ha_enabled", S, pool)
    expect_error(FAST.call, "HA_IS_ENABLED", "pool.enable_ha", S, [], {})
    FAST.call("pool.disable_ha", S)
    assert not FAST.call("pool.get_ha_enabled", S, pool)


def mgmt_network(sim, s, host):
    for ref, pif in sim.call("PIF.get_all_records", s).items():
        if pif["host"] == host and pif["management"]:
            return pif["network"]
    raise AssertionError("no management PIF")


def disk_vdis(sim, s, v):
    out = []
    for vbd in sim.call("VM.get_VBDs", s, v):
        r = sim.call("VBD.get_record", s, vbd)
        if r["type"] == "Disk" and not r["empty"]:
            out.append(r["VDI"])
    return out


def test_migrate_receive():
    dest_host = FAST.call("host.get_all", S)[0]
    net = mgmt_network(FAST, S, dest_host)
    token = FAST.call("host.migrate_receive", S, dest_host, net, {})
    assert token["host"] == dest_host and set(token) >= {"master", "xenops", "SM", "session_id"}
    # a session of its own for the sender, valid on the destination
    assert token["session_id"] != S
    assert FAST.call("session.get_this_host", token["session_id"], token["session_id"]) == dest_host
    assert "/services/xenops?session_id=" in token["xenops"]
    # a network without a PIF on that host cannot take the migration traffic
    lonely = FAST.call("network.create", S, {"name_label": "no-pifs"})
    expect_error(FAST.call, "HOST_CANNOT_ATTACH_NETWORK", "host.migrate_receive", S, dest_host, lonely, {})
    FAST.call("network.destroy", S, lonely)


def test_pool_create_vlan_from_pif():
    pifs = FAST.call("PIF.get_all_records", S)
    eth1 = [r for r, p in pifs.items() if p["device"] == "eth1" and p["physical"] and p["VLAN"] == -1]
    assert eth1
    net = FAST.call("network.create", S, {"name_label": "vlan-77"})
    expect_error(FAST.call, "VLAN_TAG_INVALID", "pool.create_VLAN_from_PIF", S, eth1[0], net, 5000)
    made = FAST.call("pool.create_VLAN_from_PIF", S, eth1[0], net, 77)
    hosts = FAST.call("host.get_all", S)
    assert len(made) == len(hosts)
    assert {FAST.call("PIF.get_host", S, p) for p in made} == set(hosts)
    assert all(FAST.call("PIF.get_VLAN", S, p) == 77 for p in made)
    assert set(FAST.call("network.get_PIFs", S, net)) == set(made)
    expect_error(FAST.call, "PIF_VLAN_EXISTS", "pool.create_VLAN_from_PIF", S, eth1[0], net, 77)
    expect_error(FAST.call, "PIF_IS_VLAN", "pool.create_VLAN_from_PIF", S, made[0], net, 78)
    for p in made:
        FAST.call("VLAN.destroy", S, FAST.call("PIF.get_VLAN_master_of", S, p))
    FAST.call("network.destroy", S, net)


def test_migrate_checks():
    """VM.assert_can_migrate from SLOW's pool to FAST's, error by error."""
    v = SLOW.by_name(T, "VM", "lab-debian")
    dest_host = FAST.call("host.get_all", S)[1]
    token = FAST.call("host.migrate_receive", S, dest_host, mgmt_network(FAST, S, dest_host), {})
    sr = FAST.call("pool.get_default_SR", S, FAST.call("pool.get_all", S)[0])
    net = mgmt_network(FAST, S, dest_host)
    vdis = disk_vdis(SLOW, T, v)
    vifs = SLOW.call("VM.get_VIFs", T, v)
    vdi_map = {d: sr for d in vdis}
    vif_map = {f: net for f in vifs}
    desc = expect_error(SLOW.call, "VDI_NOT_IN_MAP", "VM.assert_can_migrate", T, v, token, True, {}, vif_map, {})
    assert desc[1] in vdis
    desc = expect_error(SLOW.call, "VIF_NOT_IN_MAP", "VM.assert_can_migrate", T, v, token, True, vdi_map, {}, {})
    assert desc[1] in vifs
    expect_error(SLOW.call, "VM_BAD_POWER_STATE", "VM.assert_can_migrate", T, v, token, True, vdi_map, vif_map,
                 {"copy": "true"})
    # an SR the destination does not have
    expect_error(SLOW.call, "HANDLE_INVALID", "VM.assert_can_migrate", T, v, token, True,
                 {d: "OpaqueRef:no-such-sr" for d in vdis}, vif_map, {})
    # a disabled destination
    FAST.call("host.disable", S, dest_host)
    desc = expect_error(SLOW.call, "HOST_DISABLED", "VM.assert_can_migrate", T, v, token, True, vdi_map, vif_map,
                        {})
    assert desc[1] == dest_host
    FAST.call("host.enable", S, dest_host)
    SLOW.call("VM.assert_can_migrate", T, v, token, True, vdi_map, vif_map, {})
    # a paused VM cannot move
    router = SLOW.by_name(T, "VM", "lab-router")
    SLOW.call("VM.pause", T, router)
    expect_error(SLOW.call, "VM_BAD_POWER_STATE", "VM.assert_can_migrate", T, router, token, True, {}, {}, {})
    SLOW.call("VM.unpause", T, router)
    # too big for the destination: a running 100 GiB VM of FAST towards SLOW's 64 GiB host
    big = vm("fileserver")
    FAST.call("VM.set_memory_limits", S, big, 100 << 30, 100 << 30, 100 << 30, 100 << 30)
    FAST.call("VM.start", S, big, False, False)
    lab = SLOW.call("host.get_all", T)[0]
    back = SLOW.call("host.migrate_receive", T, lab, mgmt_network(SLOW, T, lab), {})
    lab_sr = SLOW.call("pool.get_default_SR", T, SLOW.call("pool.get_all", T)[0])
    desc = expect_error(FAST.call, "HOST_NOT_ENOUGH_FREE_MEMORY", "VM.assert_can_migrate", S, big, back, True,
                        {d: lab_sr for d in disk_vdis(FAST, S, big)},
                        {f: mgmt_network(SLOW, T, lab) for f in FAST.call("VM.get_VIFs", S, big)}, {})
    assert int(desc[1]) == 100 << 30 and int(desc[2]) < 100 << 30
    FAST.call("VM.hard_shutdown", S, big)
    FAST.call("VM.set_memory_limits", S, big, 4 << 30, 4 << 30, 4 << 30, 4 << 30)


def test_migrate_send_between_sims():
    v = SLOW.by_name(T, "VM", "lab-debian")
    src_rec = SLOW.call("VM.get_record", T, v)
    vdis = disk_vdis(SLOW, T, v)
    sizes = sorted(SLOW.call("VDI.get_virtual_size", T, d) for d in vdis)
    macs = sorted(SLOW.call("VIF.get_MAC", T, f) for f in src_rec["VIFs"])
    dest_host = FAST.call("host.get_all", S)[0]
    net = mgmt_network(FAST, S, dest_host)
    sr = FAST.call("pool.get_default_SR", S, FAST.call("pool.get_all", S)[0])
    free_before = FAST.call("host_metrics.get_memory_free", S, FAST.call("host.get_metrics", S, dest_host))
    token = FAST.call("host.migrate_receive", S, dest_host, net, {})
    task = SLOW.call("Async.VM.migrate_send", T, v, token, True, {d: sr for d in vdis},
                     {f: net for f in src_rec["VIFs"]}, {})
    # the source VM is busy while it moves
    assert "migrate_send" in SLOW.call("VM.get_current_operations", T, v).values()
    trec = SLOW.wait_task(T, task, timeout=60)
    assert trec["status"] == "success", trec["error_info"]
    new = re.search(r"OpaqueRef:[^<]*", trec["result"]).group(0)
    expect_error(SLOW.call, "HANDLE_INVALID", "VM.get_record", T, v)
    for d in vdis:
        expect_error(SLOW.call, "HANDLE_INVALID", "VDI.get_record", T, d)
    rec = FAST.call("VM.get_record", S, new)
    assert rec["name_label"] == "lab-debian" and rec["power_state"] == "Running" and rec["resident_on"] == dest_host
    assert rec["memory_static_max"] == src_rec["memory_static_max"]
    free_after = FAST.call("host_metrics.get_memory_free", S, FAST.call("host.get_metrics", S, dest_host))
    assert free_before - free_after == rec["memory_static_max"]
    new_vdis = disk_vdis(FAST, S, new)
    assert sorted(FAST.call("VDI.get_virtual_size", S, d) for d in new_vdis) == sizes
    assert all(FAST.call("VDI.get_SR", S, d) == sr for d in new_vdis)
    assert sorted(FAST.call("VIF.get_MAC", S, f) for f in rec["VIFs"]) == macs
    assert all(FAST.call("VIF.get_network", S, f) == net for f in rec["VIFs"])


def test_migrate_send_failure_leaves_nothing():
    """A failure on the destination half-way: nothing stays there, the VM stays here."""
    v = SLOW.by_name(T, "VM", "lab-router")
    vdis = disk_vdis(SLOW, T, v)
    vifs = SLOW.call("VM.get_VIFs", T, v)
    dest_host = FAST.call("host.get_all", S)[2]
    net = mgmt_network(FAST, S, dest_host)
    sr = FAST.call("pool.get_default_SR", S, FAST.call("pool.get_all", S)[0])
    vms_before = set(FAST.call("VM.get_all", S))
    vdis_before = set(FAST.call("VDI.get_all", S))
    token = FAST.call("host.migrate_receive", S, dest_host, net, {})
    FAST.ctl("/fail-next", {"method": "VIF.create", "error": ["INTERNAL_ERROR", "injected"]})
    desc = expect_error(SLOW.call, "INTERNAL_ERROR", "VM.migrate_send", T, v, token, True, {d: sr for d in vdis},
                        {f: net for f in vifs}, {})
    assert desc[1] == "injected"
    assert set(FAST.call("VM.get_all", S)) == vms_before
    assert set(FAST.call("VDI.get_all", S)) == vdis_before
    rec = SLOW.call("VM.get_record", T, v)
    assert rec["power_state"] == "Running" and rec["current_operations"] == {}
    assert all(SLOW.call("VDI.get_SR", T, d) for d in vdis)


def test_migrate_send_cancel():
    """task.cancel between the steps: the destination is rolled back, TASK_CANCELLED."""
    v = SLOW.by_name(T, "VM", "lab-router")
    vdis = disk_vdis(SLOW, T, v)
    vifs = SLOW.call("VM.get_VIFs", T, v)
    dest_host = FAST.call("host.get_all", S)[0]
    net = mgmt_network(FAST, S, dest_host)
    sr = FAST.call("pool.get_default_SR", S, FAST.call("pool.get_all", S)[0])
    vms_before = set(FAST.call("VM.get_all", S))
    vdis_before = set(FAST.call("VDI.get_all", S))
    token = FAST.call("host.migrate_receive", S, dest_host, net, {})
    # the destination answers its first calls slowly: the cancel lands in between
    FAST.ctl("/delay", {"ms": 1500, "count": 3})
    task = SLOW.call("Async.VM.migrate_send", T, v, token, True, {d: sr for d in vdis}, {f: net for f in vifs}, {})
    SLOW.call("task.cancel", T, task)
    rec = SLOW.wait_task(T, task, timeout=60)
    assert rec["status"] == "cancelled" and rec["error_info"][0] == "TASK_CANCELLED", rec
    FAST.ctl("/delay", {"ms": 0, "count": 1})
    assert set(FAST.call("VM.get_all", S)) == vms_before
    assert set(FAST.call("VDI.get_all", S)) == vdis_before
    assert SLOW.call("VM.get_power_state", T, v) == "Running"
    assert SLOW.call("VM.get_current_operations", T, v) == {}


def test_migrate_intra_pool_storage():
    v = [r for r, x in sorted(FAST.call("VM.get_all_records", S).items())
         if x["power_state"] == "Running" and not x["is_control_domain"] and disk_vdis(FAST, S, r)][0]
    src = FAST.call("VM.get_resident_on", S, v)
    dst = [h for h in FAST.call("host.get_all", S) if h != src][0]
    token = FAST.call("host.migrate_receive", S, dst, mgmt_network(FAST, S, dst), {})
    vdis = disk_vdis(FAST, S, v)
    # the local SR of the destination host
    pbds = FAST.call("PBD.get_all_records", S)
    srs = FAST.call("SR.get_all_records", S)
    other = [p["SR"] for p in pbds.values() if p["host"] == dst and not srs[p["SR"]]["shared"]
             and srs[p["SR"]]["content_type"] != "iso"][0]
    assert other != FAST.call("VDI.get_SR", S, vdis[0])
    expect_error(FAST.call, "OPERATION_NOT_ALLOWED", "VM.assert_can_migrate", S, v, token, True,
                 {d: other for d in vdis}, {FAST.call("VM.get_VIFs", S, v)[0]: "OpaqueRef:x"}, {})
    FAST.call("VM.assert_can_migrate", S, v, token, True, {d: other for d in vdis}, {}, {})
    assert FAST.call("VM.migrate_send", S, v, token, True, {d: other for d in vdis}, {}, {}) == v
    assert FAST.call("VM.get_resident_on", S, v) == dst
    assert all(FAST.call("VDI.get_SR", S, d) == other for d in vdis)


def main():
    setup()
    try:
        rc = run([test_start_shutdown_cycle, test_template_and_memory_errors, test_vcpus,
                  test_async_task_progress_and_cancel,
                  test_async_result_and_sync_tasks, test_snapshots, test_provision_spec, test_pool_migrate, test_devices, test_storage,
                  test_networks, test_hosts_and_ha, test_migrate_receive, test_pool_create_vlan_from_pif,
                  test_migrate_checks, test_migrate_send_between_sims, test_migrate_send_failure_leaves_nothing,
                  test_migrate_send_cancel, test_migrate_intra_pool_storage])
    finally:
        r1 = FAST.stop()
        r2 = SLOW.stop()
    return rc or (1 if (r1 or r2) else 0)


if __name__ == "__main__":
    sys.exit(main())
