#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# docs/isa.md section 6 and include/denali/abi.h describe the same virtual-register
# page: every field of struct denali_vregs has the offset, width and name of its row in
# the document's table (a "reserved" row matches a reservedN field), and the offsets
# written in abi.h's comments are the real ones (sizes summed; the struct has no
# padding by design).
# 2026-11-29, issue 13: abi.h called offset 0x3c `exit_code`, isa.md "reserved".
#   abi_doc_test.py ISA_MD ABI_H
import re
import sys

SIZES = {"uint8_t": 1, "uint16_t": 2, "uint32_t": 4, "uint64_t": 8}


def doc_rows(md):
    sec = md.split("## 6. Virtual registers", 1)[1].split("\n## ", 1)[0]
    rows = []
    for m in re.finditer(r"^\| `(0x[0-9a-f]+)` \| (\d+) \| ([^|]*?) \|", sec, re.M):
        name = m.group(3).strip().strip("`") or "reserved"
        rows.append((int(m.group(1), 16), int(m.group(2)), name))
    return rows


def abi_fields(h):
    body = h.split("struct denali_vregs {", 1)[1].split("};", 1)[0]
    fields, off = [], 0
    for m in re.finditer(r"^\s*(uint\d+_t) (\w+)(\[(\d+)\])?;\s*// (0x[0-9a-f]+)", body, re.M):
        size = SIZES[m.group(1)] * (int(m.group(4)) if m.group(4) else 1)
        fields.append((off, size, m.group(2), int(m.group(5), 16)))
        off += size
    return fields


def main():
    md, h = open(sys.argv[1]).read(), open(sys.argv[2]).read()
    rows, fields = doc_rows(md), abi_fields(h)
    bad = []
    if len(rows) != len(fields) or not rows:
        bad.append("docs/isa.md has %d rows, abi.h %d fields" % (len(rows), len(fields)))
    for (doff, dsize, dname), (off, size, name, coff) in zip(rows, fields):
        if off != coff:
            bad.append("abi.h: %s's comment says %#x, it is at %#x" % (name, coff, off))
        same = name == dname or (dname == "reserved" and name.startswith("reserved"))
        if (doff, dsize) != (off, size) or not same:
            bad.append("offset %#x: docs/isa.md %s (%d bytes), abi.h %s at %#x (%d bytes)"
                       % (doff, dname, dsize, name, off, size))
    for b in bad:
        print("MISMATCH: " + b)
    print("%d virtual registers compared, %d mismatches" % (len(fields), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
