#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Several simulated machines in one run (docs/machines.md), end to end: udpecho VMs on
# machine 0 answer udpping clients on other machines (--client), across the link
# between the machines' switches. Checks: every datagram echoed; round trip >= 2 x the
# link latency, and exactly 2 x 80 us longer with --link-latency 100us; the same digest
# twice; the run ends with the clients (server VMs stopped, exit 0); summary.json has a
# "machines" array with each machine's counters; --args reaches the guests' argv;
# --loss 0.3 loses some but not all datagrams, the same ones every run, counted in the
# summary and summary.json, others with another --loss-seed; --pcap-out captures
# machine 0 by default and another machine with --pcap-machine (checked by a pcap
# reader, and by tshark: without tshark the rest runs and the test exits 77, SKIP);
# --machine-threads changes no digest; bad
# input for every new flag exits 2 with one
# line naming the flag or file and leaves no files.
# usage: machines_test.py path/to/denali path/to/udpecho.elf path/to/udpping.elf
import json
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

DENALI, ECHO, PING = sys.argv[1:4]
failures = []


def check(name, cond, detail=""):
    if cond:
        print(f"ok   {name}")
    else:
        failures.append(name)
        print(f"FAIL {name}: {detail}")


def run(*args):
    p = subprocess.run([DENALI, "run", *args], capture_output=True, timeout=hang(300))
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def pings(out):
    """{(machine, vm): (sent, echoed, lost, rtt_min)} from the udpping lines."""
    res = {}
    for m in re.finditer(r"\[m(\d+) vm (\d+)\] udpping: vm \d+ [\d.]+: (\d+) sent, (\d+) "
                         r"echoed, (\d+) lost, rtt min (\d+) ns", out):
        res[(int(m[1]), int(m[2]))] = tuple(int(m[i]) for i in range(3, 7))
    return res


def digest(out):
    m = re.search(r"digest ([0-9a-f]{16})\s*$", out)
    return m[1] if m else None


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    frames, off = [], 24
    while off < len(data):
        _, _, caplen, _ = struct.unpack_from("<IIII", data, off)
        off += 16
        frames.append(data[off:off + caplen])
        off += caplen
    return frames


def ipv4s(frame):
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None
    return ".".join(map(str, frame[26:30])), ".".join(map(str, frame[30:34]))


BASE = ["--image", ECHO, "--vms", "2", "--client", PING, "--client-args", "-n 6 -t 2",
        "--client", PING, "--client-vms", "2", "--client-args", "-n 4 -t 2"]


def good_runs(tmp):
    res = os.path.join(tmp, "res")
    rc, out, err = run(*BASE, "--results", res)
    p = pings(out)
    check("three clients answered", rc == 0 and len(p) == 3 and
          all(v[1] == v[0] and v[2] == 0 for v in p.values()), f"rc={rc} {p} {err}")
    rtt = min(v[3] for v in p.values()) if p else 0
    check("round trip >= 2 x 20 us link latency", rtt >= 2 * 20000, str(rtt))
    check("server VMs stopped when the clients end",
          "vm 0: stopped" in out and "vm 1: stopped" in out and
          "every client VM ended" in out, out[-2000:])
    check("one block per machine", all(f"machine {m} (" in out for m in range(3)) and
          "machine 1 (client): 1 VMs of" in out and "machine 2 (client): 2 VMs of" in out)
    try:
        with open(os.path.join(res, "summary.json")) as f:
            j = json.load(f)
        ms = j["machines"]
        check("summary.json machines", len(ms) == 3 and
              [m["role"] for m in ms] == ["server", "client", "client"] and
              [m["vms"] for m in ms] == [2, 1, 2] and ms[1]["cmdline"] == "-n 6 -t 2" and
              ms[2]["terminated_ok"] == 2 and j["vms"] == 2 and j["digest"] == digest(out)
              and j["link"]["frames"] == 2 * 14 and j["link"]["latency_ns"] == 20000,
              json.dumps(j.get("link")))
        check("summary.json per-machine results", ms[2]["results"]["udpping.lost"]
              ["sum"] == 0 if "udpping.lost" in ms[2].get("results", {}) else False,
              json.dumps(ms[2].get("results"))[:300])
    except (OSError, ValueError, KeyError, TypeError) as e:
        check("summary.json machines", False, repr(e))
    rc2, out2, _ = run(*BASE)
    check("same digest twice", digest(out) and digest(out) == digest(out2),
          f"{digest(out)} {digest(out2)}")
    rc, q, _ = run(*BASE, "--quiet")
    check("--quiet prints the run digest", q.strip() == "digest " + str(digest(out)), q)
    for n in ("2", "3"):
        rc, q, _ = run(*BASE, "--quiet", "--machine-threads", n)
        check(f"--machine-threads {n}: the same digest", rc == 0 and
              q.strip() == "digest " + str(digest(out)), q)

    rc, out3, _ = run(*BASE, "--link-latency", "100us")
    p3 = pings(out3)
    rtt3 = min(v[3] for v in p3.values()) if p3 else 0
    check("--link-latency 100us adds 2 x 80 us", rc == 0 and rtt3 - rtt == 160000,
          f"{rtt} {rtt3}")

    # --args: udpping alone on machine 0 pings itself (10.0.0.1): the switch drops a
    # frame for its own port, so all 3 are lost, and the count shows argv arrived.
    rc, out4, _ = run("--image", PING, "--args", "-n 3 -w 1")
    check("--args reaches argv", rc == 1 and "3 sent, 0 echoed, 3 lost" in out4, out4)
    rc, out5, _ = run("--image", PING, "--args", "-x")
    check("a guest's bad argv is its own exit code", rc == 1 and "exit code 2" in out5,
          out5)


