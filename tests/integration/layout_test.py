#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# guests/tools/check_layout.py against the real loader (src/vmm/image.c): for every
# image here, at --mem 64K and 4M, check_layout says "ok" exactly when `denali run`
# accepts the image (exit status other than 2). The images: one per loader rule,
# broken and just-valid; real ones (the bare-metal hello at 0x2000, a libos image at
# 0x10000, gcc's default link with its build-id note at 0x08048000, an entry point
# that is not the segment's first byte); and 250 seeded mutations of valid images
# (header and program-header fields set to boundary values, truncations).
# 2026-11-29, issue 13: check_layout rejected a valid image ("entry point 0x10033,
# want 0x10000"): it checked the libos's conventions, not the loader's rules.
#   layout_test.py DENALI CHECK_LAYOUT [NAME=IMAGE ...]
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import elfimg  # noqa: E402

SEED = 13
MUTATIONS = 250
MEMS = ["64K", "4M"]
TERM = elfimg.mov_eax(0) + elfimg.TERMINATE


def seg(vaddr, flags=5, payload=TERM, memsz=None, ptype=1):
    return (vaddr, flags, payload, memsz, ptype)


def cases():
    """(name, bytes) pairs: each loader rule broken and just kept."""
    b = elfimg.build
    out = [
        ("valid-0x10000", b([seg(0x10000)])),
        ("valid-0x2000", b([seg(0x2000)], entry=0x2000)),
        ("valid-entry-inside", b([seg(0x10000, payload=b"\x90" * 0x40 + TERM)], entry=0x10033)),
        ("valid-two-segs", b([seg(0x10000), seg(0x11000, 6, b"data", 0x2000)])),
        ("valid-touching", b([seg(0x10000, payload=b"\x90" * 16), seg(0x10010, 5, TERM)],
                             entry=0x10010)),
        ("valid-ends-at-64K", b([seg(0xf000, payload=TERM, memsz=0x1000)], entry=0xf000)),
        ("valid-empty-segment-skipped", b([seg(0x10000), seg(0x1000, 6, b"", 0)])),
        ("valid-note-segment-ignored", b([seg(0x10000), seg(0x08048000, 4, b"x" * 36, None, 4)])),
        ("below-load-min", b([seg(0x1000)], entry=0x1000)),
        ("at-0x1fff", b([seg(0x1fff)], entry=0x1fff)),
        ("ends-past-64K", b([seg(0xf000, memsz=0x1001)], entry=0xf000)),
        ("build-id-at-0x08048000", b([seg(0x10000), seg(0x08048000, 4, b"x" * 36)])),
        ("in-kernel-region", b([seg(0xc0000000)], entry=0xc0000000)),
        ("overlap", b([seg(0x10000, payload=b"\x90" * 32), seg(0x10010, 5, TERM)])),
        ("filesz-gt-memsz", b([seg(0x10000, memsz=2)])),
        ("entry-outside", b([seg(0x10000)], entry=0x20000)),
        ("entry-in-data", b([seg(0x10000), seg(0x11000, 6, b"data")], entry=0x11000)),
        ("entry-at-end", b([seg(0x10000)], entry=0x10000 + len(TERM))),
        ("interp", b([seg(0x10000), seg(0x12000, 4, b"/lib/ld.so", None, 3)])),
        ("dynamic", b([seg(0x10000), seg(0x12000, 6, b"d" * 8, None, 2)])),
        ("only-empty-segments", b([seg(0x10000, payload=b"", memsz=0)])),
        ("et-dyn", b([seg(0x10000)], etype=3)),
        ("et-rel", b([seg(0x10000)], etype=1)),
        ("x86-64", b([seg(0x10000)], machine=62)),
        ("elfclass64", b([seg(0x10000)], cls=2)),
        ("big-endian", b([seg(0x10000)], data=2)),
        ("no-phdrs", b([])),
        ("64-loads", b([seg(0x10000 + 0x1000 * i) for i in range(64)])),
        ("65-loads", b([seg(0x10000 + 0x1000 * i) for i in range(65)])),
        ("empty-file", b""),
        ("not-elf", b"#!/bin/sh\necho hi\n" + b"\0" * 64),
    ]
    base = b([seg(0x10000)])
    out.append(("truncated-header", base[:40]))
    out.append(("truncated-phdrs", base[:60]))
    out.append(("truncated-segment", base[:-2]))
    out.append(("phentsize-56", base[:42] + struct.pack("<H", 56) + base[44:]))
    out.append(("bad-version", base[:6] + b"\x02" + base[7:]))
    out.append(("bad-e_version", base[:20] + struct.pack("<I", 2) + base[24:]))
    many = bytearray(b([seg(0x10000)] + [seg(0, 4, b"", 0, 6)] * 256))
    out.append(("257-phdrs", bytes(many)))
    return out


