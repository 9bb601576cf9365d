#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The applications under the simulator, across machines (server machine 0 and a
# client machine linked through the switch), checked by their own results and by
# tshark on the capture:
#  web:  8 httpd VMs, a client machine with 2 httpgen VMs (Zipf alpha 1.0, verify=1,
#        0.5 s): replies > 0, no errors or timeouts, same digest and byte-identical
#        capture twice, tshark expert finds no Warning or Error, no TCP analysis flags
#        (retransmissions, duplicate ACKs, zero windows...) on a lossless link;
#  game: 2 gamesrv VMs, 8 gameclient VMs (4 per server, 2 s): latency samples around
#        half a tick, snapshots flowing both ways, no bad datagrams;
#  tcp:  tcpbench 1 MiB over a link losing 2% of frames (two loss seeds): every byte
#        intact, retransmissions visible in the capture, no tshark expert Error; 4 MiB
#        with verify=0 and 64 KiB buffers on a clean link: no TCP analysis flags;
#  hostile: 4 httpd VMs serve verified requests while 3,000 hostile frames (garbage,
#        broken IPv4/TCP/UDP/ICMP/ARP headers and checksums, fragments, stray and
#        forged TCP segments, a few half-open SYNs, HTTP garbage) are replayed at them
#        (--pcap-in): every request still answered, no VM killed, same digest twice.
# Without tshark the checks that need it do not run and the test exits 77 (SKIP).
# usage: sim_test.py path/to/denali BUILD/guests/apps [web|game|tcp ...]
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import skips  # noqa: E402  (tests/lib/skips.py: a missing tool exits 77, not 0)
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI, APPS = sys.argv[1:3]
ONLY = sys.argv[3:]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[-3000:]))
    if not cond:
        failures.append(name)


def image(name):
    return os.path.join(APPS, name + "-gcc-O2.elf")


def run(tmp, tag, args):
    res = os.path.join(tmp, "res-" + tag)
    cap = os.path.join(tmp, tag + ".pcap")
    p = subprocess.run([DENALI, "run", "--results", res, "--pcap-out", cap] + args,
                       capture_output=True, text=True, timeout=hang(600))
    js = {}
    try:
        with open(os.path.join(res, "summary.json")) as f:
            js = json.load(f)
    except (OSError, ValueError):
        pass
    digest = next((l.split()[-1] for l in p.stdout.splitlines() if "digest" in l), None)
    return p, js, cap, digest


def results(js):
    """Every machine's results: {name: [entry per machine that has it]}. With client
    machines summary.json lists each under "machines" (machine 0's also at the top)."""
    out = {}
    for m in js.get("machines") or [js]:
        for k, v in (m.get("results") or {}).items():
            out.setdefault(k, []).append(v)
    return out


def total(res, name, field="sum"):
    return sum(e.get(field, 0) for e in res.get(name, []))


def tshark(*args):
    env = dict(os.environ, HOME=tempfile.gettempdir())
    p = subprocess.run(["tshark"] + list(args), capture_output=True, text=True, timeout=hang(300),
                       env=env)
    return p.returncode, p.stdout, p.stderr


def expert_problems(cap, allow_warnings=False):
    """The Error (and Warning) groups of tshark's expert info, as text ('' if none).
    tshark's QUAKE2 dissector claims UDP port 27910, but our game protocol only
    borrows Quake's port, not its wire format: port 27910 is decoded as plain data."""
    rc, out, err = tshark("-r", cap, "-d", "udp.port==27910,data", "-q", "-z", "expert")
    if rc != 0:
        return f"tshark failed: {err}"
    bad = []
    for sev in ("Errors", "Warns") if not allow_warnings else ("Errors",):
        for block in out.split("\n\n"):
            if block.strip().startswith(sev + " ("):
                bad.append(block.strip())
    if "Malformed" in out:
        bad.append("Malformed packet")
    return "\n".join(bad)


def count(cap, filt):
    rc, out, err = tshark("-r", cap, "-Y", filt, "-T", "fields", "-e", "frame.number")
    return len(out.split()) if rc == 0 else -1


