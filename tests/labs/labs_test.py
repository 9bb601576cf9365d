#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The OS labs (docs/labs/README.md), end to end through scripts/labs-export and
# scripts/grade, with this build's denali:
#   labs_test.py --build BUILD lab N   the reference tree (labs-export --solutions)
#       scores full marks on lab N; the skeleton of lab N on top of the reference's
#       earlier labs (lab N's files from the student tree) scores at most a tenth;
#   labs_test.py --build BUILD racy    guests/labs/racy/sync.c (a test-and-set lock with
#       a window between its load and store) scores full marks on lab 4 without
#       --chaos and loses the mutex and bounded-buffer tests with the chaos seeds; the
#       graded report is the same twice (determinism);
#   labs_test.py --build BUILD export  the student tree contains no solution code: no
#       marker, no line of any solution block (beyond trivial ones); both trees have
#       the same files; bad markers and a non-empty target are refused (exit 2) with
#       nothing written.
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXPORT = os.path.join(REPO, "scripts", "labs-export")
GRADE = os.path.join(REPO, "scripts", "grade")
LABS = os.path.join(REPO, "guests", "labs")
# Each lab's own kernel files (guests/labs/Makefile's LABn_KERN minus earlier labs').
OWN = {1: ["kern/start.S", "kern/console.c", "kern/printf.c", "kern/trapentry.S",
           "kern/trap.c"],
       2: ["kern/thread.c", "kern/switch.S"], 3: ["kern/thread.c"], 4: ["kern/sync.c"],
       5: ["kern/disk.c"], 6: ["kern/net.c"]}

failures = []


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", **kw)


def export(dest, build, solutions):
    r = run([sys.executable, EXPORT, "--build", build] + (["--solutions"] if solutions
                                                          else []) + [dest])
    if r.returncode:
        print("labs-export failed: %s" % r.stderr)
        sys.exit(1)


def grade(lab, tree, build, *extra):
    r = run([sys.executable, GRADE, "lab%d" % lab, tree, "--build", build] + list(extra))
    m = re.search(r"^Score: (\d+)/(\d+)$", r.stdout, re.M)
    if r.returncode not in (0, 1) or not m:
        print("grade lab%d %s failed (%d):\n%s%s" % (lab, tree, r.returncode, r.stdout,
                                                    r.stderr))
        sys.exit(1)
    return int(m.group(1)), int(m.group(2)), r.stdout


def expect(ok, what, detail=""):
    if ok:
        print("ok: " + what)
    else:
        failures.append(what + (": " + detail if detail else ""))


def test_lab(n, build, tmp):
    ref, stu = os.path.join(tmp, "ref"), os.path.join(tmp, "student")
    export(ref, build, True)
    export(stu, build, False)
    got, total, out = grade(n, ref, build)
    expect(got == total, "the reference scores %d/%d on lab %d" % (got, total, n), out)
    # The skeleton of lab n over the reference's earlier labs.
    part = os.path.join(tmp, "partial")
    shutil.copytree(ref, part, ignore=shutil.ignore_patterns("build"))
    for f in OWN[n]:
        shutil.copyfile(os.path.join(stu, f), os.path.join(part, f))
    got, total, out = grade(n, part, build, "--no-chaos")
    expect(got * 10 <= total, "the lab %d skeleton on the reference's earlier labs scores "
           "%d/%d (at most a tenth)" % (n, got, total), out)


def test_racy(build, tmp):
    tree = os.path.join(tmp, "racy")
    export(tree, build, True)
    shutil.copyfile(os.path.join(LABS, "racy", "sync.c"), os.path.join(tree, "kern",
                                                                      "sync.c"))
    got, total, out = grade(4, tree, build, "--no-chaos")
    expect(got == total, "the racy lock scores %d/%d on lab 4 without --chaos" % (got, total),
           out)
    got, total, out1 = grade(4, tree, build, "--only", "mutex")
    expect(got == 0 and "(with --chaos " in out1 and "--chaos " in out1.split("replay:")[-1],
           "under the chaos seeds the racy lock fails the mutex test, with the seed in the "
           "replay command", out1)
    replay = out1.split("replay: ", 1)[-1].splitlines()[0].split()
    r = run(replay)
    expect("overlaps" in r.stdout and " 0 overlaps" not in r.stdout,
           "the replay command reproduces the overlap", r.stdout)
    got2, _, out2 = grade(4, tree, build, "--only", "mutex")
    expect(out1 == out2, "the same tree gets the same report twice", out1 + "\n" + out2)
    # The bounded buffer catches it too (issue 13: a racy solution passes the
    # bounded-buffer test without chaos and fails it with chaos).
    got, total, out3 = grade(4, tree, build, "--only", "bounded-buffer")
    expect(got == 0 and "--chaos " in out3.split("replay:")[-1],
           "under the chaos seeds the racy lock fails the bounded-buffer test", out3)


