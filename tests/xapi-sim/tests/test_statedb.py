# SPDX-License-Identifier: LGPL-2.1-or-later
"""xapi-sim: loading real xapi state.db dumps (from ../shared/realdata)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import Sim, SkipTest, run  # noqa: E402

SHARED = os.environ.get("XENPOOLS_SHARED_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared"))
REAL = os.path.join(SHARED, "realdata")

# counts from realdata/README.md
DUMPS = {
    "xenadmin_cowley1_pool2hosts_xs5.6fp1beta.statedb.xml": {
        "pool": "Grimsby Pool", "host": 2, "VM": 94, "SR": 10, "VDI": 149, "VBD": 17, "VIF": 18, "network": 11,
        "PIF": 16, "Bond": 2, "VLAN": 2, "tunnel": 2, "PBD": 14, "SM": 14},
    "xenadmin_tampa_pool2hosts_xs6.1_snapshots.statedb.xml": {
        "pool": "TampaPool", "host": 2, "VM": 70, "SR": 8, "VDI": 18, "PIF": 4, "GPU_group": 1, "PGPU": 2,
        "PCI": 2, "blob": 2, "VM_guest_metrics": 7},
    "xenadmin_state1_pool2hosts_xs5.5-edited.statedb.xml": {
        "pool": "Hottub", "host": 2, "VM": 59, "SR": 11, "VDI": 41},
}


def make_test(name, expected):
    def test():
        path = os.path.join(REAL, name)
        if not os.path.exists(path):
            raise SkipTest("%s is absent (../shared not available)" % name)
        with Sim("--scenario", path, "--no-tls") as sim:
            s = sim.login()
            pools = sim.call("pool.get_all_records", s)
            assert [p["name_label"] for p in pools.values()] == [expected["pool"]], pools
            for cls, n in expected.items():
                if cls == "pool":
                    continue
                got = len(sim.call(cls + ".get_all", s))
                assert got == n, "%s: %d, expected %d" % (cls, got, n)
            # fields the dump lacks have datamodel defaults; records are complete
            vms = sim.call("VM.get_all_records", s)
            v = next(iter(vms.values()))
            assert "domain_type" in v and "NVRAM" in v and isinstance(v["VBDs"], list)
            hosts = sim.call("host.get_all_records", s)
            master = sim.call("pool.get_master", s, list(pools)[0])
            assert hosts[master]["address"] == "127.0.0.1"
            assert len(sim.members) == 1
            # relations from the dump are intact
            vbd = sim.call("VBD.get_all_records", s)
            for ref, r in vbd.items():
                if r["VM"] in vms:
                    assert ref in vms[r["VM"]]["VBDs"]
            # and it is live: events work
            r = sim.call("event.from", s, ["vm"], "", 5.0)
            assert len([e for e in r["events"] if e["class"] == "vm"]) == expected["VM"]
    test.__name__ = "test_" + name.split("_")[1]
    return test


if __name__ == "__main__":
    sys.exit(run([make_test(n, e) for n, e in DUMPS.items()]))
