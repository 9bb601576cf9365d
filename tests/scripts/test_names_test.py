#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# No test vanishes: every name in tests/scripts/test-names.txt is defined in this build
# tree (meson-info/intro-tests.json, written when meson configures). A test whose
# outside tool (make, gdb, tshark, Xvfb, mpirun, SDL2...) is missing must still be
# defined and exit 77 saying why; a test that only exists when the tool is found would
# drop out of the count silently (the labs tests did, without make, until 2026-12-07).
#   test_names_test.py BUILD LIST          check BUILD against LIST
#   test_names_test.py --update LIST RELEASE_BUILD SANITIZER_BUILD
#                                          rewrite LIST from two configured trees
# LIST lines: NAME, then `release` or `sanitized` when only that kind of tree defines
# it (the sanitizer tree leaves out the slow host-CPU comparisons, some labs and the
# docs checks). The clang-built guests' tests (names with "-clang-") may be absent only
# where the stand-in test guests-clang-variants says clang is missing (guests/meson.build).
# New tests are fine (they are listed by --update when you want them guarded); a
# removed or renamed one fails here until LIST is updated on purpose.
import json
import os
import sys

KINDS = ("all", "release", "sanitized")


def defined(build):
    """(test names, 'release' or 'sanitized') of a configured build tree."""
    info = os.path.join(build, "meson-info")
    with open(os.path.join(info, "intro-tests.json")) as f:
        names = {t["name"] for t in json.load(f)}
    with open(os.path.join(info, "intro-buildoptions.json")) as f:
        opts = {o["name"]: o["value"] for o in json.load(f)}
    return names, "release" if opts.get("b_sanitize", "none") == "none" else "sanitized"


def read_list(path):
    want = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            kind = line[1] if len(line) > 1 else "all"
            if len(line) > 2 or kind not in KINDS:
                print(f"{path}:{n}: expected NAME [release|sanitized]")
                sys.exit(2)
            want[line[0]] = kind
    return want


def update(path, release, sanitized):
    r, kr = defined(release)
    s, ks = defined(sanitized)
    if (kr, ks) != ("release", "sanitized"):
        print(f"--update: {release} must be a release tree and {sanitized} a sanitizer tree")
        return 2
    head = []
    with open(path) as f:
        for line in f:
            if not line.startswith("#"):
                break
            head.append(line)
    with open(path, "w") as f:
        f.writelines(head)
        for name in sorted(r | s):
            kind = "" if name in r and name in s else " release" if name in r else " sanitized"
            f.write(name + kind + "\n")
    print(f"{path}: {len(r | s)} tests ({len(r)} in {release}, {len(s)} in {sanitized})")
    return 0


def check(build, path):
    have, kind = defined(build)
    want = read_list(path)
    no_clang = "guests-clang-variants" in have
    absent = [n for n, k in sorted(want.items()) if k in ("all", kind) and n not in have]
    excused = [n for n in absent if no_clang and "-clang-" in n]
    missing = [n for n in absent if n not in excused]
    for n in missing:
        print(f"FAIL {n}: listed in {os.path.basename(path)} but not defined in {build} "
              f"({kind} tree)")
    expected = sum(1 for k in want.values() if k in ("all", kind))
    new = sorted(have - set(want))
    print(f"{len(have)} tests defined; {expected - len(absent)} of the {expected} listed "
          f"for a {kind} tree present" +
          (f", {len(excused)} clang-built ones skipped as guests-clang-variants (no clang)"
           if excused else "") + (f"; {len(new)} not listed yet" if new else ""))
    if missing:
        print(f"{len(missing)} listed tests are not defined: a test whose tool is missing "
              "must still be defined and exit 77 with the reason; if one was removed or "
              "renamed on purpose, run: tests/scripts/test_names_test.py --update "
              "tests/scripts/test-names.txt build build-asan")
        return 1
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "--update":
        return update(a[1], a[2], a[3])
    if len(a) == 2:
        return check(a[0], a[1])
    print("usage: test_names_test.py BUILD LIST | --update LIST RELEASE_BUILD SANITIZER_BUILD")
    return 2


if __name__ == "__main__":
    sys.exit(main())
