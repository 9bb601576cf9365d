#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Replications in scripts/sweep (--seeds N; docs/experiments.md "Replications"):
#   - the Student t quantiles against published values (t(0.975, df) for df 1 .. 1000)
#     and the CDF at known points;
#   - summarize() (mean, sample sd, 95% CI half-width) on textbook data, and against
#     Python's statistics module on the sweep's own replications;
#   - a sweep of 2 configurations x 4 seeds of a tiny run (hello VMs under --chaos
#     {seed}): replications.csv has every run, results.csv one row per configuration
#     with n, NAME_mean, NAME_sd, NAME_ci95, and the digests only in replications.csv;
#   - --seeds without {seed} in the command, --seeds 1, and a 'seed' parameter are
#     refused (exit 2, one line).
#   sweep_stats_test.py SWEEP DENALI HELLO.elf
import csv
import importlib.machinery
import importlib.util
import math
import os
import statistics
import subprocess
import sys
import tempfile

SWEEP, DENALI, HELLO = (os.path.abspath(a) for a in sys.argv[1:4])
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)
    else:
        print("ok   " + what)


loader = importlib.machinery.SourceFileLoader("sweep", SWEEP)
spec = importlib.util.spec_from_loader("sweep", loader)
sw = importlib.util.module_from_spec(spec)
loader.exec_module(sw)

# t(0.975, df): NIST/SEMATECH e-Handbook table 1.3.6.7.2 and scipy.stats.t.ppf.
KNOWN_T = {1: 12.7062047362, 2: 4.30265272975, 3: 3.18244630528, 4: 2.77644510520,
           5: 2.57058183661, 7: 2.36462425159, 9: 2.26215716280, 19: 2.09302405441,
           29: 2.04522964213, 100: 1.98397151852, 1000: 1.96233908082}
for df, t in KNOWN_T.items():
    got = sw.student_t_quantile(0.975, df)
    check(abs(got - t) < 1e-8, f"t(0.975, {df}) = {got:.10f}, want {t}")
check(abs(sw.student_t_cdf(0.0, 5) - 0.5) < 1e-12, "t CDF at 0 is 1/2")
check(abs(sw.student_t_cdf(1.0, 1) - 0.75) < 1e-12, "Cauchy: P(T <= 1) = 3/4")
check(abs(sw.student_t_cdf(-2.0, 2) - (0.5 - 1 / math.sqrt(6))) < 1e-12,
      "df 2: P(T <= -2) = 1/2 - 1/sqrt(6)")

# Textbook data: mean 5, sample sd sqrt(32/7).
n, mean, sd, ci = sw.summarize([2, 4, 4, 4, 5, 5, 7, 9])
check(n == 8 and mean == 5.0 and abs(sd - math.sqrt(32 / 7)) < 1e-12,
      f"summarize: n {n} mean {mean} sd {sd}")
check(abs(ci - 2.36462425159 * math.sqrt(32 / 7) / math.sqrt(8)) < 1e-9, f"95% CI {ci}")
check(sw.summarize([3.5]) == (1, 3.5, None, None), "one value: no sd or CI")
check(sw.summarize([]) == (0, None, None, None), "no values")
n, mean, sd, ci = sw.summarize([7, 7, 7])
check(sd == 0.0 and ci == 0.0, "equal values: sd 0, CI 0")


def sweep(*args, ok=(0,)):
    p = subprocess.run([sys.executable, SWEEP, "-q"] + list(args), capture_output=True,
                       text=True)
    if p.returncode not in ok:
        print(p.stdout + p.stderr)
    return p


with tempfile.TemporaryDirectory() as tmp:
    cmd = DENALI + " run --image " + HELLO + " --vms {vms} --quantum 1us --chaos {seed}"
    out = os.path.join(tmp, "s")
    p = sweep("--cmd", cmd, "--param", "vms=2,3", "--seeds", "4", "-o", out,
              "--metric", "switches=get('context_switches')",
              "--metric", "instructions=get('guest_instructions')",
              "--metric", "digest=digest()")
    check(p.returncode == 0, f"--seeds 4: exit {p.returncode} {p.stderr}")
    with open(os.path.join(out, "replications.csv")) as f:
        reps = list(csv.DictReader(f))
    with open(os.path.join(out, "results.csv")) as f:
        res = list(csv.DictReader(f))
    check([(r["vms"], r["seed"]) for r in reps] ==
          [(v, s) for v in ("2", "3") for s in ("1", "2", "3", "4")],
          "replications.csv: every configuration x seed, seed fastest")
    check(len({r["digest"] for r in reps if r["vms"] == "3"}) > 1,
          "the seeds give different runs")
    check(list(res[0].keys()) == ["point", "vms", "n", "switches_mean", "switches_sd",
                                  "switches_ci95", "instructions_mean", "instructions_sd",
                                  "instructions_ci95", "status"],
          f"results.csv columns: {list(res[0].keys()) if res else None}")
    for r in res:
        vals = [float(x["switches"]) for x in reps if x["vms"] == r["vms"]]
        m, s = statistics.mean(vals), statistics.stdev(vals)
        half = KNOWN_T[3] * s / 2
        check(r["n"] == "4" and r["status"] == "ok" and
              abs(float(r["switches_mean"]) - m) <= 1e-5 * max(1, abs(m)) and
              abs(float(r["switches_sd"]) - s) <= 1e-5 * max(1, s) and
              abs(float(r["switches_ci95"]) - half) <= 1e-5 * max(1, half),
              f"vms {r['vms']}: mean/sd/CI {r} against statistics: {m} {s} {half}")
    for args, pat in [(["--cmd", DENALI + " run --image " + HELLO, "--param", "vms=1",
                        "--seeds", "3"], "never uses {seed}"),
                      (["--cmd", cmd, "--param", "vms=1", "--seeds", "1"], "from 2 to"),
                      (["--cmd", cmd, "--param", "seed=1,2", "--param", "vms=1",
                        "--seeds", "2"], "'seed' is the replication parameter")]:
        p = sweep(*args, "-o", os.path.join(tmp, "bad"), ok=(2,))
        check(p.returncode == 2 and pat in p.stderr and len(p.stderr.strip().splitlines()) == 1,
              f"refused: {pat}: {p.stderr.strip()}")

if failures:
    print(f"{len(failures)} failed")
    sys.exit(1)
print("all ok")