def loss_runs(tmp):
    args = ["--image", ECHO, "--client", PING, "--client-args", "-n 40 -w 1"]
    res = os.path.join(tmp, "loss")
    rc, out, _ = run(*args, "--loss", "0.3", "--results", res)
    p = pings(out)
    sent, echoed, lost, _ = p.get((1, 0), (0, 0, 0, 0))
    check("--loss 0.3 loses some datagrams, not all", rc == 1 and sent == 40 and
          0 < lost < 40, f"rc={rc} {p}")
    m = re.search(r"loss +30% \(seed 1\): (\d+) frames lost", out)
    check("loss line", m is not None and int(m[1]) >= lost, out[-800:])
    try:
        with open(os.path.join(res, "summary.json")) as f:
            j = json.load(f)
        n = sum(mm["devices"]["dropped"]["loss"] for mm in j["machines"])
        check("summary.json loss counters", m is not None and n == int(m[1]) and
              j["link"]["loss_ppb"] == 300000000, str(n))
    except (OSError, ValueError, KeyError, TypeError) as e:
        check("summary.json loss counters", False, repr(e))
    _, out2, _ = run(*args, "--loss", "30%")
    check("the same losses every run (and 30% == 0.3)", digest(out2) == digest(out) and
          pings(out2) == p)
    _, out3, _ = run(*args, "--loss", "0.3", "--loss-seed", "2")
    check("another seed, other losses", digest(out3) != digest(out))
    rc, out4, _ = run(*args, "--loss", "1")
    check("--loss 1 loses everything", rc == 1 and "0 echoed, 40 lost" in out4)
    rc, out5, _ = run(*args, "--loss", "0")
    check("--loss 0 loses nothing", rc == 0 and "40 echoed, 0 lost" in out5)
    # Loss between two VMs of one machine (no clients).
    rc, out6, _ = run("--image", PING, "--vms", "2", "--args", "-n 20 -w 1 -t 2",
                      "--loss", "50%")
    check("loss on one machine", "lost (--loss)" in out6, out6[-500:])


