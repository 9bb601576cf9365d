#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Test wrapper: runs a command and checks its exit status and output.
#   run_expect.py [--status N] [--expect TEXT]... [--expect-lines FILE] -- cmd args...
# --expect: TEXT must occur in stdout. --expect-lines: every non-empty line of FILE must
# end one of stdout's lines, in order (so a "[vm 0] " console prefix is allowed). Prints what was missing; exit 1 on mismatch.
import argparse
import subprocess
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--status", type=int, default=0)
    p.add_argument("--expect", action="append", default=[])
    p.add_argument("--expect-lines")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        print("run_expect: no command", file=sys.stderr)
        sys.exit(2)
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    ok = True
    if r.returncode != a.status:
        print("run_expect: exit status %d, want %d" % (r.returncode, a.status))
        ok = False
    for t in a.expect:
        if t not in r.stdout:
            print("run_expect: output lacks %r" % t)
            ok = False
    if a.expect_lines:
        want = [l.rstrip("\n") for l in open(a.expect_lines) if l.strip()]
        got = r.stdout.splitlines()
        i = 0
        for line in got:
            if i < len(want) and line.strip().endswith(want[i].strip()):
                i += 1
        if i < len(want):
            print("run_expect: missing line %r (and %d after it)" % (want[i], len(want) - i - 1))
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
