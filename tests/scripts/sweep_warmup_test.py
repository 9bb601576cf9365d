#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# scripts/sweep --warmup-checkpoint (docs/experiments.md "Sweeps", docs/debugging.md):
# a small web run (3 httpd VMs, a client machine) warmed up once to 30 ms and saved;
# a 2 x 2 grid (--intr batched/sync x --quantum 10us/40us) resumes every point from it:
#   - every point ok, its summary.json names the warm-up checkpoint as its parent (the
#     file's SHA-256), sweep.json records it, and the commands are `denali resume`;
#   - each point's digest is the one `denali resume WARM --intr I --quantum Q` gives,
#     and the point with the warm-up's own settings is the uninterrupted run's;
#   - the fork flags take effect: --intr sync and --quantum 40us change the digest;
#   - a parameter in a flag that cannot change at resume (--vms) is refused with one
#     line naming it, exit 2; so is a missing checkpoint file.
#   sweep_warmup_test.py SWEEP BUILD_DIR
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

SWEEP, BUILD = sys.argv[1], os.path.abspath(sys.argv[2])
DENALI = os.path.join(BUILD, "src", "cli", "denali")
TMP = tempfile.mkdtemp(prefix="sweep-warmup-test-")
failures = []

RUN = ("{denali} run --image {build}/guests/apps/httpd-gcc-O2.elf --vms 3 --args quiet=1 "
       "--client {build}/guests/apps/httpgen-gcc-O2.elf --client-vms 1 "
       "--client-args 'servers=3 rate=2000 duration=0.1s verify=1 quiet=1' --max-time 2s")


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def expand(cmd):
    return cmd.replace("{denali}", DENALI).replace("{build}", BUILD)


def denali(*args):
    p = subprocess.run([DENALI, *args], capture_output=True, text=True, timeout=hang(600))
    return p.returncode, p.stdout, p.stderr


def sh(cmd):
    p = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, timeout=hang(600))
    return p.returncode, p.stdout, p.stderr


def sweep(*args):
    return subprocess.run([sys.executable, SWEEP, "--build", BUILD, "-q", *args],
                          capture_output=True, text=True, timeout=hang(900))


def digest(out):
    m = re.findall(r"digest ([0-9a-f]{16})", out)
    return m[-1] if m else None


warm = os.path.join(TMP, "warm.ckpt")
rc, out, err = sh(expand(RUN) + " --intr batched --quantum 10us --quiet --checkpoint-at 30ms "
                  f"--checkpoint {warm}")
check(rc == 0 and os.path.exists(warm), f"warm-up run and checkpoint: {rc} {err}")
rc, plain_out, err = sh(expand(RUN) + " --intr batched --quantum 10us --quiet")
plain = digest(plain_out)

out = os.path.join(TMP, "grid")
p = sweep("-o", out, "-j", "2", "--warmup-checkpoint", warm, "--cmd",
          RUN + " --intr {intr} --quantum {quantum}", "--param", "intr=batched,sync",
          "--param", "quantum=10us,40us", "--metric", "d=digest()")
check(p.returncode == 0, f"the grid ran: {p.returncode} {p.stdout} {p.stderr}")
sha = hashlib.sha256(open(warm, "rb").read()).hexdigest()
man = json.load(open(os.path.join(out, "sweep.json")))
check(man.get("warmup_checkpoint_sha256") == sha, "sweep.json records the checkpoint")
check(all(" resume " in c and "--vms" not in c and "--intr" in c for c in man["commands"]),
      f"points resume: {man['commands'][0]}")
rows = list(csv.DictReader(open(os.path.join(out, "results.csv"))))
check(len(rows) == 4 and all(r["status"] == "ok" for r in rows), f"4 points ok: {rows}")
for i, r in enumerate(rows):
    s = json.load(open(os.path.join(out, f"point-{i:03d}", "summary.json")))
    check(s.get("checkpoint_parent", {}).get("sha256") == sha,
          f"point {i}: summary.json names the warm-up checkpoint")
    rc, o, e = denali("resume", warm, "--intr", r["intr"], "--quantum", r["quantum"],
                      "--quiet")
    check(digest(o) == r["d"], f"point {i}: the digest of denali resume ({r['d']}, {o.strip()} {e})")
check(rows[0]["d"] == plain, f"the warm-up's own settings: the uninterrupted run "
      f"({rows[0]['d']} vs {plain})")
check(rows[0]["d"] != rows[2]["d"] and rows[0]["d"] != rows[1]["d"],
      f"the fork flags took effect (--intr at 10us, --quantum with batched): "
      f"{[r['d'] for r in rows]}")

# Refused: a parameter in a flag the checkpoint holds; a missing file.
for name, args, needle in [
        ("parameter in --vms", ["--cmd", RUN.replace("--vms 3", "--vms {vms}"), "--param",
                                "vms=2,3", "--warmup-checkpoint", warm],
         "parameter 'vms' sets --vms, which cannot change at resume"),
        ("missing checkpoint", ["--cmd", RUN + " --intr {intr}", "--param", "intr=sync",
                                "--warmup-checkpoint", os.path.join(TMP, "none.ckpt")],
         "no such file")]:
    p = sweep("-o", os.path.join(TMP, "bad"), *args)
    lines = p.stderr.strip().splitlines()
    check(p.returncode == 2 and len(lines) == 1 and needle in p.stderr,
          f"refused: {name}: {p.returncode} {p.stderr!r}")

shutil.rmtree(TMP)
if failures:
    print(f"{len(failures)} failed")
    sys.exit(1)
