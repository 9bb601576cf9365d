# SPDX-License-Identifier: MIT
# What the figure scripts (scripts/figures/fig*) share: the common flags, building
# the images, running a sweep through scripts/sweep, reading its results.csv, printing
# a table, reading a replicated sweep's mean and 95% confidence interval, and drawing
# figures with matplotlib (PNG and SVG, the same bytes every time, error bars, the
# paper's reported points from docs/figures/paper/points.csv overlaid).
#
# matplotlib is Debian's python3-matplotlib (scripts/setup installs it). When the
# interpreter running a figure script cannot import it (a pyenv or venv python3
# first on PATH), figlib runs the script again under /usr/bin/python3, which can.
import argparse
import csv
import json
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
    ap.add_argument("--seeds", type=int, default=None, metavar="N",
                    help="replications of every point, seed=1..N (default 5, --smoke 2; "
                    "1: single runs); figN.csv then holds each metric's mean, sd and 95%% "
                    "confidence interval (NAME_mean, NAME_sd, NAME_ci95) and "
                    "figN-runs.csv every run with its digest")
    ap.add_argument("--warmup", metavar="T", help="the web figures' warm-up: throughput "
                    "counts the replies completed from T after the load starts to its "
                    "end (default: the script's, 0.1s or 0.2s)")
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
    t0, load0 = time.monotonic(), os.getloadavg()[0]
    r = subprocess.run(cmd)
    host = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit(f"{name}: the sweep failed (its points are in {work})")
    rows = read_csv(os.path.join(work, "results.csv"))
    reps = os.path.join(work, "replications.csv")
    runs = len(read_csv(reps)) if os.path.exists(reps) else len(rows)
    cpu = points_cpu(work)
    print(f"{name}: {runs} runs, {host:.0f} s of wall time"
          f"{' (this invocation: --resume)' if a.resume else ''}, {cpu:.0f} s of CPU time "
          f"(user + system, every point) at -j {a.jobs}", flush=True)
    record_host_time(a, name, runs, host, cpu, load0)
    return rows, work, host


def points_cpu(work):
    """The CPU time (user + system) of every point of a sweep, from the host.json
    scripts/sweep leaves in each point's directory (a resumed sweep's earlier points
    included)."""
    try:
        with open(os.path.join(work, "sweep.json")) as f:
            n = len(json.load(f)["points"])
    except (OSError, ValueError, KeyError):
        return 0.0
    total = 0.0
    for i in range(n):  # the sweep's points only (a directory may hold older ones)
        try:
            with open(os.path.join(work, f"point-{i:03d}", "host.json")) as f:
                total += json.load(f)["cpu_s"]
        except (OSError, ValueError, KeyError):
            pass
    return total


def variant(a):
    """The figure's variant in file names and records: "", "open" (Figure 5's open
    loop), "calibrated" (a model option), joined with "+"."""
    return "+".join(v for v in ("open" if getattr(a, "open", False) else "",
                                getattr(a, "model", "") or "") if v and v != "current")


HOST_TIME_HEAD = ["script", "variant", "scale", "runs", "jobs", "wall_s", "cpu_s",
                  "cpus", "load_1min_at_start"]


