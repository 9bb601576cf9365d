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
#        intact, retransmissions visible in the capture, no tshark expert Error.
# Exits 77 (skipped) when this denali has no --client flag yet.
# usage: sim_test.py path/to/denali BUILD/guests/apps [web|game|tcp ...]
import json
import os
import shutil
import subprocess
import sys
import tempfile

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
                       capture_output=True, text=True, timeout=600)
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
    p = subprocess.run(["tshark"] + list(args), capture_output=True, text=True, timeout=300,
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
    if shutil.which("tshark"):
        probs = expert_problems(cap)
        check("web: tshark expert: no Warning or Error", probs == "", probs)
        n = count(cap, "tcp.analysis.flags && !tcp.analysis.window_update")
        check("web: no TCP analysis flags on a lossless link", n == 0, n)
        n = count(cap, "http.response.code == 200")
        check("web: tshark sees the 200 responses", n == replies, (n, replies))
    else:
        print("SKIP web tshark checks: tshark is not installed")
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
    if shutil.which("tshark"):
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
    if shutil.which("tshark"):
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
        if shutil.which("tshark"):
            n = count(cap, "tcp.analysis.retransmission || tcp.analysis.fast_retransmission")
            check(f"tcp loss seed {seed}: retransmissions in the capture", n > 0, n)
            probs = expert_problems(cap, allow_warnings=True)
            check(f"tcp loss seed {seed}: tshark expert: no Error", probs == "", probs)


def main():
    h = subprocess.run([DENALI, "run", "--help"], capture_output=True, text=True)
    if "--client" not in h.stdout + h.stderr:
        print("SKIP: this denali has no --client flag (several machines) yet")
        return 77
    tmp = tempfile.mkdtemp(prefix="apps-sim-")
    try:
        for name, fn in (("web", web), ("game", game), ("tcp", tcp)):
            if not ONLY or name in ONLY:
                fn(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failed: {', '.join(failures)}")
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
