#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes tests/gdb/corpus: byte streams as gdb sends them (fuzz_rsp.c replays them in
# the test suite; tests/gdb/fuzz-rsp seeds libFuzzer with them): a real session (the
# packets gdb 13 sends to attach, break, step, watch, read and write memory and
# registers, ask for threads and monitor commands), and malformed ones (bad checksums,
# overlong packets, escapes at the end, bad hex, huge lengths, unknown packets).
#   tests/gdb/make-corpus.py [DIR]
import os
import sys


def pkt(s):
    b = s.encode("latin-1") if isinstance(s, str) else s
    return b"$" + b + b"#" + b"%02x" % (sum(b) & 0xff)


def esc(b):
    out = bytearray()
    for c in b:
        if c in b"$#}*":
            out += bytes([0x7d, c ^ 0x20])
        else:
            out.append(c)
    return bytes(out)


def hexs(s):
    return s.encode().hex()


SESSION = [
    "qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;"
    "exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+",
    "vMustReplyEmpty", "QStartNoAckMode", "Hgp0.0", "qXfer:features:read:target.xml:0,ffb",
    "qXfer:features:read:target.xml:ffb,ffb", "qTStatus", "?", "qfThreadInfo",
    "qsThreadInfo", "qAttached", "Hc-1", "qC", "qOffsets", "g", "m10000,40",
    "qSymbol::", "Z0,1002b,1", "vCont?", "vCont;c", "z0,1002b,1", "qThreadExtraInfo,1",
    "qThreadExtraInfo,2", "qThreadExtraInfo,3", "T2", "T3", "Hg2", "g", "p8", "p9", "p10",
    "p1f", "P0=01000000", "P8=00000100", "P10=00000000000000000000", "G" + "00" * 64,
    "Z2,11000,4", "vCont;s:1;c", "vCont;s:2", "z2,11000,4", "Z3,11000,4", "Z4,11000,2",
    "c", "s", "M11000,4:01020304", "m11000,4", "m0,10", "mffffff00,ff",
    "qRcmd," + hexs("time"), "qRcmd," + hexs("vregs"), "qRcmd," + hexs("vregs 1"),
    "qRcmd," + hexs("vregs 99"), "qRcmd," + hexs("runq"), "qRcmd," + hexs("help"),
    "qRcmd," + hexs("bogus"), "Hc2", "s", "Hc0", "vCont;t", "D",
]


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "corpus")
    os.makedirs(d, exist_ok=True)
    files = {}
    files["session"] = b"+" + b"".join(pkt(p) + b"+" for p in SESSION)
    files["session-kill"] = b"".join(pkt(p) for p in SESSION[:20]) + pkt("k")
    files["binary-write"] = pkt(b"X11000,8:" + esc(b"$#}*\x00\x01\x02\x03")) + pkt("m11000,8")
    files["bad-checksum"] = b"$g#00$m10000,4#ff$?#3f" + b"\x03" + b"-" + pkt("?")
    files["overlong"] = b"$" + b"m" * 9000 + b"#00" + pkt("qC")
    files["escape-at-end"] = b"$abc}#00" + b"$}" + b"#" + b"zz" + pkt("g")
    files["bad-hex"] = b"".join(pkt(p) for p in [
        "mzz,4", "m10000", "m10000,", "m1,ffffffffff", "M11000,4:0102", "M11000,2:zzzz",
        "X11000,ffffffff:", "P0=zz", "P8=0100", "p", "p100", "H", "Hx1", "Hg99999",
        "T0", "T-1", "Z9,0,0", "Z0,", "Z2,11000,0", "Z2,11000,100", "z4,1,1;cond",
        "vCont", "vCont;", "vCont;x", "vCont;s:zz", "vCont;S", "vCont;C05:1", "qRcmd,6",
        "qRcmd,zz", "qRcmd," + "61" * 300, "qRcmd,00", "qXfer:features:read:target.xml:",
        "qXfer:features:read:other.xml:0,10", "qXfer:features:read:target.xml:ffffff,10",
        "qThreadExtraInfo,", "qThreadExtraInfo,0", "qThreadExtraInfo,ffffffff", "G01",
        "qSupported", "Q", "q", "v", "vKill;1", "bogus", ""])
    files["steps"] = b"".join(pkt(p) for p in ["vCont;s:1"] * 50 + ["vCont;s:2"] * 50 +
                             ["Z0,10005,1", "c", "c", "c", "Z2,11000,4", "c", "c", "D"])
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