def web(tmp):
    args = ["--image", image("httpd"), "--vms", "8", "--args", "quiet=1",
            "--client", image("httpgen"), "--client-vms", "2", "--client-args",
            "servers=8 rate=200 max=16 alpha=1.0 duration=0.5s verify=1",
            "--max-time", "30s"]
    p, js, cap, d1 = run(tmp, "web1", args)
    res = results(js)
    replies, reqs = total(res, "http.replies"), total(res, "http.requests")
    check("web: replies > 0, every request answered", replies > 0 and replies == reqs,
          p.stdout + p.stderr)
    check("web: no errors, timeouts or overload; every httpgen exits 0",
          p.returncode == 0 and
          all(total(res, k) == 0 for k in ("http.errors", "http.timeouts", "http.overload")),
          {k: res.get(k) for k in res})
    check("web: the servers saw every request, no server errors",
          total(res, "httpd.requests") == reqs and total(res, "httpd.errors") == 0, res)
    check("web: latency histogram of every reply",
          total(res, "http.latency_ns", "count") == replies, res.get("http.latency_ns"))
    check("web: bytes = replies x 2258", total(res, "http.bytes") == replies * 2258, res)
    p2, _, cap2, d2 = run(tmp, "web2", args)
    check("web: same digest twice", d1 and d1 == d2, (d1, d2))
    with open(cap, "rb") as a, open(cap2, "rb") as b:
        check("web: byte-identical capture twice", a.read() == b.read())
    if skips.need("tshark", "tshark's checks of the captures"):
        probs = expert_problems(cap)
        check("web: tshark expert: no Warning or Error", probs == "", probs)
        n = count(cap, "tcp.analysis.flags && !tcp.analysis.window_update")
        check("web: no TCP analysis flags on a lossless link", n == 0, n)
        n = count(cap, "http.response.code == 200")
        check("web: tshark sees the 200 responses", n == replies, (n, replies))
    # Persistent connections and the closed loop in the guest: /large (134,007 bytes,
    # many segments per reply) over kept-alive connections, every byte verified.
    args = ["--image", image("httpd"), "--vms", "4", "--args", "quiet=1",
            "--client", image("httpgen"), "--client-vms", "2", "--client-args",
            "servers=4 mode=closed conns=3 keepalive=1 path=/large duration=0.3s verify=1",
            "--max-time", "30s"]
    p, js, cap, _ = run(tmp, "web-ka", args)
    res = results(js)
    replies = total(res, "http.replies")
    check("web keep-alive /large: replies, no errors, fewer connections than requests",
          replies > 10 and total(res, "http.errors") == 0 and
          total(res, "http.bytes") == replies * 134007 and p.returncode == 0,
          p.stdout[-2000:] + p.stderr)
    if skips.need("tshark", "tshark's checks of the captures"):
        syns = count(cap, "tcp.flags.syn == 1 && tcp.flags.ack == 0")
        check("web keep-alive: at most one SYN per (generator thread, server)",
              0 < syns <= 2 * 3 * 4, (syns, replies))


def game(tmp):
    args = ["--image", image("gamesrv"), "--vms", "2", "--args", "quiet=1",
            "--client", image("gameclient"), "--client-vms", "8", "--client-args",
            "servers=2 duration=2s", "--max-time", "30s"]
    p, js, cap, d1 = run(tmp, "game", args)
    res = results(js)
    sent, snaps = total(res, "game.sent"), total(res, "game.snapshots")
    lat = res.get("game.latency_ns", [{}])[0]
    check("game: 8 clients sent ~40 updates each", 8 * 35 <= sent <= 8 * 41, sent)
    check("game: servers took them in", total(res, "game.updates_in") >= sent - 8, res)
    check("game: snapshots out = snapshots received (lossless)",
          total(res, "game.snapshots_out") >= snaps >= 8 * 15, res)
    check("game: latency samples, mean under a tick",
          lat.get("count", 0) >= sent - 16 and 0 < lat.get("mean", 0) < 100_000_000, lat)
    # denali exits 0 only when every client VM did; a gameclient exits 1 when a
    # snapshot echoed a state other than the one it sent (or none came).
    check("game: every client exits 0 (joined, snapshots, no mismatches)",
          p.returncode == 0, p.stdout[-2000:] + p.stderr)
    if skips.need("tshark", "tshark's checks of the captures"):
        probs = expert_problems(cap)
        check("game: tshark expert: no Warning or Error", probs == "", probs)


