#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The guest SDK end to end (docs/guest-sdk.md): builds tests/sdk/outside.c, a hosted C
# program that uses only standard headers, three ways and checks they print the same:
#   1. with the build-tree wrapper BUILD/guests/sdk/denali-cc, run under `denali run`;
#   2. with the wrapper from `meson install --tags sdk --destdir TMP` (compile with -c,
#      then link: both modes), run under `denali run` and under nativerun with argv;
#   3. with the host gcc -pthread as a Linux program (the outside oracle).
# Then the failure modes: a host-only header (<signal.h>) is not found (no glibc
# headers leak in), and an SDK with a file missing says which one and exits 2.
# `denali-cc --bare` (docs/baremetal.md), both wrappers: guests/baremetal/hello.c runs
# in 64 KiB; -nostartfiles with the test's own _start; no libos header is visible.
#   sdk_test.py --build BUILD --meson MESON --denali DENALI --nativerun NR --host-cc CC
#               --bare-src HELLO.c SRC
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

WANT = ["outside: 4 workers x 500 numbers, total 16489400297",
        "outside: slept at least 2 ms: yes",
        "outside: done"]
WANT_ARGS = ["outside: 4 workers x 300 numbers, total 9892352834"] + WANT[1:]

failures = []


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", **kw)


def must(cmd, what):
    r = run(cmd)
    if r.returncode != 0:
        print("%s failed (%d): %s\n%s%s" % (what, r.returncode, " ".join(cmd), r.stdout,
                                           r.stderr))
        sys.exit(1)
    return r


def lines(out):
    # The simulator prefixes console lines with "[vm N] " and adds its summary.
    got = []
    for line in out.splitlines():
        if line.startswith("[vm "):
            line = line.split("] ", 1)[1]
        if line.startswith("outside:"):
            got.append(line)
    return got


def expect(what, out, want):
    got = lines(out)
    if got != want:
        failures.append("%s printed %r, want %r" % (what, got, want))
    else:
        print("ok: %s" % what)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", required=True)
    p.add_argument("--meson", required=True)
    p.add_argument("--denali", required=True)
    p.add_argument("--nativerun", required=True)
    p.add_argument("--host-cc", required=True)
    p.add_argument("--bare-src", required=True)
    p.add_argument("src")
    a = p.parse_args()
    if not a.meson:  # tests/sdk/meson.build: find_program('meson') found none
        print("SKIP the SDK test: meson was not found for `meson install --tags sdk`")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="denali-sdk-")
    try:
        # 1. The build-tree wrapper, warnings as errors: the SDK headers are clean.
        tree_cc = os.path.join(a.build, "guests", "sdk", "denali-cc")
        elf1 = os.path.join(tmp, "tree.elf")
        must([tree_cc, "-O2", "-Wall", "-Wextra", "-Werror", a.src, "-o", elf1], "tree denali-cc")
        expect("build-tree denali-cc under denali run", must([a.denali, "run", "--image", elf1],
               "denali run").stdout, WANT)

        # 2. The installed SDK, from a DESTDIR (the wrapper must find it relative to itself).
        dest = os.path.join(tmp, "dest")
        must([a.meson, "install", "-C", a.build, "--no-rebuild", "--tags", "sdk", "--destdir",
              dest, "--quiet"], "meson install --tags sdk")
        found = [os.path.join(d, "denali-cc") for d, _, fs in os.walk(dest) if "denali-cc" in fs]
        if len(found) != 1:
            print("installed denali-cc not found once under %s: %r" % (dest, found))
            sys.exit(1)
        inst_cc = found[0]
        obj = os.path.join(tmp, "outside.o")
        elf2 = os.path.join(tmp, "installed.elf")
        must([inst_cc, "-Os", "-c", a.src, "-o", obj], "installed denali-cc -c")
        must([inst_cc, obj, "-o", elf2], "installed denali-cc link")
        expect("installed denali-cc under denali run",
               must([a.denali, "run", "--image", elf2], "denali run").stdout, WANT)
        expect("installed denali-cc under nativerun with argv",
               must([a.nativerun, "--args", "300", elf2], "nativerun").stdout, WANT_ARGS)

        # 3. The same source as a Linux program.
        native = os.path.join(tmp, "outside-native")
        must([a.host_cc, "-O2", "-pthread", a.src, "-o", native], "host gcc")
        expect("host gcc build", must([native], "native run").stdout, WANT)
        expect("host gcc build with argv", must([native, "300"], "native run").stdout, WANT_ARGS)

        # A header the libos does not have is an error, not glibc's copy.
        bad = os.path.join(tmp, "bad.c")
        with open(bad, "w") as f:
            f.write("#include <signal.h>\nint main(void) { return SIGINT; }\n")
        r = run([inst_cc, "-c", bad, "-o", os.path.join(tmp, "bad.o")])
        if r.returncode == 0 or "signal.h" not in r.stderr:
            failures.append("<signal.h> did not fail cleanly: %d %r" % (r.returncode, r.stderr))
        else:
            print("ok: host-only header refused")

        # --bare, from both wrappers: no libos, loads at 0x2000, fits in 64 KiB.
        for label, cc in (("build-tree", tree_cc), ("installed", inst_cc)):
            elf = os.path.join(tmp, label + "-bare.elf")
            must([cc, "--bare", "-O2", "-Wall", "-Wextra", "-Werror", a.bare_src, "-o", elf],
                 label + " denali-cc --bare")
            out = must([a.denali, "run", "--image", elf, "--mem", "64K"], "denali run").stdout
            if "bare: hello from VM 0, mem_size 65536" not in out:
                failures.append("%s --bare image printed %r" % (label, out))
            else:
                print("ok: %s denali-cc --bare, run in 64 KiB" % label)
        own = os.path.join(tmp, "own.c")
        with open(own, "w") as f:
            f.write("__attribute__((section(\".text.start\"))) void _start(void)\n"
                    "{ __asm__ volatile(\".byte 0x0f, 0x0c, 0x01\" : : \"a\"(9)); }\n")
        elf = os.path.join(tmp, "own.elf")
        must([inst_cc, "--bare", "-nostartfiles", "-O2", own, "-o", elf], "--bare -nostartfiles")
        r = run([a.denali, "run", "--image", elf, "--mem", "64K"])
        if "exit code 9" not in r.stdout:
            failures.append("--bare -nostartfiles image: %r" % r.stdout)
        else:
            print("ok: --bare -nostartfiles links the program's own _start")
        with open(os.path.join(tmp, "stdio.c"), "w") as f:
            f.write("#include <stdio.h>\nint main(void) { return 0; }\n")
        r = run([inst_cc, "--bare", "-c", os.path.join(tmp, "stdio.c"), "-o",
                 os.path.join(tmp, "stdio.o")])
        if r.returncode == 0 or "stdio.h" not in r.stderr:
            failures.append("--bare found <stdio.h>: %d %r" % (r.returncode, r.stderr))
        else:
            print("ok: --bare sees no libos header")

        # A broken SDK names the missing file.
        libos = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f == "libos.a"]
        os.remove(libos[0])
        r = run([inst_cc, obj, "-o", os.path.join(tmp, "x.elf")])
        if r.returncode != 2 or "libos.a" not in r.stderr:
            failures.append("missing libos.a: exit %d, %r" % (r.returncode, r.stderr))
        else:
            print("ok: missing SDK file reported")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
