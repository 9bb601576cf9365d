# SPDX-License-Identifier: MIT
# Lab 6 tests (docs/labs/lab6.md): ARP, UDP and a reliable transfer on the raw NIC.
# The ARP and echo tests replay a trace the grader builds from real captures in
# traces/ (DHCP and VRRP noise, DNS messages from edns-opts.pcap as payloads) plus
# hand-made ARP and broken frames, capture what the VM sends (--pcap-out) and check it
# frame by frame here; tshark checks the same captures where it is installed (the
# *-tshark tests are skipped without it). The transfer runs without loss and with 5%
# frame loss under three loss seeds.
import os
import struct
import subprocess

from grading import Test, console_is, exit_code, read_pcap, write_pcap

TITLE = "a network stack on the raw NIC"
TRACES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "traces")

VM0_MAC = bytes.fromhex("02444e000000")
VM0_IP = bytes([10, 0, 0, 1])
CLIENT_MAC = bytes.fromhex("0200000000c8")
CLIENT_IP = bytes([10, 0, 0, 200])
BCAST = b"\xff" * 6
MS = 1000000


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def arp(op, sha, spa, tha, tpa, dst=BCAST):
    return dst + sha + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + \
        sha + spa + tha + tpa


def udp(src_ip, dst_ip, sport, dport, payload, src_mac=CLIENT_MAC, dst_mac=VM0_MAC,
        bad_udp=False, bad_ip=False, frag=False):
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = csum(src_ip + dst_ip + struct.pack("!BBH", 0, 17, len(u)) + u) or 0xffff
    u = u[:6] + struct.pack("!H", c ^ (0x5555 if bad_udp else 0)) + u[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 7, 0x2000 if frag else 0, 64,
                     17, 0, src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", csum(ip) ^ (0x1111 if bad_ip else 0)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + u


def trace_frames(name, n):
    return [f for _, f in read_pcap(os.path.join(TRACES, name))[:n]]


def dns_payloads(n):
    out = []
    for _, f in read_pcap(os.path.join(TRACES, "edns-opts.pcap")):
        if len(f) > 42 and f[12:14] == b"\x08\x00" and f[23] == 17:
            ihl = (f[14] & 15) * 4
            u = f[14 + ihl:]
            if struct.unpack("!H", u[2:4])[0] == 53:
                out.append(u[8:struct.unpack("!H", u[4:6])[0]])
    return out[:n]


def replay(build):
    """A setup: writes the trace build() makes and captures VM 0's frames."""
    def setup(work):
        trace = os.path.join(work, "in.pcap")
        write_pcap(trace, build())
        return ["--pcap-in", trace, "--pcap-out", os.path.join(work, "out.pcap"),
                "--pcap-vm", "0"]
    return setup


REQUESTERS = [(bytes.fromhex("0200000000%02x" % (0xc8 + i)), bytes([10, 0, 0, 200 + i]))
              for i in range(5)]


def arp_trace():
    frames = [arp(1, mac, ip, b"\0" * 6, VM0_IP) for mac, ip in REQUESTERS]
    frames += [arp(1, CLIENT_MAC, CLIENT_IP, b"\0" * 6, bytes([10, 0, 0, 7]))] * 3
    noise = trace_frames("dhcp-rfc4388.pcap", 10) + trace_frames("vrrp.pcap", 10)
    out = []
    for i, f in enumerate(frames + noise):
        out.append((MS + i * MS // 2, f))
    return sorted(out, key=lambda x: x[0])


def echo_trace():
    out = [(MS, arp(1, CLIENT_MAC, CLIENT_IP, b"\0" * 6, VM0_IP))]
    for i, p in enumerate(dns_payloads(20)):
        out.append((2 * MS + i * MS, udp(CLIENT_IP, VM0_IP, 5353, 7, p)))
    bad = [udp(CLIENT_IP, VM0_IP, 5353, 7, b"bad udp checksum", bad_udp=True),
           udp(CLIENT_IP, VM0_IP, 5353, 7, b"bad ip checksum", bad_ip=True),
           udp(CLIENT_IP, VM0_IP, 5353, 7, b"a fragment", frag=True),
           udp(CLIENT_IP, VM0_IP, 5353, 9, b"nobody on port 9"),
           udp(CLIENT_IP, bytes([10, 0, 0, 9]), 5353, 7, b"not our address")]
    out += [(30 * MS + i * MS, f) for i, f in enumerate(bad)]
    return out


def sent_by_vm0(run):
    path = os.path.join(run.workdir, "out.pcap")
    return [f for _, f in read_pcap(path) if f[6:12] == VM0_MAC]


def arp_replies_ok(run):
    try:
        frames = sent_by_vm0(run)
    except (OSError, ValueError) as e:
        return "no capture: %s" % e
    replies = [f for f in frames if f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02"]
    want = [arp(2, VM0_MAC, VM0_IP, mac, ip, dst=mac) for mac, ip in REQUESTERS]
    if replies != want:
        for i, w in enumerate(want):
            if i >= len(replies):
                return "%d ARP replies sent, want %d (one per request for 10.0.0.1)" % (
                    len(replies), len(want))
            if replies[i] != w:
                return "ARP reply %d is %s, want %s" % (i + 1, replies[i].hex(), w.hex())
        return "%d ARP replies sent, want %d: requests for 10.0.0.7 need none" % (
            len(replies), len(want))
    asks = [f for f in frames if f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x01"]
    if not asks or any(f[:6] != BCAST or f[38:42] != bytes([10, 0, 0, 99]) for f in asks):
        return "the requests for 10.0.0.99 are missing or wrong (%d sent)" % len(asks)
    other = [f for f in frames if f[12:14] != b"\x08\x06"]
    if other:
        return "%d frames other than ARP sent (the noise needs no answer)" % len(other)
    return None


def echoes_ok(run):
    try:
        frames = sent_by_vm0(run)
    except (OSError, ValueError) as e:
        return "no capture: %s" % e
    got = [f for f in frames if f[12:14] == b"\x08\x00"]
    want = [udp(VM0_IP, CLIENT_IP, 7, 5353, p, src_mac=VM0_MAC, dst_mac=CLIENT_MAC)
            for p in dns_payloads(20)]
    if len(got) != len(want):
        return "%d IPv4 frames sent, want %d echoes" % (len(got), len(want))
    for i, (g, w) in enumerate(zip(got, want)):
        ip = g[14:34]
        if csum(ip) != 0:
            return "echo %d: bad IPv4 header checksum" % (i + 1)
        if g[:14] != w[:14] or g[14] != 0x45 or g[23] != 17 or g[26:34] != w[26:34]:
            return "echo %d: wrong Ethernet or IPv4 addresses or protocol" % (i + 1)
        u = g[34:]
        if csum(ip[12:20] + struct.pack("!BBH", 0, 17, len(u)) + u) != 0:
            return "echo %d: bad UDP checksum" % (i + 1)
        if u[:6] != w[34:40] or u[8:] != w[42:]:
            return "echo %d: wrong ports, length or data" % (i + 1)
    return None


def tshark(args):
    # Port 7000 is also AFS's: decode the transfer as plain data.
    return subprocess.run(["tshark", "-n", "-d", "udp.port==7000,data"] + args,
                          capture_output=True, text=True)


def tshark_arp(run):
    r = tshark(["-r", os.path.join(run.workdir, "out.pcap"), "-Y",
                "arp.opcode == 2 && eth.src == 02:44:4e:00:00:00", "-T", "fields", "-e",
                "arp.dst.proto_ipv4"])
    want = ["10.0.0.%d" % (200 + i) for i in range(5)]
    if r.returncode or r.stdout.split() != want:
        return "tshark finds ARP replies to %s, want %s" % (r.stdout.split(), want)
    return None


def tshark_clean(filt, count_filter, count):
    """tshark (checksums checked) finds no bad checksum or malformed frame from VM 0,
    and `count` frames matching count_filter."""
    def check(run):
        cap = os.path.join(run.workdir, "out.pcap")
        opts = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"]
        r = tshark(["-r", cap] + opts + ["-Y", "eth.src == 02:44:4e:00:00:00 && (" + filt +
                                         ")"])
        if r.returncode:
            return "tshark failed: %s" % r.stderr.strip()
        if r.stdout.strip():
            return "tshark: %s" % r.stdout.strip().splitlines()[0]
        r = tshark(["-r", cap] + opts + ["-Y", count_filter])
        n = len(r.stdout.strip().splitlines())
        if n < count:
            return "tshark counts %d frames matching %r, want at least %d" % (
                n, count_filter, count)
        return None
    return check


BAD = 'ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || _ws.malformed'
RT_OK = [console_is(["rt: sent 49152 bytes"], vm=0),
         console_is(["rt: received 49152 bytes, intact"], vm=1),
         exit_code(0, vm=0), exit_code(0, vm=1)]


def capture(work):
    return ["--pcap-out", os.path.join(work, "out.pcap")]


TESTS = [
    Test("arp", 20, "arp", [], [console_is([
        "arp: 5 requests answered; a send to a silent host returned -1 after about 1 s"]),
        exit_code(0), arp_replies_ok], setup=replay(arp_trace), max_time="2s"),
    Test("arp-tshark", 5, "arp", [], [tshark_arp], setup=replay(arp_trace),
         max_time="2s", needs=["tshark"]),
    Test("udp-echo", 20, "echo", [], [console_is([
        "echo: 20 datagrams echoed, second bind of port 7 returns -1"]), exit_code(0),
        echoes_ok], setup=replay(echo_trace), max_time="1s"),
    Test("udp-echo-tshark", 5, "echo", [], [tshark_clean(BAD, "udp.srcport == 7", 20)],
         setup=replay(echo_trace), max_time="1s", needs=["tshark"]),
    Test("transfer", 15, "rt", ["--vms", "2", "--nic", "simple"], RT_OK, max_time="5s"),
] + [Test("transfer-loss-seed%d" % seed, 10, "rt",
          ["--vms", "2", "--loss", "5%", "--loss-seed", str(seed)], RT_OK, max_time="10s")
     for seed in (1, 2, 3)] + [
    Test("transfer-tshark", 5, "rt", ["--vms", "2", "--loss", "5%"],
         [tshark_clean(BAD, "udp.port == 7000", 48)] + RT_OK, setup=capture,
         max_time="10s", needs=["tshark"]),
]
