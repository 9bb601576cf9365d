#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# End to end test of the devices (issue #5): the udpecho guest answers the DNS frames of
# traces/edns-opts.pcap replayed into 4 VMs (flows spread by --pcap-rewrite), and the
# capture shows every answer: by a pcap reader here (always) and by tshark (when it is
# installed; without it the rest runs and the test exits 77, SKIP) with no malformed packets
# and correct IPv4/UDP checksums. Also: the same run twice gives the same digest and a
# byte-identical capture; --nic chatty delays each answer by the 20 extra PIOs it
# charges; --pcap-vm keeps one VM's frames; the counters reach summary.json and the
# summary table; bad device flags and files exit 2 with one line and leave no files.
# usage: udpecho_test.py path/to/denali path/to/udpecho.elf path/to/traces
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import skips  # noqa: E402  (tests/lib/skips.py: a missing tool exits 77, not 0)
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI, IMAGE, TRACES = sys.argv[1:4]
TRACE = os.path.join(TRACES, "edns-opts.pcap")
failures = []


def check(name, cond, detail=""):
    if cond:
        print(f"ok   {name}")
    else:
        failures.append(name)
        print(f"FAIL {name}: {detail}")


def run(*args):
    p = subprocess.run([DENALI, "run", "--image", IMAGE, *args], capture_output=True,
                       timeout=hang(300))
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def read_pcap(path):
    """Frames of a nanosecond pcap as (t_ns, bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack_from("<I", data, 0)
    if magic != 0xA1B23C4D:
        raise ValueError(f"{path}: magic {magic:#x}, not a little-endian ns pcap")
    linktype, = struct.unpack_from("<I", data, 20)
    if linktype != 1:
        raise ValueError(f"{path}: link type {linktype}, not Ethernet")
    frames, off = [], 24
    while off < len(data):
        sec, nsec, caplen, wirelen = struct.unpack_from("<IIII", data, off)
        off += 16
        frames.append((sec * 10**9 + nsec, data[off:off + caplen]))
        off += caplen
    return frames


def udp_key(frame):
    """(src ip, dst ip, sport, dport, payload) of an IPv4/UDP frame, else None."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        return None
    ihl = (frame[14] & 15) * 4
    udp = 14 + ihl
    sport, dport, ulen = struct.unpack_from(">HHH", frame, udp)
    return (frame[26:30], frame[30:34], sport, dport, frame[udp + 8:udp + ulen])


def answers(frames):
    """Matches every frame to a VM (10.0.0.x) with its answer. Returns (pairs, missing)."""
    pairs, missing = [], 0
    for i, (t, f) in enumerate(frames):
        k = udp_key(f)
        if not k or k[1][:3] != b"\x0a\x00\x00":
            continue
        want = (k[1], k[0], k[3], k[2], k[4])
        hit = next((u for u, g in frames[i + 1:] if udp_key(g) == want), None)
        if hit is None:
            missing += 1
        else:
            pairs.append((t, hit))
    return pairs, missing


def echo_run(tmp, name, *extra, vms=4):
    out = os.path.join(tmp, name + ".pcap")
    res = os.path.join(tmp, "res-" + name)
    rc, so, se = run("--vms", str(vms), "--pcap-in", TRACE, "--pcap-rewrite", "11",
                     "--pcap-speed", "4", "--pcap-out", out, "--max-time", "60s",
                     "--results", res, *extra)
    summary = None
    if os.path.exists(os.path.join(res, "summary.json")):
        with open(os.path.join(res, "summary.json")) as f:
            summary = json.load(f)
    return rc, so, se, out, summary


def digest_of(stdout):
    for line in stdout.splitlines():
        if "digest" in line:
            return line.split()[-1]
    return None


