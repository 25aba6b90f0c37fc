# SPDX-License-Identifier: LGPL-2.1-or-later
"""xapi-sim: SR probing, creation and reattach (SR.introduce + PBD.create/plug) for iSCSI, SMB and local disks."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import Sim, expect_error, run  # noqa: E402

SIM = None
S = None
HOSTS = []
MASTER = None

PORTAL = "san01.lab.example"
IQN = "iqn.2026-01.example.lab:san01.vms"
IQN_CHAP = "iqn.2026-01.example.lab:san01.secure"
LUN_OLD = "36001405a1b2c3d4e5f600000000000a1"   # holds SR 5c1e7a2e-...
LUN_NEW = "36001405a1b2c3d4e5f600000000000a2"
OLD_ISCSI_SR = "5c1e7a2e-0d6b-4f51-9a54-2f0e6b1d0a01"
OLD_SMB_SR = "8d3f2b6c-1e4a-4c2b-b7d5-6a9e0f1c2d03"


def setup():
    global SIM, S, HOSTS, MASTER
    SIM = Sim("--scenario", "demo", "--time-scale", "0.01", "--no-tls")
    S = SIM.login()
    HOSTS = SIM.call("host.get_all", S)
    pool = list(SIM.call("pool.get_all_records", S).values())[0]
    MASTER = pool["master"]


def probe(dc, typ):
    return SIM.call("SR.probe", S, MASTER, dc, typ, {})


def uuids(xml):
    return re.findall(r"<UUID>\s*([^<]*?)\s*</UUID>", xml)


def test_iscsi_probe_steps():
    desc = expect_error(probe, "SR_BACKEND_FAILURE_140", {"target": "nosuch.example"}, "lvmoiscsi")
    assert "resolve" in desc[2]
    expect_error(probe, "SR_BACKEND_FAILURE_141", {"target": "192.0.2.99"}, "lvmoiscsi")
    # target only: the IQNs, in the error's XML
    desc = expect_error(probe, "SR_BACKEND_FAILURE_96", {"target": PORTAL}, "lvmoiscsi")
    iqns = re.findall(r"<TargetIQN>([^<]*)</TargetIQN>", desc[3])
    assert iqns == [IQN, IQN_CHAP, "*"], iqns
    assert "<IPAddress>192.0.2.40</IPAddress>" in desc[3]
    # target + IQN: the LUNs
    desc = expect_error(probe, "SR_BACKEND_FAILURE_107", {"target": PORTAL, "targetIQN": IQN}, "lvmoiscsi")
    assert re.findall(r"<SCSIid>([^<]*)</SCSIid>", desc[3]) == [LUN_OLD, LUN_NEW]
    assert re.findall(r"<size>([^<]*)</size>", desc[3]) == ["107374182400", "214748364800"]
    assert "<vendor>LIO-ORG</vendor>" in desc[3]
    # CHAP-protected target
    expect_error(probe, "SR_BACKEND_FAILURE_68", {"target": PORTAL, "targetIQN": IQN_CHAP}, "lvmoiscsi")
    desc = expect_error(probe, "SR_BACKEND_FAILURE_107", {"target": PORTAL, "targetIQN": IQN_CHAP,
                                                          "chapuser": "chapuser", "chappassword": "chap-secret"},
                        "lvmoiscsi")
    assert len(re.findall(r"<LUN>", desc[3])) == 1
    # with the SCSIid: the SRs on the LUN
    assert uuids(probe({"target": PORTAL, "targetIQN": IQN, "SCSIid": LUN_OLD}, "lvmoiscsi")) == [OLD_ISCSI_SR]
    assert uuids(probe({"target": PORTAL, "targetIQN": IQN, "SCSIid": LUN_NEW}, "lvmoiscsi")) == []


def test_iscsi_create_formats_and_needs_scsiid():
    dc = {"target": PORTAL, "targetIQN": IQN}
    expect_error(SIM.call, "SR_BACKEND_FAILURE_107", "SR.create", S, MASTER, dc, 0, "x", "", "lvmoiscsi", "", True, {})
    dc["SCSIid"] = LUN_NEW
    before = len(SIM.call("PBD.get_all", S))
    sr = SIM.call("SR.create", S, MASTER, dc, 0, "iscsi-new", "", "lvmoiscsi", "", True, {})
    rec = SIM.call("SR.get_record", S, sr)
    assert rec["physical_size"] == 214748364800 and rec["shared"]
    assert len(rec["PBDs"]) == len(HOSTS) and len(SIM.call("PBD.get_all", S)) == before + len(HOSTS)
    # the probe now finds the new SR on that LUN
    assert uuids(probe(dc, "lvmoiscsi")) == [rec["uuid"]]
    for p in rec["PBDs"]:
        SIM.call("PBD.unplug", S, p)
    SIM.call("SR.destroy", S, sr)


def reattach(uuid, typ, dc, hosts, shared=True):
    sr = SIM.call("SR.introduce", S, uuid, "back", "", typ, "", shared, {})
    pbds = []
    for h in hosts:
        p = SIM.call("PBD.create", S, {"host": h, "SR": sr, "device_config": dc, "other_config": {}})
        assert SIM.call("PBD.get_currently_attached", S, p) is False
        SIM.call("PBD.plug", S, p)
        pbds.append(p)
    return sr, pbds


def test_iscsi_reattach_keeps_uuid():
    dc = {"target": PORTAL, "targetIQN": IQN, "SCSIid": LUN_OLD}
    found = uuids(probe(dc, "lvmoiscsi"))
    assert found == [OLD_ISCSI_SR]
    sr, pbds = reattach(found[0], "lvmoiscsi", dc, HOSTS)
    rec = SIM.call("SR.get_record", S, sr)
    assert rec["uuid"] == OLD_ISCSI_SR and sorted(rec["PBDs"]) == sorted(pbds)
    assert rec["physical_size"] == 107374182400
    assert all(SIM.call("PBD.get_currently_attached", S, p) for p in pbds)
    expect_error(SIM.call, "SR_UUID_EXISTS", "SR.introduce", S, OLD_ISCSI_SR, "dup", "", "lvmoiscsi", "", True, {})
    # an attached PBD cannot be destroyed; the SR is forgotten only when unplugged
    expect_error(SIM.call, "OPERATION_NOT_ALLOWED", "PBD.destroy", S, pbds[0])
    expect_error(SIM.call, "SR_HAS_PBD", "SR.forget", S, sr)
    for p in pbds:
        SIM.call("PBD.unplug", S, p)
    SIM.call("SR.forget", S, sr)
    assert not [p for p in pbds if p in SIM.call("PBD.get_all", S)]
    # the data is still on the LUN
    assert uuids(probe(dc, "lvmoiscsi")) == [OLD_ISCSI_SR]


def test_plug_wrong_storage_fails():
    # an SR introduced with a uuid that is not on the LUN cannot be plugged
    dc = {"target": PORTAL, "targetIQN": IQN, "SCSIid": LUN_OLD}
    sr = SIM.call("SR.introduce", S, "0b0b0b0b-0000-4000-8000-000000000001", "bad", "", "lvmoiscsi", "", True, {})
    p = SIM.call("PBD.create", S, {"host": MASTER, "SR": sr, "device_config": dc, "other_config": {}})
    expect_error(SIM.call, "SR_BACKEND_FAILURE_47", "PBD.plug", S, p)
    SIM.call("PBD.destroy", S, p)
    # a PBD of a host that is down cannot be plugged
    p = SIM.call("PBD.create", S, {"host": HOSTS[1], "SR": sr, "device_config": dc, "other_config": {}})
    metrics = SIM.call("host.get_metrics", S, HOSTS[1])
    SIM.ctl("/mutate", {"class": "host_metrics", "ref": metrics, "field": "live", "value": False})
    desc = expect_error(SIM.call, "HOST_OFFLINE", "PBD.plug", S, p)
    assert desc == ["HOST_OFFLINE", HOSTS[1]], desc
    SIM.ctl("/mutate", {"class": "host_metrics", "ref": metrics, "field": "live", "value": True})
    SIM.call("PBD.destroy", S, p)
    SIM.call("SR.forget", S, sr)
    expect_error(SIM.call, "UUID_INVALID", "SR.introduce", S, "nope", "bad", "", "lvmoiscsi", "", True, {})


def test_smb():
    share = "//fs01.lab.example/vms"
    expect_error(probe, "SR_BACKEND_FAILURE_111", {"server": share, "username": "xen", "password": "wrong"}, "smb")
    expect_error(probe, "SR_BACKEND_FAILURE_111", {"server": "//fs01.lab.example/none", "username": "xen",
                                                   "password": "smb-secret"}, "smb")
    dc = {"server": share, "username": "xen", "password": "smb-secret"}
    assert uuids(probe(dc, "smb")) == [OLD_SMB_SR]
    dc2 = dict(dc, server="//fs01.lab.example/vms2")
    assert uuids(probe(dc2, "smb")) == []
    sr = SIM.call("SR.create", S, MASTER, dc2, 0, "smb-new", "", "smb", "", True, {})
    rec = SIM.call("SR.get_record", S, sr)
    assert rec["type"] == "smb" and len(rec["PBDs"]) == len(HOSTS)
    pbd = SIM.call("PBD.get_record", S, rec["PBDs"][0])
    assert pbd["device_config"]["server"] == "//fs01.lab.example/vms2"
    sr2, pbds = reattach(OLD_SMB_SR, "smb", dc, HOSTS)
    assert SIM.call("SR.get_uuid", S, sr2) == OLD_SMB_SR
    # an ISO library on a share
    iso = {"location": "//fs01.lab.example/isos", "type": "cifs", "username": "xen", "cifspassword": "smb-secret"}
    assert uuids(probe(iso, "iso")) == []
    expect_error(SIM.call, "SR_BACKEND_FAILURE_222", "SR.create", S, MASTER, dict(iso, cifspassword="x"), 0, "i", "",
                 "iso", "iso", True, {})
    isr = SIM.call("SR.create", S, MASTER, iso, 0, "smb-iso", "", "iso", "iso", True, {})
    assert SIM.call("SR.get_content_type", S, isr) == "iso"


def test_local_disks():
    host = HOSTS[1]
    expect_error(SIM.call, "SR_BACKEND_FAILURE_90", "SR.probe", S, host, {}, "lvm", {})
    expect_error(SIM.call, "SR_BACKEND_FAILURE_77", "SR.probe", S, host, {"device": "/dev/sdz"}, "lvm", {})
    assert uuids(SIM.call("SR.probe", S, host, {"device": "/dev/sdb"}, "lvm", {})) == []
    old = uuids(SIM.call("SR.probe", S, host, {"device": "/dev/sdc"}, "lvm", {}))
    assert len(old) == 1
    # deterministic, different per host
    assert uuids(SIM.call("SR.probe", S, host, {"device": "/dev/sdc"}, "lvm", {})) == old
    assert uuids(SIM.call("SR.probe", S, HOSTS[2], {"device": "/dev/sdc"}, "lvm", {})) != old
    # ext does not recognise an LVM SR
    assert uuids(SIM.call("SR.probe", S, host, {"device": "/dev/sdc"}, "ext", {})) == []
    sr = SIM.call("SR.create", S, host, {"device": "/dev/sdb"}, 0, "local-new", "", "lvm", "user", False, {})
    rec = SIM.call("SR.get_record", S, sr)
    assert not rec["shared"] and len(rec["PBDs"]) == 1 and rec["physical_size"] == 536870912000
    assert SIM.call("PBD.get_host", S, rec["PBDs"][0]) == host
    sr2, pbds = reattach(old[0], "lvm", {"device": "/dev/sdc"}, [host], shared=False)
    assert SIM.call("SR.get_uuid", S, sr2) == old[0]
    # the same uuid is not on another host's /dev/sdc
    other = SIM.call("SR.introduce", S, "0b0b0b0b-0000-4000-8000-000000000002", "o", "", "lvm", "", False, {})
    p = SIM.call("PBD.create", S, {"host": HOSTS[2], "SR": other, "device_config": {"device": "/dev/sdc"},
                                   "other_config": {}})
    expect_error(SIM.call, "SR_BACKEND_FAILURE_47", "PBD.plug", S, p)


def main():
    setup()
    try:
        return run([test_iscsi_probe_steps, test_iscsi_create_formats_and_needs_scsiid, test_iscsi_reattach_keeps_uuid,
                    test_plug_wrong_storage_fails, test_smb, test_local_disks])
    finally:
        SIM.stop()


if __name__ == "__main__":
    sys.exit(main())
