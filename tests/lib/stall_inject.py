#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A loaded host on demand, for finding tests that depend on host speed: runs a command
# and, every PERIOD seconds, stops each `denali` process descended from it for STALL
# seconds (SIGSTOP, then SIGCONT), as a host so loaded that a process gets no CPU for
# seconds does. Only the command's own descendants are signalled. Not part of the
# suite; tests must pass under it, e.g. (2026-12-07: the gdb test's attach failed
# here until gdb's remotetimeout was raised):
#   python3 tests/lib/stall_inject.py 2.5 1.5 -- \
#       python3 tests/gdb/gdb_test.py build/src/cli/denali build/guests/sdk/denali-cc
# usage: stall_inject.py STALL PERIOD -- COMMAND...   (exits with COMMAND's status)
import os
import signal
import subprocess
import sys
import time


def descendants(pid):
    """(pid, command name) of every process descended from pid."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
            comm = s[s.index("(") + 1:s.rindex(")")]
            ppid = int(s[s.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            continue  # gone meanwhile
        kids.setdefault(ppid, []).append((int(d), comm))
    out, todo = [], [pid]
    while todo:
        for c, comm in kids.get(todo.pop(), []):
            out.append((c, comm))
            todo.append(c)
    return out


def signal_all(pids, sig):
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        print("usage: stall_inject.py STALL PERIOD -- COMMAND...", file=sys.stderr)
        return 2
    stall, period = float(sys.argv[1]), float(sys.argv[2])
    root = subprocess.Popen(sys.argv[4:])
    n = 0
    while root.poll() is None:
        time.sleep(period)
        victims = [p for p, comm in descendants(root.pid) if comm == "denali"]
        signal_all(victims, signal.SIGSTOP)
        try:
            time.sleep(stall)
        finally:
            signal_all(victims, signal.SIGCONT)
        n += len(victims)
    print(f"stall_inject: {n} stalls of {stall} s", file=sys.stderr)
    return root.returncode


if __name__ == "__main__":
    sys.exit(main())
