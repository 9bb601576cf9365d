#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Checkpoints of the game (paper section 4.6c, experiments/fig12.cfg, docs/debugging.md
# "Checkpoint, resume, fork"): Figure 12's setting made small (4 gamesrv VMs, 4 client
# machines of 4 gameclient VMs each, 1 s of play), from an experiment file as fig12.cfg
# is. Checkpointed at several T1 (as the clients start, while they play, as they finish)
# and resumed, it gives the same digest, summary and summary.json as one run;
# each resumed run names its parent; the game's latency results are the same.
#   game_test.py DENALI GAMESRV.elf GAMECLIENT.elf
import json
import os
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI, SRV, CLIENT = sys.argv[1:4]
failures = []

HOST = ("  host time", "host time", "  guest MIPS", "  checkpoint  ", "  resumed from")


def run(*args):
    p = subprocess.run([DENALI, *args], capture_output=True, timeout=hang(600))
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + detail[-3000:]),
          flush=True)
    if not cond:
        failures.append(name)


def summary(out):
    return [l for l in out.splitlines() if not l.startswith(HOST) and not l.startswith("[vm ")]


def summary_json(d):
    j = json.load(open(os.path.join(d, "summary.json")))
    j.pop("checkpoint_parent", None)
    return j


def main():
    tmp = tempfile.mkdtemp(prefix="denali-ckpt-game-test-")
    cfg = os.path.join(tmp, "game.cfg")
    client = ('  { groups = ( { image = "%s"; vms = 4; args = "servers=4 duration=1s '
              'quiet=1"; } ); }' % CLIENT)
    with open(cfg, "w") as f:
        f.write('name = "game";\nmax_time = "30s";\nmachines = (\n'
                '  { groups = ( { image = "%s"; vms = 4; args = "quiet=1"; } ); },\n' % SRV +
                ",\n".join([client] * 4) + "\n);\n")
    base = os.path.join(tmp, "base")
    rc0, out0, err0 = run("run", cfg, "--results", base)
    check("game: plain run", rc0 == 0 and "digest" in out0, out0 + err0)
    lat = [l for l in out0.splitlines() if "game.latency" in l]
    check("game: the clients measured latencies", lat != [], out0)
    for t1 in ["5ms", "300ms", "700ms", "1050ms"]:
        ck = os.path.join(tmp, f"game-{t1}.ckpt")
        d1 = os.path.join(tmp, f"with-{t1}")
        rc1, out1, err1 = run("run", cfg, "--checkpoint-at", t1, "--checkpoint", ck,
                              "--results", d1)
        check(f"game: checkpoint at {t1} changes nothing",
              rc1 == rc0 and summary(out1) == summary(out0) and
              summary_json(d1) == summary_json(base), out1 + err1)
        d2 = os.path.join(tmp, f"resumed-{t1}")
        rc2, out2, err2 = run("resume", ck, "--results", d2)
        check(f"game: resumed at {t1} = uninterrupted",
              rc2 == rc0 and summary(out2) == summary(out0) and
              summary_json(d2) == summary_json(base), out2 + err2)
        parent = json.load(open(os.path.join(d2, "summary.json"))).get("checkpoint_parent", {})
        check(f"game: resumed at {t1} names its parent", parent.get("file") == ck, str(parent))
    shutil.rmtree(tmp)
    if failures:
        print(f"{len(failures)} failed")
        sys.exit(1)


main()
