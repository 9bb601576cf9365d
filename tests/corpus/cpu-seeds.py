#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed inputs of tests/corpus/cpu (the fuzz_cpu.c input layout: 9 registers,
# a pointer mask, a mode byte, then code at 0x10000). Deterministic; rerun after editing.
import os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cpu'))
import struct, random
rnd = random.Random(20261129)
def hdr(regs=None, ptr=0, mode=0, eflags=2):
    r = (list(regs or []) + [0]*8)[:8]
    return struct.pack('<9I', *(r + [eflags])) + bytes([ptr, mode])
seeds = {
 'random-bytes-1': hdr([rnd.getrandbits(32) for _ in range(8)], 0xff) + bytes(rnd.getrandbits(8) for _ in range(256)),
 'random-bytes-2': hdr([rnd.getrandbits(32) for _ in range(8)], 0x30, 1) + bytes(rnd.getrandbits(8) for _ in range(1024)),
 'random-bytes-3': hdr([rnd.getrandbits(32) for _ in range(8)], 0xc0, 2) + bytes(rnd.getrandbits(8) for _ in range(64)),
 'jump-unmapped': hdr() + bytes([0xe9]) + struct.pack('<i', 0x7fff0000),
 'jump-indirect-unmapped': hdr([0xdeadbeef]) + bytes([0xff, 0xe0]),
 'ret-to-garbage': hdr([0, 0, 0, 0, 0x1fff0], 0x10) + bytes([0xc3]),
 'smc-patch-next': hdr() + bytes([0xc6, 0x05]) + struct.pack('<I', 0x1000a) + bytes([0x90]) + bytes([0x90, 0x0f, 0x0b, 0x0f, 0x0c, 0x01]),
 'smc-loop-rewrite': hdr() + bytes([0xfe, 0x05]) + struct.pack('<I', 0x10008) + bytes([0xeb, 0xf8, 0x90, 0x90]),
 'page-cross-insn': hdr() + bytes([0x90]) * 0xffd + bytes([0xb8, 1, 2, 3, 4, 0x0f, 0x0c, 0x01]),
 'page-cross-modrm': hdr([0x10000]) + bytes([0x90]) * 0xffe + bytes([0x8b, 0x80, 0, 0, 0, 0, 0x0f, 0x0c, 0x01]),
 'rep-stos-ecx-max': hdr([0, 0xffffffff, 0, 0, 0, 0, 0, 0x8000], 0x80) + bytes([0xf3, 0xab]),
 'rep-movs-ecx-max-down': hdr([0, 0xffffffff, 0, 0, 0, 0, 0x8000, 0x9000], 0xc0, 0, 0x402) + bytes([0xf3, 0xa5]),
 'repne-scas-ecx-max': hdr([0x55, 0xffffffff, 0, 0, 0, 0, 0, 0x100], 0x80) + bytes([0xf2, 0xae]),
 'div-zero': hdr([5]) + bytes([0xf7, 0xf1]),
 'idiv-intmin-minus1': hdr([0x80000000, 0xffffffff, 0xffffffff]) + bytes([0xf7, 0xf9]),
 'idiv8-overflow': hdr([0x8000, 0xff]) + bytes([0xf6, 0xf9]),
 'aam-zero': hdr([0x25]) + bytes([0xd4, 0x00]),
 'pio-in-out': hdr([0x41, 0, 0x3f8]) + bytes([0xee, 0xec, 0xe6, 0x80, 0xe4, 0x80, 0xef, 0xed, 0x0f, 0x0c, 0x01]),
 'busy-loop': hdr() + bytes([0xeb, 0xfe]),
 'denali-idle': hdr([1000]) + bytes([0x0f, 0x0c, 0x00, 0x0f, 0x0c, 0x01]),
 'denali-bad-escape': hdr() + bytes([0x0f, 0x0c, 0x7f]),
 'too-many-prefixes': hdr() + bytes([0x26]) * 15 + bytes([0x01, 0xce]),
 'truncated-at-end': hdr() + bytes([0x90]) * 0x10 + bytes([0xb8, 1]),
 'privileged': hdr() + bytes([0xfa, 0xfb, 0xf4, 0x0f, 0x01, 0x10, 0x0f, 0x22, 0xc0, 0xcf]),
 'int-n': hdr() + bytes([0xcd, 0x80, 0xcc, 0xce]),
 'stack-wrap': hdr([0, 0, 0, 0, 2]) + bytes([0x50, 0x60, 0x9c, 0xe8, 0, 0, 0, 0]),
 'cmpxchg8b-lock': hdr([1, 2, 3, 4, 0, 0, 0x100], 0x40) + bytes([0xf0, 0x0f, 0xc7, 0x0e, 0xf0, 0x0f, 0xc7, 0xce]),
 'enter-nested': hdr([0, 0, 0, 0, 0x8000, 0x9000], 0x30) + bytes([0xc8, 0x10, 0x00, 0x1f, 0xc9, 0xc3]),
 'fetch-off-memory-end': hdr([0x10000], 0x01) + bytes([0xe9]) + struct.pack('<i', 0xfffd - 5),
}
for name, b in seeds.items():
    open(name, 'wb').write(b)
print(len(seeds))
# 2026-11-29 (h3): misaligned page-0 accesses matched TLB_INVALID and crashed the host.
more = {
 'tlb-invalid-tag-read': hdr() + bytes([0x8b, 0x05, 1, 0, 0, 0]),
 'tlb-invalid-tag-write': hdr() + bytes([0x89, 0x05, 5, 0, 0, 0]),
 'tlb-invalid-tag-word': hdr() + bytes([0x66, 0x8b, 0x05, 3, 0, 0, 0]),
}
for name, b in more.items():
    open(name, 'wb').write(b)
