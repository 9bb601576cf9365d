#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Tests scripts/sweep (docs/experiments.md "Sweeps") on a 2x2 grid of tiny web runs
# (1 or 3 httpd VMs, 0.1 s of simulated load each):
#   - -j 2 and -j 1 write the same results.csv, rows in point order, every point ok,
#     replies counted and the web metrics filled in;
#   - the same grid from --param lists equals the JSON spec's;
#   - --emit-commands run by sh, then --collect, gives the same results.csv; so does
#     --point K for every K, then --collect; --resume runs only what is missing;
#   - a failing point exits 1 naming its command; bad specs exit 2 with one line;
#   - the digest column is the run's digest (what denali run printed), machine digests
#     in digest_m0, digest_m1; --resume refuses (exit 2, one line) points made by
#     another denali binary, from a changed image, or without provenance.json, unless
#     --force-resume.
#   sweep_test.py SWEEP BUILD_DIR
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SWEEP, BUILD = sys.argv[1], os.path.abspath(sys.argv[2])
TMP = tempfile.mkdtemp(prefix="sweep-test-")
failures = []

CMD = ("{denali} run --image {build}/guests/apps/httpd-gcc-O2.elf --vms {vms} --args quiet=1 "
       "--intr {intr} --client {build}/guests/apps/httpgen-gcc-O2.elf --client-vms {gens} "
       "--client-args 'servers={vms} rate=200 duration={duration} verify=1 quiet=1' "
       "--max-time 10s")
SPEC = {"command": CMD, "params": {"vms": [1, 3], "intr": ["batched", "sync"]},
        "vars": {"duration": "0.1s", "gens": "{1+vms//2}"}}


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def sweep(*args, ok=(0,)):
    p = subprocess.run([sys.executable, SWEEP, "--build", BUILD, "-q"] + list(args),
                       capture_output=True, text=True)
    if p.returncode not in ok:
        print(p.stdout + p.stderr)
    return p


def csv_of(out):
    with open(os.path.join(out, "results.csv")) as f:
        return f.read()


spec_path = os.path.join(TMP, "spec.json")
with open(spec_path, "w") as f:
    json.dump(SPEC, f)

# -j 2 and -j 1
for j in ("2", "1"):
    p = sweep(spec_path, "-o", os.path.join(TMP, "j" + j), "-j", j)
    check(p.returncode == 0, f"-j {j}: exit {p.returncode}")
ref = csv_of(os.path.join(TMP, "j2"))
check(ref == csv_of(os.path.join(TMP, "j1")), "-j 2 and -j 1 give different results.csv")
rows = list(csv.DictReader(ref.splitlines()))
check([r["point"] for r in rows] == ["0", "1", "2", "3"], "rows are not in point order")
# What each point cost the host: point-NNN/host.json (never a column of results.csv).
for i in range(4):
    try:
        with open(os.path.join(TMP, "j2", f"point-{i:03d}", "host.json")) as f:
            h = json.load(f)
        check(h["cpu_s"] > 0 and h["wall_s"] > 0 and h["max_rss_kib"] > 0,
              f"point {i}: host.json {h}")
    except (OSError, ValueError, KeyError) as e:
        check(False, f"point {i}: host.json: {e}")
check("cpu_s" not in ref and "wall_s" not in ref, "host time leaked into results.csv")
check([(r["vms"], r["intr"]) for r in rows] ==
      [("1", "batched"), ("1", "sync"), ("3", "batched"), ("3", "sync")],
      "the grid is not the product with the first parameter slowest")
