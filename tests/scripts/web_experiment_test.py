#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# scripts/web-experiment --experiment FILE (docs/experiments.md "Web server at scale"):
# experiments/fig8.cfg with 100 server VMs and 0.1 s of load through the script gives
# the digest `denali run` gives for the same file and flags (the script prints machine
# 0's, the first digest line of a several-machine report), reports the file's load
# (100 replies, 1000 replies/s over its duration=0.1s), and a missing file fails.
#   web_experiment_test.py ROOT BUILD_DIR
import os
import re
import subprocess
import sys

ROOT, BUILD = sys.argv[1], os.path.abspath(sys.argv[2])
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


env = dict(os.environ, DENALI_BUILD=BUILD, DENALI_NO_BUILD="1")
flags = ["--vms=100", "--client-args=servers=100 path=/small mode=open rate=250 max=256 "
         "ranks=7 alpha=1.0 duration=0.1s verify=1 quiet=1"]
p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "web-experiment"),
                    "--experiment", "experiments/fig8.cfg"] +
                   [f"--denali-arg={f}" for f in flags],
                   capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
check(p.returncode == 0, f"exit {p.returncode}: {p.stderr[-500:]}")
check("experiments/fig8.cfg: 100 VMs on machine 0, 4 httpgen VMs, 0.1s of load" in p.stdout,
      p.stdout)
check("replies 100," in p.stdout and "throughput 1000 replies/s" in p.stdout, p.stdout)
got = re.findall(r"digest ([0-9a-f]{16})", p.stdout)
q = subprocess.run([os.path.join(BUILD, "src", "cli", "denali"), "run",
                    "experiments/fig8.cfg"] + flags,
                   capture_output=True, text=True, cwd=ROOT, timeout=300)
want = re.findall(r"digest\s+([0-9a-f]{16})", q.stdout)
check(got and want and got[-1] == want[0], f"digest {got} vs denali run's {want}")
p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "web-experiment"),
                    "--experiment", "no-such.cfg"], capture_output=True, text=True,
                   cwd=ROOT, env=env, timeout=60)
check(p.returncode != 0 and "no-such.cfg: cannot open" in p.stdout + p.stderr,
      f"a missing file: {p.returncode} {p.stderr}")
sys.exit(1 if failures else 0)
