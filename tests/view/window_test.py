#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Runs tests/view/test_window.c under Xvfb (xvfb-run, Debian xvfb) with the "states"
# guest (viewimg.py). SKIP (exit 77) when xvfb-run is missing.
# usage: window_test.py TEST_WINDOW
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import skips  # noqa: E402
import viewimg  # noqa: E402
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)


def main():
    if not skips.need("xvfb-run", "the view's window under Xvfb"):
        return skips.exit_status([])
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, "states.elf")
        open(img, "wb").write(viewimg.states())
        env = dict(os.environ)
        env.pop("SDL_VIDEODRIVER", None)
        p = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", sys.argv[1], img],
                           capture_output=True, text=True, timeout=hang(240), env=env)
        print(p.stdout, end="")
        print(p.stderr, end="", file=sys.stderr)
        return p.returncode


sys.exit(main())
