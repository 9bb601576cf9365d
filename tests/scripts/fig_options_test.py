#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The batching options of the figure scripts, each tiny (--smoke): batching-study
# --combined runs the combined settings (its CSV is batching-combined.csv, its runs
# have the 5 us upcall, 11 us of kernel work per interrupt and the 1K kernel-data
# term), and fig4-batching --model calibrated runs Figure 4 with the calibrated model
# (fig4-calibrated.csv; a 1 ms quantum, 11 us of kernel work, 1K of kernel data).
# usage: fig_options_test.py SOURCE_ROOT BUILD_DIR SCRATCH_DIR
import csv
import glob
import json
import os
import shutil
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

ROOT, BUILD, SCRATCH = sys.argv[1:4]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)))
    if not cond:
        failures.append(name)


def run(script, *args):
    work, out = os.path.join(SCRATCH, script + "-work"), os.path.join(SCRATCH, script)
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "figures", script),
                        "--smoke", "--no-build", "--build", BUILD, "-j", "2", "--work", work,
                        "--out-dir", out, *args], capture_output=True, text=True,
                       timeout=hang(600))
    check(f"{script} {' '.join(args)}: exit 0", p.returncode == 0,
          p.stdout[-1500:] + p.stderr[-1500:])
    summaries = []
    for path in sorted(glob.glob(os.path.join(work, "point-*", "summary.json"))):
        with open(path) as f:
            summaries.append(json.load(f))
    return out, summaries


def server(js):
    return (js.get("machines") or [js])[0]


os.makedirs(SCRATCH, exist_ok=True)
out, sums = run("batching-study", "--combined")
check("--combined: batching-combined.csv written, not batching-study.csv",
      os.path.exists(os.path.join(out, "batching-combined.csv")) and
      not os.path.exists(os.path.join(out, "batching-study.csv")), sorted(os.listdir(out)))
if os.path.exists(os.path.join(out, "batching-combined.csv")):
    with open(os.path.join(out, "batching-combined.csv")) as f:
        rows = list(csv.DictReader(f))
    check("--combined: batched and sync rows with the combined flags",
          sorted(r["intr"] for r in rows) == ["batched", "sync"] and
          all("--intr-cost=5us" in r["flags"] for r in rows), rows)
check("--combined: every run has the options", sums and all(
    server(s)["intr_cycles"] == 8500 and server(s)["irq_work_cycles"] == 18700 and
    server(s)["ctx_vm_footprint_bytes"] == 1024 for s in sums), len(sums))

out, sums = run("fig4-batching", "--model", "calibrated")
check("--model calibrated: fig4-calibrated.csv and -runs.csv written, not fig4.csv",
      all(os.path.exists(os.path.join(out, n)) for n in
          ("fig4-calibrated.csv", "fig4-calibrated-runs.csv")) and
      not os.path.exists(os.path.join(out, "fig4.csv")), sorted(os.listdir(out)))
check("--model calibrated: every run has the calibrated model", sums and all(
    server(s)["quantum_cycles"] == 1700000 and server(s)["irq_work_cycles"] == 18700 and
    server(s)["ctx_vm_footprint_bytes"] == 1024 for s in sums), len(sums))

if failures:
    print(f"{len(failures)} failed: {', '.join(failures)}")
    sys.exit(1)
print("all passed")
