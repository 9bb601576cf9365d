#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# `denali run --profile FILE` end to end (docs/experiments.md "Profiling guests"): the
# profiled run has the unprofiled run's digest; the file's counts add up to its header
# and to one sample per interval of the VMs' cycles; scripts/profile-report names the
# compute guest's workload functions; bad flags and an unwritable file give exit 2 and
# one line naming them.
# usage: profile_test.py path/to/denali path/to/compute.elf path/to/scripts/profile-report
import json
import os
import re
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI, IMAGE, REPORT = sys.argv[1:4]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[-2000:]))
    if not cond:
        failures.append(name)


def run(*args):
    p = subprocess.run([DENALI, "run", "--image", IMAGE, *args], capture_output=True,
                       text=True, timeout=hang(300))
    return p.returncode, p.stdout, p.stderr


with tempfile.TemporaryDirectory(prefix="profile-test-") as tmp:
    prof = os.path.join(tmp, "p.txt")
    res = os.path.join(tmp, "res")
    rc0, out0, _ = run("--vms", "2", "--quiet")
    rc1, out1, err1 = run("--vms", "2", "--quiet", "--profile", prof,
                          "--profile-interval", "5003", "--results", res)
    check("profiled run exits 0 with the unprofiled digest", rc0 == 0 and rc1 == 0 and
          out0 == out1, (out0, out1, err1))
    lines = open(prof).read().splitlines() if os.path.exists(prof) else []
    head = [l for l in lines if l.startswith("#")]
    body = [l.split() for l in lines if not l.startswith("#")]
    m = re.search(r"# (\d+) samples, one every 5003 cycles", "\n".join(head))
    total = sum(int(c) for c, _ in body)
    check("header and counts agree", m and int(m.group(1)) == total and total > 100,
          head)
    js = json.load(open(os.path.join(res, "summary.json")))
    want = sum(v["cycles"] // 5003 for v in js["per_vm"])
    check("one sample per 5003 cycles of each VM", total == want, (total, want))
    check("most samples first", [int(c) for c, _ in body] ==
          sorted((int(c) for c, _ in body), reverse=True))
    p = subprocess.run([sys.executable, REPORT, prof, IMAGE, "--top", "5"],
                       capture_output=True, text=True, timeout=hang(60))
    funcs = re.findall(r"^\s*[\d.]+\s+\d+\s+(\w+)$", p.stdout, re.M)
    check("profile-report names compute's workloads", p.returncode == 0 and
          any(f.startswith("wl_") for f in funcs), p.stdout + p.stderr)
    # Bad input: one line naming the flag or file, exit 2, nothing written.
    for args, needle in ((["--profile-interval", "0", "--profile", prof], "--profile-interval"),
                         (["--profile-interval", "x"], "--profile-interval"),
                         (["--profile", ""], "--profile"),
                         (["--profile", os.path.join(tmp, "no", "such", "dir", "p")],
                          "does not exist")):
        rc, out, err = run(*args)
        check(f"bad input {args}: exit 2, one line", rc == 2 and needle in err and
              len(err.strip().splitlines()) == 1, (rc, err))
    p = subprocess.run([sys.executable, REPORT, os.path.join(tmp, "missing"), IMAGE],
                       capture_output=True, text=True)
    check("profile-report: a missing file is named", p.returncode != 0 and "missing" in p.stderr,
          p.stderr)
    bad = os.path.join(tmp, "bad.txt")
    with open(bad, "w") as f:
        f.write("12 0x10000\nnot a line\n")
    p = subprocess.run([sys.executable, REPORT, bad, IMAGE], capture_output=True, text=True)
    check("profile-report: a malformed line is named", p.returncode != 0 and
          "bad.txt:2" in p.stderr, p.stderr)

if failures:
    print(f"{len(failures)} failed: {', '.join(failures)}")
    sys.exit(1)
print("all passed")
