#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# `denali run` memory-model flags (docs/memory.md): every bad --phys-mem / --swap-block
# gives exit status 2 and one stderr line naming the flag; good values run, and a run
# that swaps gives the same digest twice and shows its swapping in the summary.
# Usage: memflags_test.py DENALI HELLO.ELF
import os
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

denali, hello = sys.argv[1], sys.argv[2]
failures = 0


def run(*args):
    p = subprocess.run([denali, "run", "--image", hello, *args], capture_output=True,
                       text=True, timeout=hang(120))
    return p.returncode, p.stdout, p.stderr


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        failures += 1


bad = [
    (["--phys-mem", "1M", "--vms", "200"], "--phys-mem", "too small"),
    (["--phys-mem", "4M"], "--phys-mem", "too small"),  # one 4 MiB VM does not fit
    (["--phys-mem", "1000"], "--phys-mem 1000", "out of range"),
    (["--phys-mem", "5X"], "--phys-mem 5X", "suffix"),
    (["--phys-mem", "1025K"], "--phys-mem 1025K", "multiple"),
    (["--phys-mem="], "--phys-mem", ""),
    (["--swap-block", "12K"], "--swap-block 12K", "power of two"),
    (["--swap-block", "2K"], "--swap-block 2K", "out of range"),
    (["--swap-block", "2M"], "--swap-block 2M", "out of range"),
    (["--swap-block", "0"], "--swap-block 0", ""),
    (["--swap-block"], "--swap-block", "needs a value"),
]
for args, flag, why in bad:
    rc, out, err = run(*args)
    lines = err.strip().splitlines()
    check(" ".join(args) + ": exit 2, one line naming the flag",
          rc == 2 and len(lines) == 1 and flag in lines[0] and why in lines[0] and out == "",
          f"rc={rc} err={err!r} out={out!r}")

for args in (["--phys-mem", "64M"], ["--swap-block", "4K"], ["--swap-block=1M"],
             ["--phys-mem=2G", "--swap-block", "64K"]):
    rc, out, err = run(*args, "--vms", "3")
    check(" ".join(args) + ": runs", rc == 0 and "hello from VM 2" in out, f"rc={rc} {err}")

# A swapping run: hello VMs that all fit give the default digest; the flags do not
# change results unless memory runs short.
rc1, out1, _ = run("--vms", "50", "--quiet")
rc2, out2, _ = run("--vms", "50", "--quiet", "--phys-mem", "8M", "--swap-block", "4K")
check("no swapping: same digest at any --phys-mem", rc1 == 0 and out1 == out2, f"{out1} {out2}")
# 50 VMs of 1 MiB in 2 MiB, 1 us slices: only about ten fit at once.
SWAP = ["--vms", "50", "--mem", "1M", "--phys-mem", "2M", "--swap-block", "64K", "--quantum", "1us"]
rc, out, err = run(*SWAP)
check("summary shows the memory model", rc == 0 and "physical memory     2 MiB in 64 KiB" in out
      and "terminated ok       50" in out and "swapping" in out
      and "swapping            0 VMs" not in out, out + err)
a = run(*SWAP, "--quiet")
b = run(*SWAP, "--quiet")
check("swapping run: same digest twice", a[0] == 0 and a[1] == b[1] and a[1].startswith("digest"),
      f"{a} {b}")
sys.exit(1 if failures else 0)
