# SPDX-License-Identifier: MIT
# Builds small ELF32 i386 images for the CLI tests, valid or deliberately broken.
# The same layout as tests/vmm/elfgen.c: ELF header, program headers, segment bytes.
import struct

TEXT = 0x10000


def build(segs, entry=TEXT, machine=3, etype=2, cls=1, data=1):
    """segs: list of (vaddr, flags, bytes, memsz or None, ptype)."""
    phoff = 52
    off = phoff + 32 * len(segs)
    body = b""
    phdrs = b""
    for vaddr, flags, payload, memsz, ptype in segs:
        pad = (-off) % 16
        body += b"\0" * pad
        off += pad
        phdrs += struct.pack("<8I", ptype, off, vaddr, vaddr, len(payload),
                             memsz if memsz is not None else len(payload), flags, 4096)
        body += payload
        off += len(payload)
    ident = b"\x7fELF" + bytes([cls, data, 1]) + b"\0" * 9
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", etype, machine, 1, entry, phoff, 0, 0,
                               52, 32, len(segs), 0, 0, 0)
    return ehdr + phdrs + body


def program(code, data=None, bss=0):
    segs = [(TEXT, 5, code, None, 1)]
    if data is not None:
        segs.append((TEXT + 0x1000, 6, data, len(data) + bss, 1))
    return build(segs)


def mov_eax(v):
    return b"\xb8" + struct.pack("<I", v & 0xffffffff)


TERMINATE = b"\x0f\x0c\x01"


def hello_code(text):
    """Prints text with OUT 0xE9 one byte at a time, then terminates with 0."""
    code = b""
    for ch in text.encode():
        code += mov_eax(ch) + b"\xe6\xe9"
    return code + mov_eax(0) + TERMINATE
