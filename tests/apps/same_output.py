#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Runs two commands and checks they print the same, non-empty standard output.
# usage: same_output.py CMD1... -- CMD2...
import os
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

i = sys.argv.index("--")
a = subprocess.run(sys.argv[1:i], capture_output=True, text=True, timeout=hang(300))
b = subprocess.run(sys.argv[i + 1:], capture_output=True, text=True, timeout=hang(300))
if a.returncode or b.returncode or not a.stdout or a.stdout != b.stdout:
    print(f"differ: exit {a.returncode} / {b.returncode}")
    for x, y in zip(a.stdout.splitlines(), b.stdout.splitlines()):
        print(("   " if x == y else "!= ") + x + "  |  " + y)
    sys.exit(1)
print(a.stdout, end="")
print("same output")
