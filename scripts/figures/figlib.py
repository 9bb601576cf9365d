# SPDX-License-Identifier: MIT
# What the figure scripts (scripts/figures/fig*) share: the common flags, building
# the images, running a sweep through scripts/sweep, reading its results.csv, printing
# a table, and drawing a line chart as plain SVG (standard library only, like
# bench/swap-cliff-plot.py).
import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SWEEP = os.path.join(ROOT, "scripts", "sweep")
FIGDIR = os.path.join(ROOT, "docs", "figures")


def parser(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--full", action="store_true", help="the bigger version (more points, "
                    "longer runs; see the script's header for its host time)")
    ap.add_argument("--smoke", action="store_true", help="a 2-point sweep in seconds, for "
                    "the test suite (writes to --out-dir, never to docs/figures unless asked)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                    help="points run at once (default: the number of CPUs)")
    ap.add_argument("--build", default=os.environ.get("DENALI_BUILD", "build"),
                    help="a release build directory (default build or $DENALI_BUILD)")
    ap.add_argument("--out-dir", help="where figN.csv and figN.svg go (default docs/figures; "
                    "with --smoke a temporary directory)")
    ap.add_argument("--work", help="the sweep's directory (point-NNN/, results.csv; default "
                    "a temporary one, removed afterwards)")
    ap.add_argument("--no-build", action="store_true", help="use the build as it is")
    ap.add_argument("--emit-commands", action="store_true", help="print the sweep's "
                    "commands for a cluster instead of running them (then run "
                    "scripts/sweep --collect WORK and this script with --from WORK)")
    ap.add_argument("--resume", action="store_true", help="with --work: rerun only the "
                    "points that have not succeeded there with the same command")
    ap.add_argument("--from", dest="from_dir", metavar="WORK", action="append",
                    help="plot a sweep that already ran: its directory, or its CSV "
                    "(repeatable, the rows are merged: e.g. docs/figures/fig8.csv and "
                    "fig9.csv); builds and runs nothing (scripts/check-docs uses it to "
                    "compare docs/experiments.md's tables with the committed CSVs)")
    return ap


def build_dir(a):
    return a.build if os.path.isabs(a.build) else os.path.join(ROOT, a.build)


def experiment(a, name):
    """The path of experiments/NAME.cfg (docs/experiments.md "Experiment files") for a
    sweep's command: the file itself when the build is ROOT/build (its image paths
    start build/ and the sweep runs from ROOT), else a copy in BUILD/experiments/ with
    those paths in the build given."""
    src = os.path.join(ROOT, "experiments", name + ".cfg")
    b = build_dir(a)
    if os.path.realpath(b) == os.path.realpath(os.path.join(ROOT, "build")) or a.from_dir:
        return src
    with open(src) as f:
        text = f.read()
    dst = os.path.join(b, "experiments", name + ".cfg")
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "w") as f:
        f.write(text.replace('"build/', '"' + os.path.abspath(b) + "/"))
    return dst


def build(a, targets):
    """Builds denali and the images the figure needs (ninja with output paths, so a
    build configured before the apps existed still finds them)."""
    if a.no_build or a.from_dir or os.environ.get("DENALI_NO_BUILD"):
        return
    b = build_dir(a)
    if not os.path.exists(os.path.join(b, "build.ninja")):
        sys.exit(f"figure: {b} is not a configured build (meson setup {a.build} "
                 "--buildtype=release)")
    r = subprocess.run(["ninja", "-C", b, "src/cli/denali"] + targets,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write((r.stdout + r.stderr)[-3000:])
        sys.exit("figure: build failed")


def run_sweep(a, spec, name):
    """Runs spec (a dict in scripts/sweep's format) and returns (rows of results.csv
    as dicts, work directory, host seconds). Exits when a point fails."""
    if a.from_dir:
        return from_csvs(a, name), a.work_tmp, 0.0
    work = a.work or tempfile.mkdtemp(prefix=f"{name}-")
    os.makedirs(work, exist_ok=True)
    spec_path = os.path.join(work, "spec.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f, indent=1)
        f.write("\n")
    cmd = [sys.executable, SWEEP, spec_path, "-o", work, "-j", str(a.jobs),
           "--build", build_dir(a)] + (["--resume"] if a.resume else [])
    if a.emit_commands:
        r = subprocess.run(cmd + ["--emit-commands"])
        sys.stderr.write(f"{name}: then: scripts/sweep --collect {work} && "
                         f"scripts/figures/{name} --from {work}\n")
        sys.exit(r.returncode)
    t0 = time.monotonic()
    r = subprocess.run(cmd)
    host = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit(f"{name}: the sweep failed (its points are in {work})")
    rows = read_csv(os.path.join(work, "results.csv"))
    return rows, work, host


def from_csvs(a, name):
    """The rows of --from's CSVs (a directory means its results.csv), identical rows
    once, written to a temporary WORK/results.csv as if the sweep had run."""
    rows, seen, head = [], set(), None
    for src in a.from_dir:
        path = os.path.join(src, "results.csv") if os.path.isdir(src) else src
        try:
            got = read_csv(path)
        except OSError as e:
            sys.exit(f"{name}: --from {src}: {e.strerror}")
        if got:
            head = head or list(got[0].keys())
        for r in got:
            k = tuple(sorted(r.items()))
            if k not in seen:
                seen.add(k)
                rows.append(r)
    if not rows:
        sys.exit(f"{name}: --from: no rows")
    a.work_tmp = tempfile.mkdtemp(prefix=f"{name}-from-")
    with open(os.path.join(a.work_tmp, "results.csv"), "w") as f:
        w = csv.DictWriter(f, head, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return rows


def finish(a, work):
    if a.from_dir or not a.work:
        shutil.rmtree(work, ignore_errors=True)


def out_dir(a):
    d = a.out_dir or (tempfile.mkdtemp(prefix="fig-smoke-") if a.smoke else FIGDIR)
    os.makedirs(d, exist_ok=True)
    return d


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def copy_csv(work, dest):
    shutil.copyfile(os.path.join(work, "results.csv"), dest)


def fnum(v):
    return float(v) if v not in ("", None) else None


def table(headers, rows):
    """Prints a Markdown table (pasteable into docs/experiments.md)."""
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---:" for _ in headers) + "|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


def nice_max(v):
    """A round axis maximum at or above v."""
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * e >= v:
            return m * e
    return 10 * e


def fmt_tick(v):
    if v >= 1000 and v % 1000 == 0:
        return f"{v / 1000:g}k"
    return f"{v:g}"


COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def svg_chart(path, title, xlabel, ylabel, series, logx=False, ymax=None, y2=None,
              note=None):
    """Writes a line chart. series: [(label, [(x, y), ...])]; a None y is a gap.
    y2: optional (axis label, series) drawn dashed against a right-hand axis."""
    W, H, L, R, T, B = 720, 420, 75, 200, 40, 55
    if y2:
        W, R = 780, 260
    pw, ph = W - L - R, H - T - B
    allx = [x for _, pts in series for x, _ in pts] + (
        [x for _, pts in y2[1] for x, _ in pts] if y2 else [])
    xmin, xmax = min(allx), max(allx)
    if logx:
        lo, hi = math.log10(xmin), math.log10(xmax)
        hi = hi if hi > lo else lo + 1

        def px(x):
            return L + pw * (math.log10(x) - lo) / (hi - lo)
    else:
        lo, hi = 0.0, nice_max(xmax)

        def px(x):
            return L + pw * (x - lo) / (hi - lo)
    ys = [y for _, pts in series for _, y in pts if y is not None]
    top = ymax or nice_max(max(ys) * 1.05 if ys else 1)

    def py(y, t=top):
        return T + ph - ph * y / t
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
         f'font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{L + pw / 2}" y="22" text-anchor="middle" font-size="14">{esc(title)}</text>']
    for i in range(6):
        y = top * i / 5
        o.append(f'<line x1="{L}" y1="{py(y):.1f}" x2="{L + pw}" y2="{py(y):.1f}" stroke="#ddd"/>')
        o.append(f'<text x="{L - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{fmt_tick(round(y, 6))}</text>')
    if logx:
        ticks = sorted(set(x for _, pts in series for x, _ in pts))
    else:
        ticks = [lo + (hi - lo) * i / 5 for i in range(6)]
    for x in ticks:
        o.append(f'<line x1="{px(x):.1f}" y1="{T + ph}" x2="{px(x):.1f}" y2="{T + ph + 4}" stroke="black"/>')
        o.append(f'<text x="{px(x):.1f}" y="{T + ph + 17}" text-anchor="middle" '
                 f'font-size="10">{fmt_tick(x)}</text>')
    o.append(f'<line x1="{L}" y1="{T + ph}" x2="{L + pw}" y2="{T + ph}" stroke="black"/>')
    o.append(f'<line x1="{L}" y1="{T}" x2="{L}" y2="{T + ph}" stroke="black"/>')
    o.append(f'<text x="{L + pw / 2}" y="{H - 12}" text-anchor="middle">{esc(xlabel)}</text>')
    o.append(f'<text x="18" y="{T + ph / 2}" transform="rotate(-90 18 {T + ph / 2})" '
             f'text-anchor="middle">{esc(ylabel)}</text>')

    lx = L + pw + (50 if y2 else 12)  # legend, clear of the right-hand axis labels

    def lines(label, pts, col, k, yf, dash=""):
        segs, cur = [], []
        for x, y in pts:
            if y is None:
                if cur:
                    segs.append(cur)
                cur = []
            else:
                cur.append((x, y))
        if cur:
            segs.append(cur)
        for s in segs:
            p = " ".join(f"{px(x):.1f},{yf(y):.1f}" for x, y in s)
            o.append(f'<polyline points="{p}" fill="none" stroke="{col}" stroke-width="2"{dash}/>')
            for x, y in s:
                o.append(f'<circle cx="{px(x):.1f}" cy="{yf(y):.1f}" r="3" fill="{col}"/>')
        o.append(f'<line x1="{lx}" y1="{T + 16 + 20 * k - 4}" x2="{lx + 20}" '
                 f'y2="{T + 16 + 20 * k - 4}" stroke="{col}" stroke-width="2"{dash}/>')
        o.append(f'<text x="{lx + 26}" y="{T + 16 + 20 * k}" fill="{col}">{esc(label)}</text>')
    for k, (label, pts) in enumerate(series):
        lines(label, pts, COLORS[k % len(COLORS)], k, py)
    if y2:
        lab2, ser2 = y2
        ys2 = [y for _, pts in ser2 for _, y in pts if y is not None]
        top2 = nice_max(max(ys2) * 1.05 if ys2 else 1)
        for i in range(6):
            y = top2 * i / 5
            o.append(f'<text x="{L + pw + 6}" y="{py(y, top2) + 4:.1f}" font-size="10" '
                     f'fill="#555">{fmt_tick(round(y, 6))}</text>')
        o.append(f'<line x1="{L + pw}" y1="{T}" x2="{L + pw}" y2="{T + ph}" stroke="#555"/>')
        rx = L + pw + 36
        o.append(f'<text x="{rx}" y="{T + ph / 2}" transform="rotate(90 {rx} {T + ph / 2})" '
                 f'text-anchor="middle" fill="#555">{esc(lab2)} (dashed)</text>')
        for k, (label, pts) in enumerate(ser2):
            lines(label, pts, COLORS[(len(series) + k) % len(COLORS)],
                  len(series) + k, lambda y, t=top2: py(y, t), dash=' stroke-dasharray="5,4"')
    if note:
        for i, line in enumerate(note.split("\n")):
            o.append(f'<text x="{lx}" y="{T + ph - 14 * (len(note.split(chr(10))) - 1 - i)}" '
                     f'font-size="10" fill="#555">{esc(line)}</text>')
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
