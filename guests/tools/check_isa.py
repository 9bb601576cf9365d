#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Checks guest images for instructions the denali interpreter does not implement:
# x87 (f*), MMX/SSE/AVX (%mm/%xmm/%ymm/%zmm operands, emms, ldmxcsr, fences, movnti,
# prefetch, ...), and with --no-cmov also CMOVcc (for the -march=i386 builds).
#   check_isa.py [--objdump OD] [--no-cmov] image.elf...
# Disassembles .text with objdump. objdump does not know the Denali instructions
# (0F 0C 00 idle, 0F 0C 01 terminate) and prints "(bad)" for them, then loses step, so
# each time we meet one we restart the disassembly 3 bytes later. Any other "(bad)" is
# an error too. Prints one line per offending instruction; exit 1 if any, 2 on bad input.
import argparse
import re
import subprocess
import sys

LINE = re.compile(r"^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(.*)$")
BANNED_MNEMONICS = re.compile(
    r"^(emms|femms|ldmxcsr|stmxcsr|vldmxcsr|vstmxcsr|fxsave|fxrstor|xsave\w*|xrstor\w*|"
    r"movnti|lfence|sfence|mfence|clflush\w*|prefetch\w*)$")
BANNED_OPERANDS = re.compile(r"%(mm[0-7]|[xyz]mm\d+|st(\(\d\))?)\b")


def text_range(objdump, path):
    r = subprocess.run([objdump, "-h", path], capture_output=True, text=True)
    if r.returncode != 0:
        print("check_isa: %s: objdump failed: %s" % (path, r.stderr.strip()), file=sys.stderr)
        sys.exit(2)
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) >= 4 and f[1] == ".text":
            start, size = int(f[3], 16), int(f[2], 16)
            return start, start + size
    print("check_isa: %s: no .text section" % path, file=sys.stderr)
    sys.exit(2)


def disassemble(objdump, path, start, stop):
    """Yields (address, bytes, mnemonic, operands) for [start, stop)."""
    r = subprocess.run([objdump, "-d", "-j", ".text", "--start-address=%#x" % start,
                        "--stop-address=%#x" % stop, path], capture_output=True, text=True)
    if r.returncode != 0:
        print("check_isa: %s: objdump failed" % path, file=sys.stderr)
        sys.exit(2)
    for line in r.stdout.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        text = m.group(3).strip()
        if not text:  # continuation line of a long instruction's bytes
            continue
        parts = text.split(None, 1)
        yield int(m.group(1), 16), m.group(2).split(), parts[0], parts[1] if len(parts) > 1 else ""


def problem(mnem, ops, no_cmov):
    words = mnem.split()
    m = words[-1] if words else mnem
    if m == "(bad)":
        return "undecodable bytes"
    if m.startswith("f") and m != "fs":
        return "x87 instruction"
    if BANNED_MNEMONICS.match(m):
        return "SSE/MMX/cache-control instruction"
    if BANNED_OPERANDS.search(ops) or BANNED_OPERANDS.search(mnem):
        return "MMX/SSE/x87 register operand"
    if no_cmov and m.startswith("cmov"):
        return "CMOVcc in an -march=i386 image"
    return None


def check(objdump, path, no_cmov):
    start, end = text_range(objdump, path)
    bad = 0
    denali_ops = 0
    pos = start
    while pos < end:
        restart = None
        for addr, raw, mnem, ops in disassemble(objdump, path, pos, end):
            if mnem == "(bad)" and raw[:2] == ["0f", "0c"]:
                denali_ops += 1
                restart = addr + 3  # 0F 0C imm8
                break
            why = problem(mnem, ops, no_cmov)
            if why:
                print("%s: %#x: %s: %s %s" % (path, addr, why, mnem, ops))
                bad += 1
        if restart is None:
            break
        pos = restart
    return bad, denali_ops


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--objdump", default="objdump")
    p.add_argument("--no-cmov", action="store_true")
    p.add_argument("images", nargs="+")
    a = p.parse_args()
    total = 0
    for path in a.images:
        bad, ops = check(a.objdump, path, a.no_cmov)
        total += bad
        if bad == 0:
            print("%s: ok (%d Denali instructions)" % (path, ops))
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
