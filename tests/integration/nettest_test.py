#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The libos network stack in real guests (guests/apps/nettest, docs/net.md): VM 0
# serves, the other VMs each do a UDP echo round trip and send BYTES over TCP, which
# VM 0 checks byte for byte and acknowledges with a hash. Checked here:
#   - every VM exits 0 with its line; the capture of the switch has every IPv4, ICMP,
#     UDP and TCP checksum right (computed here, independently of the stack), the
#     handshakes and FINs, no RST; tshark's expert info has no warning or error (without
#     tshark the other checks run and the test exits 77, SKIP, saying why);
#   - the same run twice: the same digest and a byte-identical capture;
#   - 5% seeded loss (--loss): still every byte, and the stacks count retransmissions;
#   - 40 VMs: 39 connections to VM 0 at once;
#   - api=1: VM 1 checks the socket API's error paths, timeouts and options;
#   - a bad argument: the guest exits 2 (denali run 1).
# usage: nettest_test.py path/to/denali path/to/nettest.elf
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import skips  # noqa: E402  (tests/lib/skips.py: a missing tool exits 77, not 0)
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI, IMAGE = sys.argv[1:3]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + detail))
    if not cond:
        failures.append(name)


def run(*args):
    p = subprocess.run([DENALI, "run", "--image", IMAGE, "--max-time", "60s", *args],
                       capture_output=True, timeout=hang(300))
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    out, off = [], 24
    while off + 16 <= len(data):
        incl, = struct.unpack_from("<I", data, off + 8)
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


def ones(b, s=0):
    if len(b) % 2:
        b += b"\0"
    for i in range(0, len(b), 2):
        s += b[i] << 8 | b[i + 1]
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def checksums_ok(f):
    if len(f) < 34 or f[12:14] != b"\x08\x00":
        return True
    ip = f[14:]
    hl, tot = (ip[0] & 15) * 4, ip[2] << 8 | ip[3]
    if ones(ip[:hl]) != 0xffff:
        return False
    l4 = ip[hl:tot]
    pseudo = ones(ip[12:20]) + ip[9] + len(l4)
    if ip[9] == 1:
        return ones(l4) == 0xffff
    if ip[9] == 17 and l4[6:8] == b"\0\0":
        return True
    if ip[9] in (6, 17):
        return ones(l4, pseudo) == 0xffff
    return True


tmp = tempfile.mkdtemp(prefix="nettest-")
try:
    pcap = os.path.join(tmp, "a.pcap")
    rc, out, err = run("--vms", "3", "--pcap-out", pcap)
    check("three VMs exit 0", rc == 0, f"status {rc}\n{out}\n{err}")
    check("server line", "nettest: vm 0 server: 2 connections, 400000 bytes, 0 errors" in out,
          out)
    for vm in (1, 2):
        check(f"client {vm} line",
              f"nettest: vm {vm} client: sent 200000 bytes, udp ok, reply ok" in out, out)
    fs = frames(pcap)
    tcp = [f for f in fs if len(f) >= 54 and f[12:14] == b"\x08\x00" and f[23] == 6]
    flags = [f[14 + (f[14] & 15) * 4 + 13] for f in tcp]
    check("capture has the transfer", len(tcp) > 200, f"{len(tcp)} TCP frames")
    check("every checksum right", all(checksums_ok(f) for f in fs),
          f"{sum(not checksums_ok(f) for f in fs)} bad")
    check("two SYNs, two SYN-ACKs", sum(1 for x in flags if x & 0x12 == 0x02) == 2 and
          sum(1 for x in flags if x & 0x12 == 0x12) == 2, str(flags[:8]))
    check("four FINs, no RST", sum(1 for x in flags if x & 1) == 4 and
          not any(x & 4 for x in flags))
    check("ARP requests and replies", any(f[12:14] == b"\x08\x06" and f[21] == 2 for f in fs))
    if skips.need("tshark", "tshark's expert info on the capture"):
        p = subprocess.run(["tshark", "-r", pcap, "-q", "-z", "expert"], capture_output=True,
                           timeout=hang(120))
        text = p.stdout.decode(errors="replace")
        check("tshark reads the capture", p.returncode == 0, p.stderr.decode(errors="replace"))
        check("tshark: no warnings or errors", not re.search(r"^(Errors|Warns) \(", text, re.M),
              text)

    pcap2 = os.path.join(tmp, "b.pcap")
    rc2, out2, _ = run("--vms", "3", "--pcap-out", pcap2)
    d1 = re.search(r"digest ([0-9a-f]+)\s*$", out)
    d2 = re.search(r"digest ([0-9a-f]+)\s*$", out2)
    check("same digest twice", d1 and d2 and d1.group(1) == d2.group(1), f"{d1} {d2}")
    with open(pcap, "rb") as a, open(pcap2, "rb") as b:
        check("identical capture twice", a.read() == b.read())

    rc, out, err = run("--vms", "5", "--console", "5", "--args", "bytes=300000 stats=1",
                       "--loss", "5%", "--loss-seed", "7")
    check("5% loss: exit 0", rc == 0, f"status {rc}\n{out}\n{err}")
    check("5% loss: server got every byte",
          "server: 4 connections, 1200000 bytes, 0 errors" in out, out)
    rex = [int(x) for x in re.findall(r"net: tcp_retransmits (\d+)", out)]
    check("5% loss: retransmissions counted", sum(rex) > 0, str(rex))

    rc, out, err = run("--vms", "40", "--nic", "simple", "--args", "bytes=50000")
    check("40 VMs: 39 clients at once, all exit 0", rc == 0 and
          "terminated ok       40" in out, f"status {rc}\n{out[-1500:]}\n{err}")

    rc, out, err = run("--vms", "2", "--nic", "simple", "--args", "bytes=1000 api=1")
    check("api checks: exit 0", rc == 0, f"status {rc}\n{out}\n{err}")
    m = re.search(r"nettest: vm 1 api: (\d+) checks, (\d+) failed", out)
    check("api checks all pass", m and int(m.group(1)) >= 30 and m.group(2) == "0", out)
    check("api: server saw the extra connection",
          "server: 2 connections, 1000 bytes, 0 errors" in out, out)

    rc, out, err = run("--vms", "1", "--nic", "simple", "--args", "bytes=x=1 nonsense")
    check("bad argument: exit 1", rc == 1 and "bad argument" in out, f"{rc} {out}")

    # without a device flag the VMs have no NIC: the stack says so, the guest exits 1
    rc, out, err = run("--vms", "2")
    check("no NIC: ENETDOWN", rc == 1 and "no IPv4 address" in out, f"{rc} {out}")
finally:
    shutil.rmtree(tmp)

sys.exit(skips.exit_status(failures))