def main():
    tmp = tempfile.mkdtemp(prefix="udpecho-test-")
    try:
        rc, so, se, out, js = echo_run(tmp, "a")
        check("echo run exits 0", rc == 0, f"rc {rc}\n{so}\n{se}")
        echoed = sum(int(l.split(" echoed")[0].split()[-1]) for l in so.splitlines()
                     if "udpecho: vm" in l)
        check("guests echoed all 42 replayed frames", echoed == 42, so)
        check("nic line in the summary", "42 sent, 42 received" in so, so)
        dev = (js or {}).get("devices", {})
        check("summary.json counters",
              dev.get("nic_sent") == 42 and dev.get("nic_received") == 42 and
              dev.get("replayed") == 42 and dev.get("captured") == 84 and
              dev.get("switch_forwarded") == 84 and
              all(v == 0 for v in dev.get("dropped", {"x": 1}).values()), str(dev))
        # Switches by cause sum to the switches; every queued frame is counted in
        # exactly one interrupt handling (an upcall or a poll), issue 15.
        causes = (js or {}).get("context_switch_causes", {})
        check("switch causes sum to the context switches",
              sum(v for n, v in causes.items() if not n.startswith("to_")) ==
              (js or {}).get("context_switches", -1) and causes.get("idled", 0) > 0, str(causes))
        ji = (js or {}).get("interrupts", {})
        handlings = ji.get("upcalls", 0) + ji.get("polls", 0)
        hist = ji.get("frames_per_handling_histogram", [])
        check("frames per handling: 42 frames over the handlings",
              handlings > 0 and sum(n for _, n in hist) == handlings and
              round(ji.get("frames_per_handling", 0) * handlings) == 42, str(ji))
        frames = read_pcap(out)
        check("capture holds 84 frames", len(frames) == 84, str(len(frames)))
        check("capture timestamps do not go back",
              all(a[0] <= b[0] for a, b in zip(frames, frames[1:])))
        pairs, missing = answers(frames)
        check("every replayed datagram has its answer in the capture",
              len(pairs) == 42 and missing == 0, f"{len(pairs)} answered, {missing} missing")
        lat = [b - a for a, b in pairs]
        check("answers come after their queries", lat and min(lat) > 0, str(lat[:5]))

        rc2, so2, _, out2, _ = echo_run(tmp, "b")
        d1, d2 = digest_of(so), digest_of(so2)
        check("same digest twice", rc2 == 0 and d1 and d1 == d2, f"{d1} {d2}")
        with open(out, "rb") as f1, open(out2, "rb") as f2:
            check("byte-identical capture twice", f1.read() == f2.read())

        rc, so_c, _, out_c, js_c = echo_run(tmp, "chatty", "--nic", "chatty")
        pairs_c, missing_c = answers(read_pcap(out_c))
        lat_c = [b - a for a, b in pairs_c]
        # A chatty receive costs 10 PIOs instead of 1: 9 x 2,000 cycles at 1.7 GHz =
        # 10.6 us before the answer is sent (a send's 12 PIOs are charged after its frame
        # is queued), plus scheduling differences: between 10 and 30 us later on average.
        extra = (sum(lat_c) / len(lat_c) - sum(lat) / len(lat)) if lat_c and lat else 0
        check("chatty NIC: same answers, each 10-30 us later",
              rc == 0 and len(pairs_c) == 42 and missing_c == 0 and 10000 < extra < 30000,
              f"rc {rc}, {len(pairs_c)} answers, {extra:.0f} ns later")
        check("chatty NIC: digest differs", digest_of(so_c) != d1)

        rc, so_v, _, out_v, js_v = echo_run(tmp, "vm0", "--pcap-vm", "0")
        fv = read_pcap(out_v)
        vm0 = b"\x0a\x00\x00\x01"
        check("--pcap-vm 0 keeps VM 0's frames only",
              rc == 0 and len(fv) == 42 and
              all(udp_key(f) and vm0 in (udp_key(f)[0], udp_key(f)[1]) for _, f in fv),
              f"{len(fv)} frames")

        rc, so8, _, _, _ = echo_run(tmp, "eight", vms=8)
        check("8 VMs: summary table has the device lines",
              rc == 0 and "nic " in so8 and "switch " in so8 and "42 frames replayed" in so8,
              so8)

        # No device flags: the NIC ports are unknown ports, the guest sees no frames.
        rc, so, se = run("--vms", "1")
        check("no devices: udpecho idles and exits", rc == 0 and ": 0 frames," in so
              and "nic " not in so, so + se)

        # A disk image is created with its size (sparse) and survives the run.
        img = os.path.join(tmp, "d.img")
        rc, so, se = run("--disk", img + ":64K", "--max-time", "10s")
        check("--disk creates the image", rc == 0 and os.path.getsize(img) == 65536,
              so + se)

        tshark_checks(out)
        bad_inputs(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return skips.exit_status(failures)


def tshark_checks(out):
    if not skips.need("tshark", "tshark's checks of the capture"):
        return
    env = dict(os.environ, HOME=tempfile.gettempdir())
    p = subprocess.run(["tshark", "-r", out, "-q", "-z", "expert"], capture_output=True,
                       timeout=hang(120), env=env)
    text = p.stdout.decode(errors="replace")
    check("tshark reads the capture", p.returncode == 0, p.stderr.decode(errors="replace"))
    check("tshark: no malformed packets or expert errors",
          "Malformed" not in text and "Errors (" not in text, text)
    p = subprocess.run(["tshark", "-r", out, "-o", "ip.check_checksum:TRUE",
                        "-o", "udp.check_checksum:TRUE", "-Y", "ip.src == 10.0.0.0/24",
                        "-T", "fields", "-e", "dns.id", "-e", "ip.checksum.status",
                        "-e", "udp.checksum.status"], capture_output=True, timeout=hang(120),
                       env=env)
    rows = [l.split("\t") for l in p.stdout.decode().splitlines()]
    check("tshark: 42 DNS answers from the VMs, IPv4 and UDP checksums good",
          len(rows) == 42 and all(r[0] and r[1] == "1" and r[2] == "1" for r in rows),
          str(rows[:4]))


def bad_inputs(tmp):
    out = os.path.join(tmp, "bad.pcap")
    cases = {
        "missing trace": (["--pcap-in", os.path.join(tmp, "none.pcap"), "--pcap-out", out],
                          "none.pcap"),
        "not a trace": (["--pcap-in", IMAGE, "--pcap-out", out], os.path.basename(IMAGE)),
        "capture dir missing": (["--pcap-out", os.path.join(tmp, "no", "x.pcap")], "x.pcap"),
        "nic model": (["--nic", "fast"], "--nic"),
        "speed": (["--pcap-speed", "0"], "--pcap-speed"),
        "pcap-vm without out": (["--pcap-vm", "0"], "--pcap-vm"),
        "pcap-vm range": (["--pcap-vm", "9", "--pcap-out", out], "--pcap-vm"),
        "disk size": (["--disk", os.path.join(tmp, "x.img") + ":5000"], "--disk"),
        "disk missing": (["--disk", os.path.join(tmp, "nodisk.img")], "nodisk.img"),
        "disk vms": (["--disk", os.path.join(tmp, "y.img") + ":64K:vms=7"], "y.img"),
        "flag value": (["--pcap-loops"], "--pcap-loops"),
    }
    for name, (args, needle) in cases.items():
        rc, so, se = run("--vms", "2", *args)
        lines = se.strip("\n").split("\n")
        left = [f for f in ("bad.pcap", "x.img", "y.img") if os.path.exists(os.path.join(tmp, f))]
        check("bad input: " + name,
              rc == 2 and so == "" and len(lines) == 1 and needle in se and not left,
              f"rc {rc}, stderr {se!r}, files left {left}")


if __name__ == "__main__":
    sys.exit(main())
