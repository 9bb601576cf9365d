#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Checks guest images the way `denali run` loads them (src/vmm/image.c, docs/isa.md 2):
# an image passes exactly when `denali run --image IMAGE --mem SIZE` accepts it. The
# rules, in the loader's order: ELF magic, 32-bit class, little-endian, version 1,
# ET_EXEC (not ET_DYN), EM_386, at least one program header of 32 bytes, at most 256,
# inside the file; no PT_INTERP or PT_DYNAMIC; per PT_LOAD with a memory size:
# at most 64 of them, filesz <= memsz, file bytes inside the file, loaded at or above
# 0x2000 and ending at or below mem_size; no two overlap; the entry point inside an
# executable (PF_X) segment. tests/integration/layout_test.py holds this to the loader.
# With --libos it also checks the libos conventions of guests/denali.ld: entry point
# and _start at 0x00010000, symbols __bss_start and _end (16-byte aligned), read with nm.
# Prints "IMAGE: ok" or one line per problem; exit 1 if any image has one, 2 on bad
# input (an unreadable file, a bad --mem).
#   check_layout.py [--mem SIZE] [--libos [--nm NM]] image.elf...
import argparse
import struct
import subprocess
import sys

LOAD_MIN = 0x00002000      # DENALI_LOAD_MIN
MEM_MIN = 64 * 1024        # DENALI_MEM_MIN
MEM_MAX = 0xC0000000       # DENALI_MEM_MAX
MEM_DEFAULT = 4 << 20      # DENALI_MEM_DEFAULT: denali run's default --mem
MAX_PHDRS = 256            # IMAGE_MAX_PHDRS
MAX_SEGMENTS = 64          # IMAGE_MAX_SEGMENTS
LIBOS_LOAD = 0x00010000    # guests/denali.ld
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
PF_X = 1


def loader_errors(data, mem_size):
    """The first reason the loader refuses the image, as a one-element list, or []."""
    n = len(data)
    if n < 4 or data[:4] != b"\x7fELF":
        return ["not an ELF file"]
    if n < 52:
        return ["truncated ELF header (%d bytes, need 52)" % n]
    if data[4] == 2:
        return ["64-bit ELF; denali runs 32-bit i386 images (build with -m32)"]
    if data[4] != 1:
        return ["unknown ELF class %d" % data[4]]
    if data[5] != 1:
        return ["not little-endian (EI_DATA %d)" % data[5]]
    (e_type, e_machine, e_version, e_entry, e_phoff, _, _, _, e_phentsize,
     e_phnum) = struct.unpack_from("<HHIIIIIHHH", data, 16)
    if data[6] != 1 or e_version != 1:
        return ["unknown ELF version"]
    if e_type == 3:
        return ["position-independent (ET_DYN) image; link with -static -no-pie"]
    if e_type != 2:
        return ["not an executable (e_type %d)" % e_type]
    if e_machine != 3:
        return ["wrong machine %d; need i386 (EM_386 = 3)" % e_machine]
    if e_phnum == 0:
        return ["no program headers"]
    if e_phentsize != 32:
        return ["program header size %d, expected 32" % e_phentsize]
    if e_phnum > MAX_PHDRS:
        return ["%d program headers (limit %d)" % (e_phnum, MAX_PHDRS)]
    if e_phoff + e_phnum * 32 > n:
        return ["program headers run past the end of the file"]
    segs = []
    for i in range(e_phnum):
        (p_type, p_offset, p_vaddr, _, p_filesz, p_memsz, p_flags,
         _) = struct.unpack_from("<8I", data, e_phoff + 32 * i)
        if p_type in (PT_INTERP, PT_DYNAMIC):
            return ["dynamically linked (program header %d); link with -static" % i]
        if p_type != PT_LOAD or p_memsz == 0:
            continue
        if len(segs) == MAX_SEGMENTS:
            return ["more than %d loadable segments" % MAX_SEGMENTS]
        if p_filesz > p_memsz:
            return ["segment %d: file size %d exceeds memory size %d" % (i, p_filesz, p_memsz)]
        if p_offset + p_filesz > n:
            return ["segment %d: file bytes past the end of the file (truncated?)" % i]
        if p_vaddr < LOAD_MIN:
            return ["segment %d starts at %#x, below the lowest load address %#x"
                    % (i, p_vaddr, LOAD_MIN)]
        if p_vaddr + p_memsz > mem_size:
            return ["segment %d ends at %#x beyond guest memory (%s; denali run --mem)"
                    % (i, p_vaddr + p_memsz, fmt_size(mem_size))]
        segs.append((p_vaddr, p_memsz, p_flags))
    if not segs:
        return ["no loadable segments"]
    segs.sort()
    for (a, alen, _), (b, blen, _) in zip(segs, segs[1:]):
        if a + alen > b:
            return ["segments overlap: %#x..%#x and %#x..%#x" % (a, a + alen, b, b + blen)]
    if not any(f & PF_X and v <= e_entry < v + m for v, m, f in segs):
        return ["entry point %#x is not inside an executable segment" % e_entry]
    return []


def libos_errors(nm, path, data):
    """The libos conventions of guests/denali.ld (only for images that link libos)."""
    errs = []
    e_entry = struct.unpack_from("<I", data, 24)[0]
    if e_entry != LIBOS_LOAD:
        errs.append("entry point %#x, want %#x (libos: crt0's _start first)"
                    % (e_entry, LIBOS_LOAD))
    r = subprocess.run([nm, path], capture_output=True, text=True)
    syms = {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) == 3:
            syms[f[2]] = int(f[0], 16)
    if syms.get("_start") != LIBOS_LOAD:
        errs.append("_start at %s, want %#x" % (hex(syms["_start"]) if "_start" in syms
                                                else "nowhere", LIBOS_LOAD))
    for s in ("__bss_start", "_end"):
        if s not in syms:
            errs.append("symbol %s missing" % s)
    if "_end" in syms and syms["_end"] % 16:
        errs.append("_end %#x not 16-byte aligned" % syms["_end"])
    return errs


def fmt_size(n):
    for shift, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if n and n % (1 << shift) == 0:
            return "%d %s" % (n >> shift, unit)
    return "%d bytes" % n


def parse_size(s):
    """denali run's --mem syntax: a number with an optional K, M or G (binary)."""
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1:].upper(), 1)
    digits = s[:-1] if mult > 1 else s
    if not digits.isdigit():
        raise ValueError
    v = int(digits) * mult
    if v < MEM_MIN or v > MEM_MAX or v % 4096:
        raise ValueError
    return v


def main():
    p = argparse.ArgumentParser(description="Check guest images against the loader's rules.")
    p.add_argument("--mem", default="4M", help="guest memory, as denali run --mem (default 4M)")
    p.add_argument("--libos", action="store_true",
                   help="also check the libos layout of guests/denali.ld")
    p.add_argument("--nm", default="nm", help="nm for --libos (default nm)")
    p.add_argument("images", nargs="+")
    a = p.parse_args()
    try:
        mem = parse_size(a.mem)
    except ValueError:
        print("check_layout: --mem %s: expected 64K..3G, a multiple of 4K" % a.mem,
              file=sys.stderr)
        sys.exit(2)
    bad = 0
    for path in a.images:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            print("check_layout: %s: %s" % (path, e.strerror), file=sys.stderr)
            sys.exit(2)
        errs = loader_errors(data, mem)
        if not errs and a.libos:
            errs = libos_errors(a.nm, path, data)
        for e in errs:
            print("%s: %s" % (path, e))
        bad += len(errs)
        if not errs:
            print("%s: ok" % path)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
