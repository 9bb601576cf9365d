#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# guests/labs/grading.py's replay commands, with a stand-in for denali (a shell script
# that reports whether its disk file already existed, then writes it, as a read-write
# disk given as PATH:SIZE is created and written by a real run):
# - a test's `fresh` files are removed before each graded run, and the FAIL line's
#   replay command removes them first: replayed twice, it sees an empty disk both
#   times, as the graded run did (2026-12-07, labs: lab 5's replay commands ran on the
#   disk the graded run had left behind, so they did not replay it exactly);
# - the replay command names the image, the flags, --max-time and the chaos seed.
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "guests", "labs"))
sys.dont_write_bytecode = True
import grading  # noqa: E402

FAKE = """#!/bin/sh
# a stand-in for denali run: --disk PATH:SIZE
for a in "$@"; do case "$a" in *.img:*) disk=${a%%:*};; esac; done
if [ -e "$disk" ]; then echo "[vm 0] disk was there"; else echo "[vm 0] disk was new"; fi
echo written >> "$disk"
echo "vm 0: terminated, exit code 1, 10 instructions"
"""

failures = []


def expect(ok, what, detail=""):
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok else ": " + detail))
    if not ok:
        failures.append(what)


def main():
    with tempfile.TemporaryDirectory(prefix="denali-grading-") as tmp:
        denali = os.path.join(tmp, "denali")
        with open(denali, "w") as f:
            f.write(FAKE)
        os.chmod(denali, 0o755)
        tree = os.path.join(tmp, "tree")
        os.makedirs(os.path.join(tree, "build", "lab5"))
        open(os.path.join(tree, "build", "lab5", "rw.elf"), "w").close()

        def disk(work):
            return ["--disk", os.path.join(work, "d0.img") + ":4K"]

        for fresh in ([], ["d0.img"]):
            t = grading.Test("write-read", 10, "rw", ["--vms", "1"],
                             [grading.exit_code(0)], chaos=(None, 3), setup=disk,
                             fresh=fresh)
            runs = []
            work = os.path.join(tmp, "grade%d" % len(fresh))
            for _ in range(2):
                why, cmd = grading.run_test(t, "lab5", tree, denali, work, runs=runs)
            firsts = [r.console()[0] for r in runs]
            replays = [subprocess.run(["sh", "-c", cmd], capture_output=True, text=True)
                       .stdout.splitlines()[0] for _ in range(2)]
            if not fresh:
                # Without `fresh`, the second graded run and the replays see the disk an
                # earlier run wrote: the behaviour the fix is for (the check can fail).
                expect(replays == ["[vm 0] disk was there"] * 2,
                       "without fresh, a replay sees the graded run's disk", str(replays))
                continue
            expect(firsts == ["disk was new"] * 2,
                   "each graded run starts from no disk file", str(firsts))
            expect(why == "vm 0 exit code 1, want 0", "the reason names the exit code",
                   str(why))
            expect(replays == ["[vm 0] disk was new"] * 2,
                   "the replay command starts from no disk file, every time",
                   "%s (%s)" % (replays, cmd))
            words = shlex.split(cmd)
            expect(words[:2] == ["rm", "-f"] and words[3] == "&&" and
                   words[4:8] == [denali, "run", "--image",
                                  os.path.join(tree, "build", "lab5", "rw.elf")] and
                   "--vms" in words and "--max-time" in words and "--chaos" not in words,
                   "the replay command removes the disk, then names the image and flags",
                   cmd)
            t.chaos = [3]
            why, cmd = grading.run_test(t, "lab5", tree, denali, work)
            expect(why.endswith("(with --chaos 3)") and shlex.split(cmd)[-2:] == [
                "--chaos", "3"], "a chaos run's reason and replay command name its seed",
                "%s; %s" % (why, cmd))
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
