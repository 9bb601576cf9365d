#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the damaged traces of tests/devices/corpus (bad-*.pcap*, two-sections.pcapng):
# one file per way a capture can be broken after its first records, each read by
# test_pcap.c (the message in words) and pcap_bad_test.py (`denali run` refuses it
# before the run). Deterministic: rerunning rewrites the same bytes.
# usage: make-bad-traces.py DIR
import os
import struct
import sys

FRAME = bytes.fromhex("ffffffffffff02444e000001080045000020000040004011") + bytes(36)


def pcap_header(snap=65535, linktype=1):
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snap, linktype)


def record(usec, data, caplen=None, wirelen=None):
    c = len(data) if caplen is None else caplen
    w = len(data) if wirelen is None else wirelen
    return struct.pack("<IIII", 0, usec, c, w) + data


def block(btype, body, endian="<"):
    body += bytes(-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(endian + "II", btype, n) + body + struct.pack(endian + "I", n)


def shb(endian="<"):
    return block(0x0a0d0d0a, struct.pack(endian + "IHHq", 0x1a2b3c4d, 1, 0, -1), endian)


def idb(linktype=1, endian="<"):
    return block(1, struct.pack(endian + "HHI", linktype, 0, 65535), endian)


def epb(usec, data, endian="<"):
    return block(6, struct.pack(endian + "IIIII", 0, 0, usec, len(data), len(data)) + data,
                 endian)


def files():
    good3 = record(10, FRAME) + record(20, FRAME)
    yield "bad-record-cut.pcap", pcap_header() + good3 + record(30, FRAME)[:30]
    yield "bad-record-header-cut.pcap", pcap_header() + good3 + record(30, FRAME)[:8]
    yield "bad-caplen.pcap", (pcap_header() + good3 + record(30, FRAME, caplen=300000)
                              + record(40, FRAME))
    ng = shb() + idb() + epb(10, FRAME) + epb(20, FRAME)
    yield "two-sections.pcapng", ng + shb() + idb() + epb(30, FRAME)
    yield "bad-second-section-linktype.pcapng", ng + shb() + idb(101) + epb(30, FRAME)
    yield "bad-second-section-byteorder.pcapng", ng + shb(">") + idb(1, ">") + epb(30, FRAME,
                                                                                    ">")
    # The second section's length read little-endian but its byte-order magic
    # big-endian: libpcap's "sections with different byte orders".
    mixed = bytearray(shb(">"))
    mixed[4:8] = struct.pack("<I", 28)
    mixed[24:28] = struct.pack("<I", 28)
    yield "bad-second-section-magic.pcapng", ng + bytes(mixed) + idb() + epb(30, FRAME)
    big = bytearray(epb(30, FRAME))
    big[4:8] = struct.pack("<I", 0x7ffffff0)
    yield "bad-block-size.pcapng", ng + bytes(big)
    insane = bytearray(shb())
    insane[4:8] = struct.pack("<I", 0x7ffffff0)
    yield "bad-section-header-length.pcapng", bytes(insane) + idb() + epb(10, FRAME)


def main():
    out = sys.argv[1]
    for name, data in files():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


main()
