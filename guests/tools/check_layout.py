#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Checks that guest images follow guests/denali.ld: ELF32 i386 executable, entry point
# and _start at 0x00010000, symbols __bss_start and _end present (_end 16-byte
# aligned), every PT_LOAD at or above DENALI_LOAD_MIN (0x2000), below 0xc0000000,
# with p_filesz <= p_memsz. Prints one line per problem; exit 1 if any, 2 on bad input.
#   check_layout.py --nm NM image.elf...
import argparse
import struct
import subprocess
import sys

LOAD_ADDR = 0x00010000
LOAD_MIN = 0x00002000
KERNEL_BASE = 0xC0000000


def check(nm, path):
    errs = []
    try:
        data = open(path, "rb").read()
    except OSError as e:
        print("check_layout: %s: %s" % (path, e.strerror), file=sys.stderr)
        sys.exit(2)
    if len(data) < 52 or data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        return ["not a little-endian ELF32 file"]
    (e_type, e_machine, _, e_entry, e_phoff, _, _, _, e_phentsize, e_phnum) = struct.unpack_from(
        "<HHIIIIIHHH", data, 16)
    if e_type != 2 or e_machine != 3:
        errs.append("not an i386 executable (type %d machine %d)" % (e_type, e_machine))
    if e_entry != LOAD_ADDR:
        errs.append("entry point %#x, want %#x" % (e_entry, LOAD_ADDR))
    loads = 0
    for i in range(e_phnum):
        off = e_phoff + i * e_phentsize
        if off + 32 > len(data):
            errs.append("program header %d past end of file" % i)
            break
        p_type, _, p_vaddr, _, p_filesz, p_memsz, _, _ = struct.unpack_from("<IIIIIIII", data, off)
        if p_type != 1:
            continue
        loads += 1
        if p_vaddr < LOAD_MIN or p_vaddr + p_memsz > KERNEL_BASE or p_filesz > p_memsz:
            errs.append("PT_LOAD %d at %#x size %#x/%#x is outside guest memory"
                        % (i, p_vaddr, p_filesz, p_memsz))
    if loads == 0:
        errs.append("no PT_LOAD segment")
    r = subprocess.run([nm, path], capture_output=True, text=True)
    syms = {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) == 3:
            syms[f[2]] = int(f[0], 16)
    if syms.get("_start") != LOAD_ADDR:
        errs.append("_start at %s, want %#x" % (hex(syms["_start"]) if "_start" in syms else "nowhere", LOAD_ADDR))
    for s in ("__bss_start", "_end"):
        if s not in syms:
            errs.append("symbol %s missing" % s)
    if "_end" in syms and syms["_end"] % 16:
        errs.append("_end %#x not 16-byte aligned" % syms["_end"])
    return errs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nm", default="nm")
    p.add_argument("images", nargs="+")
    a = p.parse_args()
    bad = 0
    for path in a.images:
        errs = check(a.nm, path)
        for e in errs:
            print("%s: %s" % (path, e))
        bad += len(errs)
        if not errs:
            print("%s: ok" % path)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
