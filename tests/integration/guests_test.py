#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Runs the real guest images (guests/, built by meson) through `denali run`.
#   guests_test.py DENALI COMPUTE_EXPECTED [--many N] NAME ELF [NAME ELF]...
# hello*: N VMs each print "hello from VM <id>", exit 0, same digest twice.
# compute*: one VM prints every line of the expected file in order and exits 0.
# --many N: also runs the first hello image with N VMs twice and compares digests.
# Exit 77 (meson: skipped) when no image was given.
import os
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

failures = []
# A guest that never ends must not hang the test: 2 s of simulated time is ~200 times
# what compute needs.
LIMIT = ["--max-time", "2s"]


def run(*args):
    p = subprocess.run(list(args), capture_output=True, timeout=hang(1200))
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + detail))
    if not cond:
        failures.append(name)


def digest(out):
    lines = [l for l in out.splitlines() if "digest" in l]
    return lines[-1].split()[-1] if lines else None


def main():
    denali, expected_file = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    many = 0
    if rest[:1] == ["--many"]:
        many, rest = int(rest[1]), rest[2:]
    pairs = list(zip(rest[0::2], rest[1::2]))
    if not pairs:
        print("no guest images built; skipping")
        return 77
    expected = [l.strip() for l in open(expected_file) if l.strip()]
    first_hello = None
    for name, elf in pairs:
        if name.startswith("hello"):
            first_hello = first_hello or elf
            rc, out, err = run(denali, "run", "--image", elf, "--vms", "3", *LIMIT)
            want = [f"[vm {i}] hello from VM {i}" for i in range(3)]
            check(f"{name}: 3 VMs say hello", rc == 0 and all(w in out for w in want),
                  f"rc={rc} out={out!r} err={err!r}")
            rc2, out2, _ = run(denali, "run", "--image", elf, "--vms", "3", *LIMIT)
            check(f"{name}: same digest twice", digest(out) and digest(out) == digest(out2),
                  f"{digest(out)} vs {digest(out2)}")
        elif name.startswith("compute"):
            rc, out, err = run(denali, "run", "--image", elf, *LIMIT)
            got = [l[len("[vm 0] "):].strip() for l in out.splitlines()
                   if l.startswith("[vm 0] ")]
            i = 0
            for line in got:
                if i < len(expected) and line == expected[i]:
                    i += 1
            check(f"{name}: expected output, exit 0", rc == 0 and i == len(expected),
                  f"rc={rc} matched {i}/{len(expected)} out={out[-600:]!r} err={err!r}")
        elif name == "fixture-exit3":
            rc, out, err = run(denali, "run", "--image", elf, "--vms", "2", *LIMIT)
            check(f"{name}: exit code 3, status 1", rc == 1 and out.count("exit code 3") == 2,
                  f"rc={rc} out={out!r}")
        elif name == "fixture-fault":
            rc, out, err = run(denali, "run", "--image", elf, "--vms", "3", *LIMIT)
            lines = [l for l in err.splitlines() if "killed at eip" in l]
            check(f"{name}: each VM killed with one diagnostic line",
                  rc == 1 and len(lines) == 3 and all(f"vm {i}:" in err for i in range(3))
                  and "page fault" in err, f"rc={rc} err={err!r}")
        else:
            rc, out, err = run(denali, "run", "--image", elf, *LIMIT)
            check(f"{name}: runs", rc in (0, 1), f"rc={rc} err={err!r}")
    if many and first_hello:
        a = run(denali, "run", "--image", first_hello, "--vms", str(many))
        b = run(denali, "run", "--image", first_hello, "--vms", str(many))
        check(f"hello x{many}: all ok", a[0] == 0 and f"terminated ok       {many}" in a[1],
              a[1] + a[2])
        check(f"hello x{many}: same digest twice", digest(a[1]) and digest(a[1]) == digest(b[1]),
              f"{digest(a[1])} vs {digest(b[1])}")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


sys.exit(main())