# Header fields: (offset, struct format); program header fields relative to the header.
EH_FIELDS = [(4, "B"), (5, "B"), (6, "B"), (16, "<H"), (18, "<H"), (20, "<I"), (24, "<I"),
             (28, "<I"), (42, "<H"), (44, "<H")]
PH_FIELDS = [(0, "<I"), (4, "<I"), (8, "<I"), (16, "<I"), (20, "<I"), (24, "<I")]
VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 32, 0x40, 0xfff, 0x1000, 0x1fff, 0x2000, 0x2001,
          0xf000, 0xffff, 0x10000, 0x10001, 0x10004, 0x10005, 0x11000, 0x3fffff, 0x400000,
          0x400001, 0x08048000, 0xbfffffff, 0xc0000000, 0x7fffffff, 0xffffffff]


def mutate(rng, data):
    d = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 3])):
        if rng.random() < 0.1:
            return bytes(d[:rng.randrange(len(d))])
        phnum = struct.unpack_from("<H", d, 44)[0]
        if rng.random() < 0.5 or phnum == 0:
            off, fmt = rng.choice(EH_FIELDS)
        else:
            off, fmt = rng.choice(PH_FIELDS)
            off += 52 + 32 * rng.randrange(phnum)
        size = struct.calcsize(fmt)
        if off + size > len(d):
            continue
        v = rng.choice(VALUES) if rng.random() < 0.8 else rng.getrandbits(8 * size)
        struct.pack_into(fmt, d, off, v & ((1 << (8 * size)) - 1))
    return bytes(d)


def mutations():
    rng = random.Random(SEED)
    b = elfimg.build
    bases = [b([seg(0x10000)]), b([seg(0x2000)], entry=0x2000),
             b([seg(0x10000), seg(0x11000, 6, b"data", 0x3000)]),
             b([seg(0xe000, payload=b"\x90" * 32 + TERM, memsz=0x2000)], entry=0xe010)]
    return [("mutation-%d" % i, mutate(rng, rng.choice(bases))) for i in range(MUTATIONS)]


def main():
    denali, check_layout = sys.argv[1], sys.argv[2]
    real = [a.split("=", 1) for a in sys.argv[3:]]
    tmp = tempfile.mkdtemp(prefix="denali-layout-")
    failures, checked, accepted = [], 0, 0
    try:
        images = []
        for name, data in cases() + mutations():
            path = os.path.join(tmp, name + ".elf")
            with open(path, "wb") as f:
                f.write(data)
            images.append((name, path))
        images += [(name, path) for name, path in real]
        for mem in MEMS:
            # One check_layout process for all images: one verdict line each.
            r = subprocess.run([sys.executable, check_layout, "--mem", mem]
                               + [p for _, p in images], capture_output=True, text=True)
            if r.returncode not in (0, 1):
                print("check_layout failed: %d %s" % (r.returncode, r.stderr))
                return 1
            verdict = {}
            for line in r.stdout.splitlines():
                path, _, why = line.partition(": ")
                verdict.setdefault(path, []).append(why)
            for name, path in images:
                layout_ok = verdict.get(path) == ["ok"]
                d = subprocess.run([denali, "run", "--image", path, "--mem", mem, "--max-time",
                                    "1us", "--quiet"], capture_output=True, text=True)
                loader_ok = d.returncode != 2
                checked += 1
                accepted += loader_ok
                if layout_ok != loader_ok:
                    failures.append("%s at --mem %s (seed %d): check_layout %s, denali run %s"
                                    % (name, mem, SEED, verdict.get(path),
                                       "accepts" if loader_ok else d.stderr.strip()))
        for f in failures:
            print("MISMATCH: " + f)
        print("%d image checks, %d accepted by the loader, %d mismatches"
              % (checked, accepted, len(failures)))
        if checked and not 0 < accepted < checked:
            print("the images must include both valid and invalid ones")
            return 1
        return 1 if failures else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
