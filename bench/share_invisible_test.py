#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Page sharing (src/vmm/pageshare.c) is invisible to results on a real workload: the
# web experiment (httpd VMs under a Zipf load from httpgen VMs, bench/webworld.c) run
# by bench/vm-scale --httpd gives the same digest, requests, replies and errors with
# sharing on (the default) and off (--no-share), and with sharing on the booted
# servers really do share pages. tests/vmm/test_share.c checks the same on a
# hand-written guest together with per-VM cycles and TLB misses.
#   share_invisible_test.py VM_SCALE N DURATION_S
import os
import re
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

LOAD = re.compile(r"(\d+) requests, (\d+) replies, (\d+) errors, (\d+) timeouts; .*"
                  r"digest ([0-9a-f]{16})")
SHARED = re.compile(r"\((\d+) shared pages, (\d+) references\)")


def run(exe, n, duration, *extra):
    cmd = [exe, "--httpd", "--duration", duration, *extra, n]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=hang(600))
    out = p.stdout + p.stderr
    load, shared = LOAD.search(out), SHARED.search(out)
    if p.returncode != 0 or not load or not shared:
        sys.exit(f"FAIL: {' '.join(cmd)} (exit {p.returncode}):\n{out}")
    return load.groups(), tuple(int(x) for x in shared.groups()), out


def main():
    exe, n, duration = sys.argv[1:4]
    on, on_shared, on_out = run(exe, n, duration)
    off, off_shared, off_out = run(exe, n, duration, "--no-share")
    print(on_out + off_out, end="")
    if on != off:
        sys.exit(f"FAIL: sharing changed the outcome: {on} with, {off} without")
    if int(on[1]) == 0 or int(on[2]) != 0:
        sys.exit(f"FAIL: the load was not served ({on[1]} replies, {on[2]} errors)")
    if on_shared[1] < int(n) or off_shared != (0, 0):
        sys.exit(f"FAIL: expected shared pages with sharing on and none without, got "
                 f"{on_shared} and {off_shared}")
    print(f"ok: digest {on[4]} and {on[1]} replies with and without sharing; "
          f"{on_shared[0]} shared pages with {on_shared[1]} references")


if __name__ == "__main__":
    main()
