#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The honest metrics of scripts/sweep (docs/experiments.md "Metrics of the web figures"):
#   - window(): a made-up timeseries.csv of two machines: only the intervals inside
#     the window count, each machine's count over the time its intervals cover;
#   - censored(): timed-out requests counted at the timeout: the mean and quantiles
#     against hand-computed values, a quantile falling among the timeouts is the
#     timeout, none timed out is the plain sample;
#   - a tiny web run (2 httpd VMs, one client machine, open loop, 0.3 s) with
#     --stats-every 10ms: the same digest as without it (observing never changes a
#     run), and the window over the whole run counts every reply (http.replies).
#   sweep_metrics_test.py SWEEP DENALI HTTPD.elf HTTPGEN.elf
import csv
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

SWEEP, DENALI, HTTPD, HTTPGEN = (os.path.abspath(a) for a in sys.argv[1:5])
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

tmp = tempfile.mkdtemp(prefix="sweep-metrics-")

# window(): machine 0 (the server) has no such column; machine 1 has 10 ms intervals
# at 1,000/s (10 each), then 20 ms at 500/s; the last interval runs past 60 ms.
rows = ["t_ns,machine,interval_ns,context_switches,\"http.latency_ns per s\""]
for t in (10, 20, 30, 40):
    rows.append(f"{t}000000,0,10000000,3,")
    rows.append(f"{t}000000,1,10000000,5,1000")
rows.append("60000000,1,20000000,5,500")
rows.append("61000000,0,21000000,4,")
rows.append("70000000,1,10000000,5,3000")
with open(os.path.join(tmp, "timeseries.csv"), "w") as f:
    f.write("\n".join(rows) + "\n")
w = sw.window_rate(tmp, "http.latency_ns", 0.010, 0.060)
# machine 1: intervals ending at 20, 30, 40 (10 each) and 60 (10 in 20 ms): 40 in
# 50 ms; machine 0: 0 (no column) in 30 ms; its interval to 61 ms runs past the end
check(abs(w - 800.0) < 1e-9, f"window [10, 60) ms: {w}/s, want 800")
w = sw.window_rate(tmp, "http.latency_ns", 0.0, 0.1)
check(abs(w - 80 / 0.07) < 1e-6, f"window [0, 100) ms: {w}/s, want {80 / 0.07}")
try:
    sw.window_rate(tmp, "http.latency_ns", 0.0, 0.005)
    check(False, "a window holding no interval is Missing")
except sw.Missing:
    check(True, "a window holding no interval is Missing")
try:
    sw.window_rate(os.path.join(tmp, "none"), "http.latency_ns", 0.0, 1.0)
    check(False, "no timeseries.csv is Missing")
except sw.Missing:
    check(True, "no timeseries.csv is Missing")

# censored(): 8 replies of 10..80 ms (one per bucket of their own) and 2 timeouts at
# 5 s: mean (360 ms + 10 s) / 10; p50 is the 5th value (50 ms); p90 the 9th (5 s).
ms = 1000000
e = {"kind": "sample", "count": 8, "sum": 360 * ms, "min": 10 * ms, "max": 80 * ms,
     "histogram": [[v * ms, 1] for v in range(10, 90, 10)]}
check(sw.censored_sample([e], "mean", 2, 5000 * ms) == (360 + 10000) * ms // 10,
      "censored mean")
check(sw.censored_sample([e], "p50", 2, 5000 * ms) == 50 * ms, "censored p50")
check(sw.censored_sample([e], "p90", 2, 5000 * ms) == 5000 * ms,
      "censored p90 among the timeouts is the timeout")
check(sw.censored_sample([e], "p99", 0, 5000 * ms) == sw.merged_sample([e], "p99"),
      "no timeouts: the plain sample's p99")
half = [dict(e, count=4, sum=100 * ms, max=40 * ms, histogram=e["histogram"][:4]),
        dict(e, count=4, sum=260 * ms, min=50 * ms, histogram=e["histogram"][4:])]
check(sw.censored_sample(half, "p50", 2, 5000 * ms) == 50 * ms,
      "censored p50 merged over two machines")

# A tiny web run, with and without --stats-every.
def run(extra, out):
    cmd = [DENALI, "run", "--image", HTTPD, "--vms", "2", "--args", "quiet=1",
           "--client", HTTPGEN, "--client-vms", "1", "--client-args",
           "servers=2 mode=open rate=200 duration=0.3s quiet=1 delay=100ms",
           "--results", out, "--quiet"] + extra
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, f"denali run {' '.join(extra)} exits 0 ({r.stderr[-300:]})")
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)
a = run([], os.path.join(tmp, "a"))
b = run(["--stats-every", "10ms"], os.path.join(tmp, "b"))
check(a["digest"] == b["digest"], f"--stats-every keeps the digest ({a['digest']})")
funcs = sw.metric_funcs(b, os.path.join(tmp, "b"))
replies = funcs["result"]("http.replies")
end = b["simulated_ns"] / 1e9 + 0.02
rate = funcs["window"]("http.latency_ns", 0.0, end)
# Only the client machine (1) has the column: rate = its count / the time its
# intervals cover.
with open(os.path.join(tmp, "b", "timeseries.csv")) as f:
    cover = sum(int(r["interval_ns"]) for r in csv.DictReader(f) if r["machine"] == "1")
counted = rate * cover / 1e9
check(replies > 0 and abs(counted - replies) < 0.5,
      f"the window over the whole run counts every reply ({counted:.2f} of {replies})")

if failures:
    print(f"{len(failures)} failed")
    sys.exit(1)
print("all ok")
