# SPDX-License-Identifier: MIT
# Hand-assembled guests for the view's tests (tests/integration/elfimg.py builds the ELF):
#   states  VM id % 5 decides what it does for good: 0 terminates, 1 halts (idle with no
#           timeout), 2 idles with a 1 s timeout in a loop, 3 spins (runnable), 4 runs
#           UD2 (killed): a picture of known states
#   pages   writes one byte into each of 16 pages (64 KiB), idles 30 ms, again: with
#           little modelled memory, VMs are swapped out and wait for swap-ins
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "integration"))
import elfimg  # noqa: E402

IDLE = b"\x0f\x0c\x00"


def rel8(n):
    return struct.pack("<b", n)


def states():
    code = b"\xa1" + struct.pack("<I", 0x1008)   # mov eax, [vm_id]
    code += b"\x31\xd2"                           # xor edx, edx
    code += b"\xb9\x05\x00\x00\x00"               # mov ecx, 5
    code += b"\xf7\xf1"                           # div ecx: edx = id % 5
    bodies = [
        elfimg.mov_eax(0) + elfimg.TERMINATE,                         # terminate
        b"\xf4\xeb\xfd",                                              # hlt; jmp hlt
        elfimg.mov_eax(1000000000) + b"\x31\xd2" + IDLE + b"\xeb" + rel8(-12),  # idle 1 s
        b"\xeb\xfe",                                                  # spin
        b"\x0f\x0b",                                                  # ud2
    ]
    chain = b""
    pos = 5 * 5  # the compare chain: 5 x (cmp edx, i; je body)
    for i, body in enumerate(bodies):
        here = len(chain) + 5
        chain += b"\x83\xfa" + bytes([i]) + b"\x74" + rel8(pos - here)
        pos += len(body)
    return elfimg.program(code + chain + b"".join(bodies))


def pages():
    # loop: mov edi, 0x40000; mov ecx, 64
    #   inner: mov [edi], cl; add edi, 4096; dec ecx; jnz inner
    #   mov eax, 30000000; xor edx, edx; idle; jmp loop
    code = b"\xbf" + struct.pack("<I", 0x40000)
    code += b"\xb9" + struct.pack("<I", 16)
    inner = b"\x88\x0f" + b"\x81\xc7" + struct.pack("<I", 4096) + b"\x49"
    code += inner + b"\x75" + rel8(-(len(inner) + 2))
    code += elfimg.mov_eax(30000000) + b"\x31\xd2" + IDLE
    code += b"\xeb" + rel8(-(len(code) + 2))
    return elfimg.program(code)


if __name__ == "__main__":
    open(sys.argv[2], "wb").write({"states": states, "pages": pages}[sys.argv[1]]())
