#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Checks the interpreter's retired-instruction count against the host CPU: runs an
# image under `nativerun --count 1` (single-stepped on real hardware) and under
# `denali run --vms 1 --results DIR`, and compares the counts and the console output.
#   compare_count.py [--count-jobs J [--cut-at SYMBOL[,SYMBOL...]]] NATIVERUN DENALI image.elf
# --count-jobs J has nativerun single-step the run in J processes at once (each counts
# its share of the run's segments; nativerun.c), for the long ones: the same count.
# --cut-at SYMBOL,... (functions of the image) also ends a segment at each call of one,
# for an image with few console writes (nativerun --cut-at, at the symbols' addresses).
# A REP string instruction counts once on both sides (nativerun --count does not count
# the steps that leave EIP on it), so every image is compared; until 2026-12-06 an
# image whose listing showed REP was skipped, and five of them never ran. Exit 1 on a
# mismatch.
import json
import os
import re
import struct
import subprocess
import sys
import tempfile


def symbol(image, name):
    """The address of function `name` in an ELF32 image's symbol table (exit 2 if none)."""
    with open(image, "rb") as f:
        elf = f.read()
    shoff, = struct.unpack_from("<I", elf, 0x20)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x2e)
    for i in range(shnum):
        sh = struct.unpack_from("<10I", elf, shoff + i * shentsize)
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        strtab = struct.unpack_from("<10I", elf, shoff + sh[6] * shentsize)  # sh_link
        for off in range(sh[4], sh[4] + sh[5], 16):
            st_name, st_value, _, st_info = struct.unpack_from("<IIIB", elf, off)
            end = elf.index(b"\0", strtab[4] + st_name)
            if st_info & 0xf == 2 and elf[strtab[4] + st_name:end] == name.encode():  # FUNC
                return st_value
    print("compare_count: %s: no function %s in its symbol table" % (image, name))
    sys.exit(2)


def main():
    args = sys.argv[1:]
    jobs = []
    if len(args) >= 5 and args[0] == "--count-jobs":
        jobs = args[:2]
        args = args[2:]
        if len(args) == 5 and args[0] == "--cut-at":
            jobs += ["--cut-at", ",".join("%#x" % symbol(args[4], name)
                                          for name in args[1].split(","))]
            args = args[2:]
    if len(args) != 3:
        print("usage: compare_count.py [--count-jobs J [--cut-at SYMBOL,...]] NATIVERUN "
              "DENALI image.elf", file=sys.stderr)
        sys.exit(2)
    nativerun, denali, image = args
    n = subprocess.run([nativerun, "--count", "1"] + jobs + [image], capture_output=True,
                       text=True)
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
    if jobs:
        print(n.stderr.strip())  # nativerun's line: the copies' shares
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
