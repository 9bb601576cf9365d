#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Checks the interpreter's retired-instruction count against the host CPU: runs an
# image under `nativerun --count 1` (single-stepped on real hardware) and under
# `denali run --vms 1 --results DIR`, and compares the counts and the console output.
#   compare_count.py NATIVERUN DENALI image.elf
# A REP string instruction counts once on both sides (nativerun --count does not count
# the steps that leave EIP on it), so every image is compared; until 2026-12-06 an
# image whose listing showed REP was skipped, and five of them never ran. Exit 1 on a
# mismatch.
import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 4:
        print("usage: compare_count.py NATIVERUN DENALI image.elf", file=sys.stderr)
        sys.exit(2)
    nativerun, denali, image = sys.argv[1:]
    n = subprocess.run([nativerun, "--count", "1", image], capture_output=True, text=True)
    m = re.search(r"nativerun: (\d+) instructions", n.stderr)
    if not m:
        print("compare_count: nativerun gave no count: %s" % n.stderr.strip())
        sys.exit(1)
    native = int(m.group(1))
    with tempfile.TemporaryDirectory() as res:
        d = subprocess.run([denali, "run", "--image", image, "--vms", "1", "--results", res],
                           capture_output=True, text=True)
        try:
            with open(os.path.join(res, "summary.json")) as f:
                interp = json.load(f)["guest_instructions"]
        except (OSError, ValueError, KeyError) as e:
            print("compare_count: no summary.json from denali run (%s): %s" % (e, d.stderr.strip()))
            sys.exit(1)
    print("native %d, interpreter %d instructions" % (native, interp))
    ok = native == interp
    guest_lines = [re.sub(r"^\[vm \d+\] ", "", l) for l in d.stdout.splitlines() if l.startswith("[vm ")]
    if guest_lines != n.stdout.splitlines():
        print("compare_count: console differs:\nnative: %r\ninterp: %r" % (n.stdout, guest_lines))
        ok = False
    if n.returncode != d.returncode:
        print("compare_count: exit status native %d, denali %d" % (n.returncode, d.returncode))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