def record_host_time(a, name, runs, wall, cpu, load0):
    """One row per (script, variant, scale) in OUT/host-time.csv (replaced when the
    figure is made again): what the sweep cost on this host. Never read by a figure;
    host time depends on the host and its load (docs/experiments.md "Host time per
    figure")."""
    path = os.path.join(out_dir(a), "host-time.csv")
    rows = read_csv(path) if os.path.exists(path) else []
    key = (name, variant(a), "full" if a.full else "quick")
    rows = [r for r in rows if (r["script"], r["variant"], r["scale"]) != key]
    # A resumed sweep's wall time and load are this invocation's, not the figure's:
    # left empty (its CPU time counts every point, the earlier ones too).
    rows.append(dict(zip(HOST_TIME_HEAD, [*key, runs, a.jobs,
                                          "" if a.resume else f"{wall:.1f}", f"{cpu:.1f}",
                                          os.cpu_count() or 1,
                                          "" if a.resume else f"{load0:.2f}"])))
    rows.sort(key=lambda r: (r["scale"] != "quick", r["script"], r["variant"]))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        w = csv.DictWriter(f, HOST_TIME_HEAD, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)


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
    """--out-dir, or docs/figures (docs/figures/full with --full: the paper-scale
    figures sit beside the quick ones), or with --smoke a temporary directory."""
    if not a.out_dir and a.full and not a.smoke:
        a.out_dir = os.path.join(FIGDIR, "full")
    d = a.out_dir or (tempfile.mkdtemp(prefix="fig-smoke-") if a.smoke else FIGDIR)
    os.makedirs(d, exist_ok=True)
    return d


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def copy_csv(work, dest):
    """results.csv to dest (figN.csv), and with replications replications.csv beside
    it (figN-runs.csv: every run, its digests)."""
    shutil.copyfile(os.path.join(work, "results.csv"), dest)
    reps = os.path.join(work, "replications.csv")
    runs = dest[:-4] + "-runs.csv"
    if os.path.exists(reps):
        shutil.copyfile(reps, runs)


def fnum(v):
    return float(v) if v not in ("", None) else None


def table(headers, rows):
    """Prints a Markdown table (pasteable into docs/experiments.md)."""
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---:" for _ in headers) + "|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


def val(r, name):
    """A metric of a results.csv row: its mean over the replications when the sweep
    ran with --seeds (NAME_mean), else the single run's value; None when empty."""
    v = r.get(name + "_mean", r.get(name))
    return fnum(v)


def ci(r, name):
    """The 95% confidence interval's half-width of a replicated metric (NAME_ci95),
    or None (one run, or one replication)."""
    return fnum(r.get(name + "_ci95"))


def pm(r, name, spec=".0f", scale=1.0):
    """A table cell: 'mean ± ci95' of a replicated metric, or the value alone; '-'
    when empty."""
    v = val(r, name)
    if v is None:
        return "-"
    c = ci(r, name)
    s = format(v * scale, spec)
    return s + (" ± " + format(c * scale, spec) if c is not None and r.get("n", "1") != "1"
                else "")


def mean(r, name, spec=".0f", scale=1.0):
    """A table cell: a metric's mean (or single value) alone; '-' when empty."""
    v = val(r, name)
    return "-" if v is None else format(v * scale, spec)


def seeds(a, spec, default=5):
    """spec with the replications asked for (--seeds, default 5, --smoke 2): "seeds"
    and seed={seed} for the load generators (the command's SEED placeholder)."""
    n = a.seeds if a.seeds is not None else (2 if a.smoke else default)
    if n < 1:
        sys.exit("figure: --seeds must be at least 1")
    sub = "1" if n == 1 else "{seed}"
    spec["command"] = spec["command"].replace("SEED", sub)
    spec["vars"] = {k: v.replace("SEED", sub) for k, v in spec.get("vars", {}).items()}
    if n > 1:
        spec["seeds"] = n
    return spec


def warmup(a, default):
    """--warmup, or the script's default (10ms with --smoke's short runs)."""
    return a.warmup or ("10ms" if a.smoke else default)


# The web figures' metrics (docs/experiments.md "Metrics of the web figures"): the
# spec's vars need duration (load time), delay (ms before the load starts) and warmup.
# The command needs --stats-every (window() reads the time series).
STATS_EVERY = "10ms"
WINDOW = "delay / 1e3 + sec(warmup), delay / 1e3 + sec(duration)"
WEB_METRICS = {
    "replies_per_s": f"window('http.latency_ns', {WINDOW})",
    "replies_per_s_all": "result('http.replies') / sec(duration)",
    "offered": "result('http.requests') + result('http.overload')",
    "completed_frac": "result('http.replies') / (result('http.requests') + "
                      "result('http.overload'))",
    "timeouts": "result('http.timeouts')",
    "errors": "result('http.errors')",
    "lat_mean_ms": "result('http.latency_ns', 'mean') / 1e6",
    "lat_p99_ms": "result('http.latency_ns', 'p99') / 1e6",
    "lat_all_mean_ms": "censored('http.latency_ns', 'mean', result('http.timeouts'), "
                       "sec(timeout) * 1e9) / 1e6",
    "lat_all_p50_ms": "censored('http.latency_ns', 'p50', result('http.timeouts'), "
                      "sec(timeout) * 1e9) / 1e6",
    "lat_all_p99_ms": "censored('http.latency_ns', 'p99', result('http.timeouts'), "
                      "sec(timeout) * 1e9) / 1e6",
}


