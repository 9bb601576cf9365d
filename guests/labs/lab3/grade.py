# SPDX-License-Identifier: MIT
# Lab 3 tests (docs/labs/lab3.md): the idle policy at 1, 8 and 64 VMs, both ways, graded
# in simulated time against the reference kernel: the busy VM's finish time within 15%
# and the run's guest instructions within 25% (with timeout) or 50% (spinning), and
# every VM's idle thread idled (timeout) or spun (spin) as the policy says.
# REFERENCE comes from the reference solution (`scripts/labs-export --solutions`); the
# quick suite's labs test checks it still scores full marks, so a change to the
# simulator's cost model that moves these numbers shows up there: re-measure with
#   scripts/grade lab3 REF_TREE --measure
from grading import Test, all_exit

TITLE = "the idle policy at scale (the paper's Figure 5)"

# (policy, VMs) -> (busy VM's finish time in us, guest instructions of the whole run)
REFERENCE = {
    ("timeout", 1): (21123, 10503543),
    ("timeout", 8): (21370, 11571659),
    ("timeout", 64): (25191, 20116891),
    ("spin", 1): (21126, 10944787),
    ("spin", 8): (206810, 71001623),
    ("spin", 64): (237054, 82315278),
}
FINISH_TOLERANCE = 0.15
INSN_TOLERANCE = {"timeout": 0.25, "spin": 0.50}


def measured(run):
    """(finish us, instructions) of a run, or None."""
    s = run.summary()
    r = (s or {}).get("results", {}).get("lab3.busy_finish_us")
    if not r or not r.get("count"):
        return None
    return r["min"], s["guest_instructions"]


def figure5(policy, vms):
    want_finish, want_insns = REFERENCE[(policy, vms)]
    tol = INSN_TOLERANCE[policy]

    def check(run):
        m = measured(run)
        if m is None:
            return "no result lab3.busy_finish_us: VM 0 did not report"
        finish, insns = m
        if abs(finish - want_finish) > FINISH_TOLERANCE * want_finish:
            return "busy VM finished at %d us, the reference at %d us (+-%d%%)" % (
                finish, want_finish, FINISH_TOLERANCE * 100)
        if abs(insns - want_insns) > tol * want_insns:
            return "%d guest instructions, the reference %d (+-%d%%)" % (
                insns, want_insns, tol * 100)
        return None
    return check


def idle_threads(policy, vms):
    """Each VM's idle thread followed the policy (lab3.vms_idled, lab3.vms_spun)."""
    def check(run):
        s = run.summary() or {}
        res = s.get("results", {})
        idled = res.get("lab3.vms_idled", {}).get("sum", 0)
        spun = res.get("lab3.vms_spun", {}).get("sum", 0)
        want = (vms, 0) if policy == "timeout" else (0, vms)
        if (idled, spun) != want:
            return "%d VMs idled and %d spun; with --args %s want %d and %d" % (
                idled, spun, policy, want[0], want[1])
        return None
    return check


POINTS = {1: 5, 8: 15, 64: 30}
TESTS = [Test("%s-%dvm" % (policy, vms), POINTS[vms], "scale",
              ["--vms", str(vms), "--args", policy],
              [all_exit(0, vms), idle_threads(policy, vms), figure5(policy, vms)],
              max_time="1s", results=True)
         for policy in ("timeout", "spin") for vms in (1, 8, 64)]


def measure(runs):
    """scripts/grade --measure: the REFERENCE table from the runs of TESTS."""
    out = {}
    for t, run in runs:
        policy, vms = t.flags[3], int(t.flags[1])
        out[(policy, vms)] = measured(run)
    return out
