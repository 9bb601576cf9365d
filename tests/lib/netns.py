# SPDX-License-Identifier: MIT
# Live-mode tests (tests/integration/tap_test.py, live_http_test.py) run themselves
# again inside a private network namespace (unshare -n), where they may create a TAP
# device and addresses without touching the host's network. They skip (exit 77, with a
# line that says why) where that is impossible: no unshare/ip or other tools, no
# /dev/net/tun, or no permission to create a TAP even in a namespace.
import os
import shutil
import subprocess
import sys

from hangguard import hang  # tests/lib/hangguard.py: scaled hang guards

SKIP = 77


def skip(test, why):
    print(f"SKIP {test}: {why}")
    sys.exit(SKIP)


def reexec_inside(test, script, args, tools=(), timeout=hang(240)):
    """Checks that a TAP can be made in a private namespace, then runs
    `python3 script --inside ARGS...` there and exits with its status."""
    for tool in ("unshare", "ip") + tuple(tools):
        if not shutil.which(tool):
            skip(test, f"{tool} is not installed (scripts/setup installs it)")
    if not os.path.exists("/dev/net/tun"):
        skip(test, "/dev/net/tun does not exist")
    flags = ["-n"] if os.geteuid() == 0 else ["-r", "-n"]
    probe = subprocess.run(["unshare", *flags, "ip", "tuntap", "add", "tap0", "mode", "tap"],
                           capture_output=True, timeout=hang(30))
    if probe.returncode != 0:
        skip(test, "cannot create a TAP device in a private network namespace: "
             + probe.stderr.decode(errors="replace").strip())
    p = subprocess.run(["unshare", *flags, sys.executable, os.path.abspath(script),
                        "--inside", *args], timeout=timeout)
    sys.exit(p.returncode)
