#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# scripts/web-experiment --experiment FILE (docs/experiments.md "Web server at scale"):
# experiments/fig8.cfg with 100 server VMs and 0.1 s of load through the script gives
# the run's digest `denali run` gives for the same file and flags (its last digest line;
# the report lists each machine's too), reports the file's load (100 replies, 1000
# replies/s over its duration=0.1s, and in the measurement window from the --warmup to
# the end of the load, every request completed), and a missing file fails.
#   web_experiment_test.py ROOT BUILD_DIR
import os
import re
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

ROOT, BUILD = sys.argv[1], os.path.abspath(sys.argv[2])
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


# The file names its images under build/ (run from the repository root); this tree's
# own images may be elsewhere (build-asan, build-rel): run a copy that names them, from a
# scratch directory laid out like the root.
WORK = tempfile.mkdtemp(prefix="web-experiment-test-")
os.mkdir(os.path.join(WORK, "experiments"))
with open(os.path.join(ROOT, "experiments", "fig8.cfg")) as f:
    cfg = f.read().replace('"build/', '"' + BUILD + "/")
with open(os.path.join(WORK, "experiments", "fig8.cfg"), "w") as f:
    f.write(cfg)
env = dict(os.environ, DENALI_BUILD=BUILD, DENALI_NO_BUILD="1")
flags = ["--vms=100", "--client-args=servers=100 path=/small mode=open rate=250 max=256 "
         "ranks=7 alpha=1.0 duration=0.1s verify=1 quiet=1"]
p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "web-experiment"),
                    "--experiment", "experiments/fig8.cfg"] +
                   [f"--denali-arg={f}" for f in flags],
                   capture_output=True, text=True, cwd=WORK, env=env, timeout=hang(300))
check(p.returncode == 0, f"exit {p.returncode}: {p.stderr[-500:]}")
check("experiments/fig8.cfg: 100 VMs on machine 0, 4 httpgen VMs, 0.1s of load" in p.stdout,
      p.stdout)
check("replies 100," in p.stdout and "throughput 1000 replies/s" in p.stdout, p.stdout)
check("in the window 0.1s to 0.1s" not in p.stdout, p.stdout)
p2 = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "web-experiment"),
                     "--experiment", "experiments/fig8.cfg", "--warmup", "20ms"] +
                    [f"--denali-arg={f}" for f in flags],
                    capture_output=True, text=True, cwd=WORK, env=env, timeout=hang(300))
m = re.search(r"in the window 20ms to 0.1s into the load: (\d+) replies/s; completed "
              r"100.0% of 100 requests", p2.stdout)
check(m is not None and 900 <= int(m.group(1)) <= 1100, p2.stdout)
got = re.findall(r"digest ([0-9a-f]{16})", p.stdout)
machines = re.findall(r"machines 0 ([0-9a-f]{16}), 1 ([0-9a-f]{16})\)", p.stdout)
q = subprocess.run([os.path.join(BUILD, "src", "cli", "denali"), "run",
                    "experiments/fig8.cfg"] + flags,
                   capture_output=True, text=True, cwd=WORK, timeout=hang(300))
want = re.findall(r"digest\s+([0-9a-f]{16})", q.stdout)
check(len(got) == 1 and want and got[0] == want[-1], f"digest {got} vs denali run's {want}")
check(machines and list(machines[0]) == want[:2], f"machine digests {machines} vs {want}")
p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "web-experiment"),
                    "--warmup", "soon"], capture_output=True, text=True, cwd=ROOT, env=env,
                   timeout=hang(60))
check(p.returncode == 2 and "--warmup" in p.stderr and "Traceback" not in p.stderr,
      f"a bad --warmup: {p.returncode} {p.stderr}")
p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "web-experiment"),
                    "--experiment", "no-such.cfg"], capture_output=True, text=True,
                   cwd=ROOT, env=env, timeout=hang(60))
check(p.returncode != 0 and "no-such.cfg: cannot open" in p.stdout + p.stderr,
      f"a missing file: {p.returncode} {p.stderr}")
shutil.rmtree(WORK, ignore_errors=True)
sys.exit(1 if failures else 0)