# ---- figures (matplotlib) -----------------------------------------------------------

# Okabe-Ito colours (told apart with colour-blindness; the view uses them too).
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
MARKERS = ["o", "s", "^", "v", "D", "P"]
PAPER_CSV = os.path.join(FIGDIR, "paper", "points.csv")


def _reexec_for_matplotlib():
    """Runs the script again under Debian's /usr/bin/python3 when this interpreter has
    no matplotlib (once: DENALI_FIG_REEXEC marks the second run)."""
    import importlib.util
    if importlib.util.find_spec("matplotlib") is not None:
        return
    deb = "/usr/bin/python3"
    if (os.environ.get("DENALI_FIG_REEXEC") or not os.path.exists(deb) or
            os.path.realpath(sys.executable) == os.path.realpath(deb)):
        return
    os.environ["DENALI_FIG_REEXEC"] = "1"
    sys.stdout.flush()
    os.execv(deb, [deb, "-B", os.path.abspath(sys.argv[0])] + sys.argv[1:])


_reexec_for_matplotlib()


class NoMatplotlib(Exception):
    pass


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise NoMatplotlib()
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    matplotlib.rcParams.update({
        "svg.hashsalt": "denali-figures",  # fixed ids in the SVG
        "svg.fonttype": "path",            # glyphs as paths: no font needed to view
        "font.family": "DejaVu Sans",      # matplotlib's own font, on every host
        "font.size": 10,
        "axes.grid": True,
        "grid.color": "#dddddd",
        "axes.spines.top": False,
        "path.simplify": False,
    })
    return plt


def paper_points(figure):
    """The rows of docs/figures/paper/points.csv for figure (e.g. "fig4"): what the
    paper reports for it (docs/figures/paper/README.md says where each comes from)."""
    try:
        return [r for r in read_csv(PAPER_CSV) if r["figure"] == figure]
    except OSError:
        return []


def _split(pts):
    """(xs, ys, errs) of [(x, y)] or [(x, y, ci)]; errs None when no point has one."""
    xs = [p[0] for p in pts]
    ys = [float("nan") if p[1] is None else p[1] for p in pts]
    errs = [p[2] if len(p) > 2 and p[2] is not None else 0.0 for p in pts]
    return xs, ys, (errs if any(len(p) > 2 and p[2] for p in pts) else None)


def _draw(ax, series, k0=0, dashed=False):
    for k, (label, pts) in enumerate(series, start=k0):
        if not pts:
            continue
        xs, ys, errs = _split(pts)
        ax.errorbar(xs, ys, yerr=errs, label=label, color=COLORS[k % len(COLORS)],
                    marker=MARKERS[k % len(MARKERS)], markersize=4, linewidth=1.6,
                    linestyle="--" if dashed else "-", capsize=3, elinewidth=1)


def _refs(ax, refs, x0):
    """Reference lines and points: paper_points rows of one panel (an hline with an
    x runs from x0, the smallest x plotted, to x)."""
    for r in refs:
        kind, x, y, label = r["kind"], fnum(r["x"]), fnum(r["y"]), r["label"]
        if kind == "vline":
            ax.axvline(x, color="#555555", linestyle=":", linewidth=1.4, label=label)
        elif kind == "hline":
            lo, hi = ax.get_ylim()
            ax.set_ylim(lo, max(hi, y * 1.1))  # the line inside the axes, not on its edge
            if x is None:
                ax.axhline(y, color="#555555", linestyle=":", linewidth=1.4, label=label)
            else:  # up to x
                ax.hlines(y, min(x0, x), x, color="#555555", linestyles=":", linewidth=1.4,
                          label=label)
        elif kind == "point":
            ax.plot([x], [y], linestyle="none", marker="*", markersize=11,
                    markerfacecolor="white", markeredgecolor="black", label=label)


