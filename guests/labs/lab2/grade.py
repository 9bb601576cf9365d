# SPDX-License-Identifier: MIT
# Lab 2 tests (docs/labs/lab2.md): threads, FIFO yield, join, preemption by the quantum
# timer (also under --chaos, which moves timer interrupts and quanta), sleeping, the
# idle thread (bounded instructions), exit and the thread table.
import re

from grading import Test, console_is, exit_code

TITLE = "preemptive threads on the Denali CPU"
CHAOS = (None, 1, 2, 3)


def instructions_below(limit, vm=0):
    """The VM executed fewer than `limit` instructions: it idled instead of spinning."""
    def check(run):
        m = re.search(r"^vm %d: .*, ([\d,]+) instructions$" % vm, run.stdout, re.M)
        if not m:
            return "no status line for vm %d" % vm
        n = int(m.group(1).replace(",", ""))
        if n >= limit:
            return "vm %d executed %s instructions, want fewer than %s: it computed while " \
                   "it should have idled (denali.idle)" % (vm, m.group(1), format(limit, ","))
        return None
    return check


TESTS = [
    Test("yield", 15, "yield", [], [console_is([
        "yield: main is thread 0, created three increasing ids",
        "yield: a round 1", "yield: b round 1", "yield: c round 1",
        "yield: a round 2", "yield: b round 2", "yield: c round 2",
        "yield: a round 3", "yield: b round 3", "yield: c round 3",
        "yield: joined all, join of an exited thread returns 0, of a bad id -1"]),
        exit_code(0)]),
    Test("preempt", 25, "preempt", [], [console_is([
        "preempt: every thread ran: yes",
        "preempt: fair (least >= half of most): yes",
        "preempt: at least 50 preemptions: yes"]), exit_code(0)],
        chaos=CHAOS, max_time="200ms"),
    Test("sleep", 20, "sleep", [], [console_is([
        "sleep: woke in the order 1 3 4 2 0, 0 early, 0 late"]), exit_code(0)],
        chaos=CHAOS),
    Test("idle", 20, "idle", [], [console_is([
        "idle: 10 sleeps done in 50-52 ms, the idle thread idled: yes"]), exit_code(0),
        instructions_below(200000)], chaos=CHAOS, max_time="200ms"),
    Test("exit", 20, "exit", [], [console_is([
        "exit: 100 threads, sum 5050",
        "exit: 62 created before the table was full"]), exit_code(0)]),
]
