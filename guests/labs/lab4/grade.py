# SPDX-License-Identifier: MIT
# Lab 4 tests (docs/labs/lab4.md): mutex, condition variables, semaphores and a bounded
# buffer, each without --chaos and under several chaos seeds: the seeds move the timer
# interrupts (so the preemption points) and the quanta, so a race that one schedule
# happens to miss shows up under another. Every run of a test must pass.
from grading import Test, console_is, exit_code

TITLE = "synchronisation under adversarial scheduling"
CHAOS = (None, 1, 2, 3, 4, 5)

TESTS = [
    Test("mutex", 25, "mutex", [], [console_is([
        "mutex: counter equals the threads' increments, every thread got in: yes, 0 "
        "overlaps"]), exit_code(0)], chaos=CHAOS),
    Test("cond", 20, "cond", [], [console_is([
        "cond: 200 pings, 200 pongs, 0 out of turn, cond_wait returned at most once a "
        "round: yes",
        "cond: broadcast released 5 of 5 waiters, each woken once: yes"]), exit_code(0)],
        chaos=CHAOS),
    Test("sema", 20, "sema", [], [console_is([
        "sema: 60 uses, at most 2 at once"]), exit_code(0)], chaos=CHAOS),
    Test("bounded-buffer", 35, "bb", [], [console_is([
        "bb: 60000 of 60000 items consumed exactly once, 0 buffer overflows or underflows, "
        "0 overlaps",
        "bb: cond_wait returned fewer than 4 times per item: yes"]),
        exit_code(0)], chaos=CHAOS, max_time="1s"),
]
