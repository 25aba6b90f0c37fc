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


TESTS = [test_enable_disable_ha_statefile, test_failures_to_tolerate, test_restart_priority_and_order]


def main():
    setup()
    try:
        rc = run(TESTS)
    finally:
        r = SIM.stop()
    return rc or (1 if r else 0)


if __name__ == "__main__":
    sys.exit(main())