def capture_runs(tmp):
    cap0, cap1 = os.path.join(tmp, "m0.pcap"), os.path.join(tmp, "m1.pcap")
    args = ["--image", ECHO, "--client", PING, "--client-args", "-n 5"]
    rc, _, err = run(*args, "--pcap-out", cap0)
    rc1, _, err1 = run(*args, "--pcap-out", cap1, "--pcap-machine", "1")
    try:
        f0, f1 = read_pcap(cap0), read_pcap(cap1)
        a0 = [ipv4s(f) for f in f0]
        check("machine 0 capture: both directions", rc == 0 and
              a0.count(("10.16.0.1", "10.0.0.1")) == 5 and
              a0.count(("10.0.0.1", "10.16.0.1")) == 5, f"{a0} {err}")
        check("--pcap-machine 1 captures the client's switch", rc1 == 0 and
              [ipv4s(f) for f in f1] == a0, f"{[ipv4s(f) for f in f1]} {err1}")
    except OSError as e:
        check("captures", False, repr(e))
        return
    if not skips.need("tshark", "tshark's check of the capture"):
        return
    p = subprocess.run(["tshark", "-r", cap0, "-z", "expert,warn", "-q", "-o",
                        "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"],
                       capture_output=True, text=True, timeout=hang(120))
    bad = [ln for ln in p.stdout.splitlines() if "Malformed" in ln or "Bad checksum" in ln
           or "checksum" in ln.lower() and "bad" in ln.lower()]
    check("tshark: no malformed frames or bad checksums", p.returncode == 0 and not bad,
          p.stdout + p.stderr)


def bad_inputs(tmp):
    cap = os.path.join(tmp, "bad.pcap")
    notelf = os.path.join(tmp, "notelf.elf")
    with open(notelf, "w") as f:
        f.write("not an ELF file\n")
    many = []
    for _ in range(16):
        many += ["--client", PING]
    cases = {
        "client empty": (["--client", ""], "--client"),
        "client missing": (["--client", os.path.join(tmp, "none.elf")], "none.elf"),
        "client not ELF, with a capture": (["--client", notelf, "--pcap-out", cap],
                                           "notelf.elf"),
        "16 clients": (many, "--client"),
        "client-vms first": (["--client-vms", "2", "--client", PING], "--client-vms"),
        "client-vms 0": (["--client", PING, "--client-vms", "0"], "--client-vms"),
        "client-mem": (["--client", PING, "--client-mem", "5XB"], "--client-mem"),
        "client-args first": (["--client-args", "x"], "--client-args"),
        "client-args control": (["--client", PING, "--client-args", "a\tb"],
                                "--client-args"),
        "args too long": (["--args", "x" * 2048], "--args"),
        "args newline": (["--args", "a\nb"], "--args"),
        "args non-ASCII": (["--args", "caf\u00e9"], "--args"),
        "link-latency 0": (["--client", PING, "--link-latency", "0"], "--link-latency"),
        "link-latency unit": (["--client", PING, "--link-latency", "5"], "--link-latency"),
        "link-latency without client": (["--link-latency", "5us"], "--link-latency"),
        "loss above 1": (["--loss", "1.5"], "--loss"),
        "loss negative": (["--loss", "-0.1"], "--loss"),
        "loss percent": (["--loss", "101%"], "--loss"),
        "loss word": (["--loss", "lots"], "--loss"),
        "loss-seed": (["--loss", "0.1", "--loss-seed", "x"], "--loss-seed"),
        "loss-seed without loss": (["--loss-seed", "3"], "--loss-seed"),
        "pcap-machine without out": (["--client", PING, "--pcap-machine", "1"],
                                     "--pcap-machine"),
        "pcap-machine range": (["--client", PING, "--pcap-machine", "2", "--pcap-out",
                                cap], "--pcap-machine"),
        "machine-threads 0": (["--client", PING, "--machine-threads", "0"],
                              "--machine-threads"),
        "machine-threads 17": (["--client", PING, "--machine-threads", "17"],
                               "--machine-threads"),
        "machine-threads without client": (["--machine-threads", "2"],
                                           "--machine-threads"),
        "flag value": (["--client"], "--client"),
    }
    for name, (args, needle) in cases.items():
        res = os.path.join(tmp, "res-" + name.replace(" ", "_"))
        tail = [] if name == "flag value" else ["--results", res] # --client takes it
        rc, out, err = run("--image", ECHO, *tail, *args)
        lines = err.strip("\n").split("\n")
        check("bad input: " + name, rc == 2 and out == "" and len(lines) == 1 and
              needle in err and not os.path.exists(res) and not os.path.exists(cap),
              f"rc={rc} out={out[:200]!r} err={err!r}")


def main():
    tmp = tempfile.mkdtemp(prefix="denali-machines-")
    try:
        good_runs(tmp)
        loss_runs(tmp)
        capture_runs(tmp)
        bad_inputs(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return skips.exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