def tcp(tmp):
    for seed in ("7", "11"):
        args = ["--image", image("tcpbench"), "--vms", "1", "--args", "mode=recv bytes=1M",
                "--client", image("tcpbench"), "--client-args",
                "mode=send dst=10.0.0.1 bytes=1M", "--loss", "0.02", "--loss-seed", seed,
                "--max-time", "120s"]
        p, js, cap, d = run(tmp, "tcp" + seed, args)
        res = results(js)
        check(f"tcp loss seed {seed}: 1 MiB received intact", "received 1048576 bytes, 0 errors"
              in p.stdout and total(res, "tcp.errors") == 0, p.stdout[-3000:] + p.stderr)
        if skips.need("tshark", "tshark's checks of the captures"):
            n = count(cap, "tcp.analysis.retransmission || tcp.analysis.fast_retransmission")
            check(f"tcp loss seed {seed}: retransmissions in the capture", n > 0, n)
            probs = expert_problems(cap, allow_warnings=True)
            check(f"tcp loss seed {seed}: tshark expert: no Error", probs == "", probs)
    # verify=0 (the paper's benchmark: nothing checked) with 64 KiB socket buffers
    args = ["--image", image("tcpbench"), "--args", "mode=recv bytes=4M verify=0 rcvbuf=64K",
            "--client", image("tcpbench"), "--client-args",
            "mode=send dst=10.0.0.1 bytes=4M verify=0 sndbuf=64K", "--max-time", "60s"]
    p, js, cap, d = run(tmp, "tcpfast", args)
    res = results(js)
    check("tcp verify=0: 4 MiB counted on both ends", "received 4194304 bytes, 0 errors"
          in p.stdout and "sent 4194304 bytes, 0 errors" in p.stdout and
          total(res, "tcp.errors") == 0, p.stdout[-3000:] + p.stderr)
    if skips.need("tshark", "tshark's checks of the captures"):
        n = count(cap, "tcp.analysis.flags && !tcp.analysis.window_update")
        check("tcp verify=0: no TCP analysis flags on a lossless link", n == 0, n)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def hostile_frames(rng, n, servers):
    """n hostile Ethernet frames for the first `servers` VMs of machine 0."""
    frames = []
    for i in range(n):
        vm = rng.randrange(servers)
        dst = bytes([2, 0x44, 0x4e, 0, 0, vm])
        src = bytes([0, 0x16, 0x3e, rng.randrange(256), rng.randrange(256), rng.randrange(256)])
        ip_dst = bytes([10, 0, 0, vm + 1])
        ip_src = bytes([10, 200, rng.randrange(256), rng.randrange(1, 255)])
        kind = i % 10
        if kind == 0:  # garbage after the Ethernet header
            body = rng.randbytes(rng.randrange(0, 1501))
            frames.append(dst + src + rng.randbytes(2) + body)
            continue
        if kind == 9:  # ARP: random opcodes, lengths, truncations (never the client's IP)
            arp = bytearray(rng.randbytes(28))
            if rng.random() < 0.5:
                arp[0:8] = b"\x00\x01\x08\x00\x06\x04\x00" + bytes([rng.randrange(1, 5)])
                arp[8:14] = src
                arp[14:18] = ip_src
                arp[24:28] = ip_dst
            frames.append((b"\xff" * 6 if rng.random() < 0.5 else dst) + src + b"\x08\x06" +
                          bytes(arp[:rng.randrange(0, 29)]))
            continue
        proto = {1: 6, 2: 6, 3: 6, 4: 6, 5: 17, 6: 1, 7: 6, 8: 6}[kind]
        if kind in (1, 2, 3, 4, 7, 8):  # TCP, mostly to port 80
            sport, dport = rng.randrange(1024, 65536), 80 if rng.random() < 0.8 else rng.randrange(65536)
            if kind == 1:  # random header: data offset, flags, options past the end
                l4 = bytearray(rng.randbytes(20 + rng.randrange(0, 40)))
                l4[0:4] = struct.pack("!HH", sport, dport)
            else:
                flags = {2: 0x04, 3: 0x10, 4: 0x18, 7: 0x01, 8: 0x02}[kind]  # RST ACK PSH FIN SYN
                if kind == 8 and i % 100 != 8:  # only a few half-open SYNs
                    flags = 0x11
                payload = b""
                if kind == 4:
                    payload = rng.choice([b"GET / HTTP/1.1\r\n" * rng.randrange(1, 60),
                                          b"GET /" + b"A" * rng.randrange(0, 1400),
                                          rng.randbytes(rng.randrange(0, 1400))])[:1400]
                l4 = bytearray(struct.pack("!HHIIBBHHH", sport, dport, rng.getrandbits(32),
                                           rng.getrandbits(32), 5 << 4, flags,
                                           rng.randrange(65536), 0, 0) + payload)
        elif proto == 17:  # UDP to any port
            payload = rng.randbytes(rng.randrange(0, 1400))
            l4 = bytearray(struct.pack("!HHHH", rng.randrange(65536), rng.randrange(65536),
                                       8 + len(payload), 0) + payload)
        else:  # ICMP: echo requests of any size, and other types
            payload = rng.randbytes(rng.randrange(0, 1400))
            l4 = bytearray(struct.pack("!BBHHH", rng.choice([8, 8, 0, 3, 5, 11, 13, 255]),
                                       rng.randrange(4), 0, rng.randrange(65536), i) + payload)
        pseudo = ip_src + ip_dst + struct.pack("!BBH", 0, proto, len(l4))
        if rng.random() < 0.8:  # mostly right checksums, so the segments get further
            off = {6: 16, 17: 6, 1: 2}[proto]
            if len(l4) >= off + 2:
                c = csum(bytes(l4) if proto == 1 else pseudo + bytes(l4))
                l4[off:off + 2] = struct.pack("!H", c)
        frag = 0x2000 | rng.randrange(8192) if rng.random() < 0.05 else 0
        ttl_len = 20 + len(l4) if rng.random() < 0.9 else rng.randrange(65536)
        iph = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, ttl_len, i & 0xffff, frag,
                                    rng.randrange(256), proto, 0, ip_src, ip_dst))
        if rng.random() < 0.9:
            iph[10:12] = struct.pack("!H", csum(bytes(iph)))
        if rng.random() < 0.05:
            iph[0] = rng.randrange(256)  # version/IHL nonsense
        frames.append(dst + src + b"\x08\x00" + bytes(iph) + bytes(l4))
    return [f[:1514] for f in frames]