def solution_lines(path):
    """The non-trivial lines of the solution blocks of a source file."""
    out, inside = [], False
    for line in open(path):
        t = line.strip()
        if t == "//@ SOLUTION":
            inside = True
        elif t in ("//@ SKELETON", "//@ END"):
            inside = False
        elif inside and len(t) > 12 and not t.startswith("//") and t not in ("return 0;",):
            out.append(t)
    return out


def test_export(build, tmp):
    stu, ref = os.path.join(tmp, "student"), os.path.join(tmp, "ref")
    export(stu, build, False)
    export(ref, build, True)
    sfiles = sorted(os.path.relpath(os.path.join(d, f), stu)
                    for d, _, fs in os.walk(stu) for f in fs)
    rfiles = sorted(os.path.relpath(os.path.join(d, f), ref)
                    for d, _, fs in os.walk(ref) for f in fs)
    expect(sfiles == rfiles, "both trees have the same %d files" % len(sfiles))
    expect(not any(f.startswith("racy") for f in sfiles), "no racy solution exported")
    student_text = {f: open(os.path.join(stu, f), errors="replace").read() for f in sfiles}
    expect(not any("//@" in t for t in student_text.values()), "no marker in the student tree")
    leaked, checked = [], 0
    for d, _, fs in os.walk(LABS):
        for f in fs:
            path = os.path.join(d, f)
            if "racy" in path or not f.endswith((".c", ".S", ".h")):
                continue
            rel = os.path.relpath(path, LABS)
            for line in solution_lines(path):
                checked += 1
                # A line the file also has outside its solutions (a brace, a shared
                # call) is not solution code.
                shared = open(path).read().count(line) > 1
                if not shared and line in student_text.get(rel, ""):
                    leaked.append("%s: %s" % (rel, line))
    expect(checked > 300 and not leaked, "none of %d solution lines is in the student tree"
           % checked, "; ".join(leaked[:5]))
    expect(open(os.path.join(ref, "kern", "thread.c")).read() != student_text["kern/thread.c"],
           "the reference tree has the solutions")
    # Refusals: a non-empty target, and a bad marker (on a copy of the labs).
    r = run([sys.executable, EXPORT, stu])
    expect(r.returncode == 2 and "not an empty directory" in r.stderr,
           "a non-empty target is refused", r.stderr)
    fake = os.path.join(tmp, "fake")
    shutil.copytree(REPO + "/scripts", fake + "/scripts")
    shutil.copytree(LABS, fake + "/guests/labs", ignore=shutil.ignore_patterns("build"))
    with open(fake + "/guests/labs/kern/console.c", "a") as f:
        f.write("//@ SOLUTION\nint leaked;\n")
    out = os.path.join(tmp, "bad")
    r = run([sys.executable, fake + "/scripts/labs-export", out])
    expect(r.returncode == 2 and "kern/console.c" in r.stderr and not os.path.exists(out),
           "an unclosed marker is refused, naming the file, writing nothing", r.stderr)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", required=True)
    p.add_argument("what", choices=["lab", "racy", "export"])
    p.add_argument("n", nargs="?", type=int)
    a = p.parse_args()
    build = os.path.abspath(a.build)
    # Grading builds each tree with make (scripts/grade): without it only the export
    # check can run; the others say why and exit 77 (meson: SKIP), never pass.
    if a.what != "export" and not shutil.which("make"):
        print("SKIP labs %s: make is not installed (scripts/grade builds the lab trees "
              "with it; scripts/setup installs it)" % (a.what if a.n is None else
                                                       "lab %d" % a.n))
        return 77
    tmp = tempfile.mkdtemp(prefix="denali-labs-")
    try:
        if a.what == "lab":
            test_lab(a.n, build, tmp)
        elif a.what == "racy":
            test_racy(build, tmp)
        else:
            test_export(build, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
