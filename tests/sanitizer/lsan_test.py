#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# LeakSanitizer is on in the sanitizer build (issue 10 section 4): ASan enables it by
# default on Linux unless ASAN_OPTIONS says detect_leaks=0 or ptrace is not allowed, so
# this runs lsan_probe (which leaks 4,242 bytes on purpose) with the environment meson
# test gives every test, and requires the leak to be reported and to fail the process.
# In a build without ASan it exits 77 (skip) and says so.
#   lsan_test.py PROBE SANITIZE   (SANITIZE: the b_sanitize option, e.g. address,undefined)
import os
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

probe, sanitize = sys.argv[1], sys.argv[2]
if "address" not in sanitize.split(","):
    print(f"skip: this build has no AddressSanitizer (b_sanitize={sanitize})")
    sys.exit(77)
opts = os.environ.get("ASAN_OPTIONS", "")
if "detect_leaks=0" in opts.replace(" ", ""):
    print(f"FAIL: ASAN_OPTIONS turns leak detection off: {opts}")
    sys.exit(1)
p = subprocess.run([probe], capture_output=True, text=True, timeout=hang(60))
if p.returncode == 0:
    print("FAIL: a leaking program exited 0: LeakSanitizer is not running\n" + p.stderr)
    sys.exit(1)
if "LeakSanitizer: detected memory leaks" not in p.stderr or "4242 byte" not in p.stderr:
    print(f"FAIL: exit {p.returncode} without a leak report for the 4,242 bytes:\n" + p.stderr)
    sys.exit(1)
print(f"ok: LeakSanitizer reported the leak and the process failed (exit {p.returncode})")