def _ours_first(handles, labels):
    """Legend entries with the paper's after ours."""
    k = sorted(range(len(labels)), key=lambda i: (labels[i].startswith("paper"), i))
    return [handles[i] for i in k], [labels[i] for i in k]


def chart(path, title, xlabel, ylabel, series, logx=False, ymax=None, y2=None,
          note=None, paper=None, ratio=None, xmax=None):
    """Draws a figure to PATH.svg and PATH.png (path with or without the extension):
    series [(label, [(x, y) or (x, y, ci95)])] as lines with error bars (a None y is a
    gap); y2 (label, series) dashed against a right-hand axis; ratio an optional
    panel below, {"ylabel": ..., "series": [...]} (e.g. batched/sync); paper the
    figure's name in docs/figures/paper/points.csv, whose rows are drawn on their
    panel ("main", "y2", "ratio"): reference lines and starred points; note a
    second line of the title (the setting). The same
    inputs give the same bytes (fixed SVG ids, no dates or versions in metadata).
    Returns the paths written; prints why and writes nothing without matplotlib."""
    base = path[:-4] if path.endswith((".svg", ".png")) else path
    try:
        plt = _pyplot()
    except NoMatplotlib:
        sys.stderr.write(f"figure: no plot {base}.svg/.png: matplotlib is missing "
                         "(scripts/setup installs python3-matplotlib)\n")
        return []
    refs = paper_points(paper) if paper else []
    rows = 2 if ratio else 1
    fig, axes = plt.subplots(rows, 1, figsize=(8.0, 4.6 if rows == 1 else 6.4),
                             sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1.4] if ratio else [1]})
    ax = axes[0][0]
    _draw(ax, series)
    if logx:
        ax.set_xscale("log")
    if xmax:
        ax.set_xlim(right=xmax)
    ax.set_ylim(bottom=0, top=ymax)
    ax.set_ylabel(ylabel)
    ax.set_title(title + (f"\n{note}" if note else ""), fontsize=11 if not note else 10)
    x0 = min([p[0] for _, pts in series for p in pts] or [0])
    _refs(ax, [r for r in refs if r["panel"] == "main"], x0)
    handles, labels = ax.get_legend_handles_labels()
    if y2:
        ax2 = ax.twinx()
        ax2.grid(False)
        _draw(ax2, y2[1], k0=len(series), dashed=True)
        ax2.set_ylim(bottom=0)
        ax2.set_ylabel(y2[0] + " (dashed)")
        _refs(ax2, [r for r in refs if r["panel"] == "y2"], x0)
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(*_ours_first(handles, labels), fontsize=8, loc="best", framealpha=0.9)
    last = ax
    if ratio:
        rx = axes[1][0]
        _draw(rx, ratio["series"], k0=len(series) + (len(y2[1]) if y2 else 0))
        rx.axhline(1.0, color="black", linewidth=0.8)
        rx.set_ylabel(ratio["ylabel"])
        _refs(rx, [r for r in refs if r["panel"] == "ratio"], x0)
        rx.legend(*_ours_first(*rx.get_legend_handles_labels()), fontsize=8, loc="best",
                  framealpha=0.9)
        last = rx
    last.set_xlabel(xlabel)
    if logx:
        from matplotlib.ticker import ScalarFormatter
        last.xaxis.set_major_formatter(ScalarFormatter())
    fig.tight_layout()
    out = []
    for ext, meta in (("svg", {"Date": None, "Creator": None}), ("png", {"Software": None})):
        p = f"{base}.{ext}"
        tmp = p + ".tmp"
        fig.savefig(tmp, format=ext, dpi=110, metadata=meta)
        os.replace(tmp, p)
        out.append(p)
    plt.close(fig)
    return out