def write_pcap(path, frames, start_ns, step_ns):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            t = start_ns + i * step_ns
            f.write(struct.pack("<IIII", t // 10**9, t % 10**9 // 1000, len(fr), len(fr)) + fr)


def hostile(tmp):
    rng = random.Random(20261129)
    trace = os.path.join(tmp, "hostile.pcap")
    # 3,000 frames from 0.1 s to 0.55 s, while the load runs (0.1 s to 0.6 s).
    write_pcap(trace, hostile_frames(rng, 3000, 4), 100_000_000, 150_000)
    args = ["--image", image("httpd"), "--vms", "4", "--args", "quiet=1",
            "--pcap-in", trace,
            "--client", image("httpgen"), "--client-vms", "2", "--client-args",
            "servers=4 rate=200 max=16 alpha=0 duration=0.5s verify=1",
            "--max-time", "30s"]
    p, js, _, d1 = run(tmp, "hostile1", args)
    res = results(js)
    replies, reqs = total(res, "http.replies"), total(res, "http.requests")
    check("hostile: every verified request answered despite 3,000 hostile frames",
          replies > 100 and replies == reqs and total(res, "http.errors") == 0 and
          total(res, "http.timeouts") == 0 and p.returncode == 0,
          p.stdout[-2000:] + p.stderr)
    vms = js.get("per_vm") or []
    check("hostile: no httpd VM killed or hung",
          len(vms) == 4 and all(v.get("state") == "stopped" for v in vms),
          [(v.get("id"), v.get("state"), v.get("diagnostic")) for v in vms])
    dev = js.get("devices") or {}
    check("hostile: all 3,000 frames replayed into the servers",
          dev.get("replayed") == 3000 and dev.get("nic_received", 0) > 3000, dev)
    _, _, _, d2 = run(tmp, "hostile2", args)
    check("hostile: same digest twice", d1 and d1 == d2, (d1, d2))


def main():
    tmp = tempfile.mkdtemp(prefix="apps-sim-")
    try:
        for name, fn in (("web", web), ("game", game), ("tcp", tcp), ("hostile", hostile)):
            if not ONLY or name in ONLY:
                fn(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return skips.exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