for r in rows:
    check(r["status"] == "ok", f"point {r['point']}: {r['status']}")
    # 1 + vms//2 generators at 200 req/s for 0.1 s: 20 requests each.
    want = 20 * (1 + int(r["vms"]) // 2)
    check(r["replies"] == str(want), f"point {r['point']}: {r['replies']} replies, want {want}")
    check(r["replies_per_s"] == str(want * 10), f"point {r['point']}: replies_per_s "
          f"{r['replies_per_s']}")
    check(r["errors"] == "0" and r["lat_p99_ns"] != "" and len(r["digest"]) == 16,
          f"point {r['point']}: metrics missing: {r}")
# One VM: sync and batched delivery do the same thing; three: they differ.
check(rows[0]["digest"] == rows[1]["digest"] and rows[2]["digest"] != rows[3]["digest"],
      "digests: sync and batched should differ only with several VMs")

# The digest column is the run's (the last line of the point's stdout), the machines'
# digests in their own columns.
for r in rows:
    with open(os.path.join(TMP, "j2", "point-%03d" % int(r["point"]), "stdout")) as f:
        printed = re.findall(r"digest ([0-9a-f]{16})", f.read())
    check(printed and r["digest"] == printed[-1], f"point {r['point']}: digest "
          f"{r['digest']} is not the run's {printed[-1:]}")
    check(len(r.get("digest_m0", "")) == 16 and len(r.get("digest_m1", "")) == 16 and
          r["digest_m0"] != r["digest"], f"point {r['point']}: machine digests {r}")

# --resume: nothing left to run, the same results.csv; a changed point runs again.
p = sweep(spec_path, "-o", os.path.join(TMP, "j1"), "--resume")
check(p.returncode == 0 and csv_of(os.path.join(TMP, "j1")) == ref, "--resume changed results")
os.remove(os.path.join(TMP, "j1", "point-002", "summary.json"))
p = subprocess.run([sys.executable, SWEEP, "--build", BUILD, spec_path, "-o",
                    os.path.join(TMP, "j1"), "--resume"], capture_output=True, text=True)
check(p.returncode == 0 and "3 of 4 points already ran" in p.stdout and
      csv_of(os.path.join(TMP, "j1")) == ref, f"--resume after a lost point: {p.stdout}")

# --resume refuses points made by another build (their provenance.json's denali_sha256
# differs), or with no provenance.json, unless --force-resume.
prov_path = os.path.join(TMP, "j1", "point-001", "provenance.json")
with open(prov_path) as f:
    prov_text = f.read()
prov = json.loads(prov_text)
with open(prov_path, "w") as f:
    json.dump(dict(prov, denali_sha256="0" * 64), f)
p = sweep(spec_path, "-o", os.path.join(TMP, "j1"), "--resume", ok=(2,))
check(p.returncode == 2 and "point 1" in p.stderr and "another build of denali" in p.stderr
      and len(p.stderr.strip().splitlines()) == 1, f"--resume over another build: {p.stderr}")
os.remove(prov_path)
p = sweep(spec_path, "-o", os.path.join(TMP, "j1"), "--resume", ok=(2,))
check(p.returncode == 2 and "no provenance.json" in p.stderr, f"--resume, no provenance: {p.stderr}")
p = sweep(spec_path, "-o", os.path.join(TMP, "j1"), "--force-resume")
check(p.returncode == 0 and csv_of(os.path.join(TMP, "j1")) == ref, "--force-resume")
# ... and points made from an image that changed since.
img = os.path.join(TMP, "hello.elf")
shutil.copyfile(os.path.join(BUILD, "guests", "hello.elf"), img)
hcmd = "{denali} run --image " + img + " --vms {vms}"
p = sweep("--cmd", hcmd, "--param", "vms=1,2", "-o", os.path.join(TMP, "h"))
check(p.returncode == 0, "hello sweep")
with open(img, "ab") as f:
    f.write(b"\0")
p = sweep("--cmd", hcmd, "--param", "vms=1,2", "-o", os.path.join(TMP, "h"), "--resume",
          ok=(2,))
check(p.returncode == 2 and "another --image " + img in p.stderr,
      f"--resume over a changed image: {p.stderr}")

# The same grid from the command line.
p = sweep("--cmd", CMD, "--param", "vms=1,3", "--param", "intr=batched,sync",
          "--set", "duration=0.1s", "--set", "gens={1+vms//2}", "-o", os.path.join(TMP, "cli"))
check(p.returncode == 0 and csv_of(os.path.join(TMP, "cli")) == ref,
      "--param/--set give a different results.csv than the spec")

# --emit-commands, run by sh, then --collect.
out = os.path.join(TMP, "emit")
p = sweep(spec_path, "-o", out, "--emit-commands")
lines = p.stdout.splitlines()
check(p.returncode == 0 and len(lines) == 4, f"--emit-commands: {len(lines)} lines")
for line in reversed(lines):  # any order
    subprocess.run(["sh", "-c", line])
p = sweep("--collect", out)
check(p.returncode == 0 and csv_of(out) == ref, "--emit-commands + --collect differ")

# --point K, then --collect; before every point ran, --collect reports the rest.
out = os.path.join(TMP, "points")
for k in (3, 0):
    check(sweep(spec_path, "-o", out, "--point", str(k)).returncode == 0, f"--point {k}")
p = sweep("--collect", out, ok=(1,))
check(p.returncode == 1 and "point 1 not run" in p.stderr, "--collect with points missing")
other = os.path.join(TMP, "other.json")
with open(other, "w") as f:
    json.dump(dict(SPEC, vars={"duration": "0.2s", "gens": "1"}), f)
p = sweep(other, "-o", out, "--point", "1", ok=(2,))
check(p.returncode == 2 and "holds another sweep" in p.stderr, "--point into another sweep")
for k in (1, 2):
    sweep(spec_path, "-o", out, "--point", str(k))
p = sweep("--collect", out)
check(p.returncode == 0 and csv_of(out) == ref, "--point + --collect differ")

# A failing point: its command and stderr are reported, exit 1.
bad = dict(SPEC, command=CMD.replace("httpd-gcc-O2.elf", "no-such.elf"))
bad_path = os.path.join(TMP, "bad.json")
with open(bad_path, "w") as f:
    json.dump(bad, f)
p = sweep(bad_path, "-o", os.path.join(TMP, "bad"), "-j", "1", ok=(1,))
check(p.returncode == 1 and "command: " in p.stderr and "no-such.elf" in p.stderr,
      f"a failing point: exit {p.returncode}, {p.stderr!r}")
check("not run" in csv_of(os.path.join(TMP, "bad")),
      "after a failure without --keep-going the other points still ran")

# Bad specs and options: exit 2, one line starting with "sweep:".
cases = [
    (["--cmd", "{denali} run --vms {vmz}", "--param", "vms=1"], "unknown name 'vmz'"),
    (["--cmd", "{denali} run", "--param", "vms"], "expected name=value"),
    (["--cmd", "{denali} run"], "no points"),
    (["--param", "vms=1"], "no command template"),
    (["--cmd", "x {vms}", "--param", "vms=1", "--metric", "m=open('f')"], "only numbers"),
    (["--cmd", "x {vms}", "--param", "vms=1", "--metric", "m=1 +"], "not an expression"),
    (["--cmd", "x {vms} {__class__}", "--param", "vms=1"], "unknown name"),
    (["--cmd", "x {vms}", "--param", "vms=1", "-j", "0"], "-j must be"),
    (["--collect", os.path.join(TMP, "nothing")], "sweep.json"),
]
for path, text in ((os.path.join(TMP, "notjson.json"), "not JSON"),
                   (os.path.join(TMP, "extra.json"), "unknown key")):
    with open(path, "w") as f:
        f.write("{" if "notjson" in path else json.dumps(dict(SPEC, paramz={})))
    cases.append(([path], text))
for args, text in cases:
    p = sweep(*args, "-o", os.path.join(TMP, "x"), ok=(2,))
    check(p.returncode == 2 and p.stderr.startswith("sweep: ") and text in p.stderr and
          p.stderr.count("\n") == 1, f"{args}: exit {p.returncode}, {p.stderr!r}")

if failures:
    print(f"{len(failures)} failures (files in {TMP})")
    sys.exit(1)
subprocess.run(["rm", "-rf", TMP])
print("sweep: all checks passed")
