# SPDX-License-Identifier: MIT
# scripts_fig_smoke: scripts/figures/fig12-game --smoke (2 tiny points) writes its CSV
# and its figure as PNG and SVG; drawing the same CSV again (--from) gives the same
# bytes (figlib fixes the SVG ids and leaves dates and versions out). matplotlib is
# Debian's python3-matplotlib (scripts/setup): without it, in this interpreter or in
# /usr/bin/python3 (which figlib re-runs a script under), the test is skipped (77).
#   fig_smoke_test.py SCRIPT BUILD OUTDIR
import importlib.util
import os
import shutil
import subprocess
import sys


def has_matplotlib():
    if importlib.util.find_spec("matplotlib") is not None:
        return True
    deb = "/usr/bin/python3"
    return os.path.exists(deb) and subprocess.run(
        [deb, "-c", "import matplotlib"], capture_output=True).returncode == 0


def main():
    script, build, out = sys.argv[1:4]
    if not has_matplotlib():
        print("SKIP: matplotlib is missing (scripts/setup installs python3-matplotlib)")
        return 77
    shutil.rmtree(out, ignore_errors=True)
    again = out + "-again"
    shutil.rmtree(again, ignore_errors=True)
    r = subprocess.run([sys.executable, script, "--smoke", "--no-build", "--build", build,
                        "-j", "2", "--out-dir", out])
    if r.returncode != 0:
        print(f"FAIL: {script} --smoke exited {r.returncode}")
        return 1
    for f in ("fig12.csv", "fig12.svg", "fig12.png"):
        if not os.path.getsize(os.path.join(out, f)):
            print(f"FAIL: {out}/{f} is empty")
            return 1
    with open(os.path.join(out, "fig12.png"), "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            print("FAIL: fig12.png is not a PNG")
            return 1
    with open(os.path.join(out, "fig12.svg")) as f:
        svg = f.read()
    if "<svg" not in svg or "<dc:date>" in svg:
        print("FAIL: fig12.svg is not an SVG, or holds a date")
        return 1
    r = subprocess.run([sys.executable, script, "--from", os.path.join(out, "fig12.csv"),
                        "--out-dir", again], stdout=subprocess.DEVNULL)
    if r.returncode != 0:
        print(f"FAIL: {script} --from exited {r.returncode}")
        return 1
    for f in ("fig12.csv", "fig12.svg", "fig12.png"):
        with open(os.path.join(out, f), "rb") as x, open(os.path.join(again, f), "rb") as y:
            if x.read() != y.read():
                print(f"FAIL: {f} drawn again from the same CSV differs")
                return 1
    # The sweep's host time, from every point's CPU time (scripts/figures/all
    # --host-time prints the committed sets' tables from these files).
    import csv
    with open(os.path.join(out, "host-time.csv")) as f:
        rows = list(csv.DictReader(f))
    if [(r["script"], r["scale"], r["runs"]) for r in rows] != [("fig12-game", "quick", "4")] \
            or not float(rows[0]["cpu_s"]) > 0:
        print(f"FAIL: host-time.csv: {rows}")
        return 1
    shutil.rmtree(again, ignore_errors=True)
    print("ok: fig12-game --smoke: CSV, PNG and SVG; the same bytes drawn again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
