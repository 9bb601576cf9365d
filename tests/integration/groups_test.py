#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# VM groups (denali run --group, docs/experiments.md): several images on one machine.
# A mixed machine (udpecho servers, udpping clients pinging them, guests that fault, a
# compute job, one group with 8 MiB VMs) runs: each group's VMs behave as their image
# says (echoes answered, faults reported for exactly those VMs, compute ok), the digest
# is the same twice and differs when a group changes, summary.json lists the groups;
# a group on a --client machine; {vm} and {index} in a group's command line; a run
# without --group keeps its digest (hello, 3 VMs);
# bad input exits 2 with one line and no files.
# usage: groups_test.py denali udpecho.elf udpping.elf fault.elf compute.elf hello.elf
import json
import os
import re
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI, ECHO, PING, FAULT, COMPUTE, HELLO = sys.argv[1:7]
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


def digest(out):
    m = re.search(r"digest\s+([0-9a-f]{16})\s*$", out)
    return m[1] if m else None


MIXED = ["--image", ECHO, "--vms", "2", "--nic", "simple", "--max-time", "200ms",
         "--console", "8",
         "--group", PING, "--group-vms", "2", "--group-args", "-n 5 -t 2",
         "--group", FAULT, "--group-vms", "2",
         "--group", COMPUTE, "--group-mem", "8M"]

with tempfile.TemporaryDirectory() as tmp:
    res = os.path.join(tmp, "res")
    rc, out, err = run(*MIXED, "--results", res)
    check("mixed machine: exit 1 (faulting guests, servers stopped)", rc == 1, err)
    check("mixed machine: 7 VMs in 4 groups", "7 VMs in 4 groups" in out and re.search(r"group 3  VMs 6-6 .*compute.elf, 8192 KiB", out), out)
    for vm, ip in ((2, "10.0.0.3"), (3, "10.0.0.4")):
        check(f"udpping group: vm {vm} has all 5 echoed",
              f"[vm {vm}] udpping: vm {vm} {ip}: 5 sent, 5 echoed, 0 lost" in out, out)
    killed = sorted(int(m) for m in re.findall(r"^vm (\d+): killed", err, re.M))
    check("fault group: exactly VMs 4 and 5 killed", killed == [4, 5], err)
    check("compute group: vm 6 all ok", "[vm 6] compute: all ok" in out, out)
    check("udpecho group: VMs 0-1 not killed", "vm 0: killed" not in err and
          "vm 1: killed" not in err, err)
    try:
        with open(os.path.join(res, "summary.json")) as f:
            s = json.load(f)
        groups = s.get("groups", [])
        got = [(g["first_vm"], g["vms"], g["mem_size"], os.path.basename(g["image"]),
                g["args"]) for g in groups]
        want = [(0, 2, 4 << 20, os.path.basename(ECHO), ""),
                (2, 2, 4 << 20, os.path.basename(PING), "-n 5 -t 2"),
                (4, 2, 4 << 20, os.path.basename(FAULT), ""),
                (6, 1, 8 << 20, os.path.basename(COMPUTE), "")]
        check("summary.json lists the groups", got == want, got)
        check("summary.json: 7 VMs", s.get("vms") == 7, s.get("vms"))
    except (OSError, ValueError) as e:
        check("summary.json", False, e)
    d1 = digest(out)
    rc2, out2, _ = run(*MIXED)
    check("mixed machine: same digest twice", d1 and digest(out2) == d1, (d1, digest(out2)))
    rc3, out3, _ = run(*[("-n 4 -t 2" if a == "-n 5 -t 2" else a) for a in MIXED])
    check("a group's arguments change the digest", digest(out3) not in (None, d1),
          (d1, digest(out3)))

    # Group 0 alone is the run it always was (digest of 3 hello VMs, as without groups).
    _, a, _ = run("--image", HELLO, "--vms", "3", "--quiet")
    _, b, _ = run("--image", HELLO, "--vms", "2", "--group", HELLO, "--quiet")
    check("hello x3 == hello x2 + a hello group of 1", digest(a) and digest(a) == digest(b),
          (a, b))

    # A group on a client machine: its VMs follow the client's.
    rc, out, err = run("--image", ECHO, "--client", PING, "--client-args", "-n 3",
                       "--group", PING, "--group-args", "-n 4", "--console", "0")
    check("client machine with a group: exit 0", rc == 0, err + out)
    check("client group: vm 1 of machine 1 sent 4", re.search(
        r"\[m1 vm 1\] udpping: vm 1 \S+: 4 sent, 4 echoed", out), out)
    check("client: vm 0 of machine 1 sent 3", re.search(
        r"\[m1 vm 0\] udpping: vm 0 \S+: 3 sent, 3 echoed", out), out)

    # Bad input: one line, exit 2, no files.
    bad_res = os.path.join(tmp, "bad")
    sixteen = []
    for _ in range(16):
        sixteen += ["--group", HELLO]
    for name, args, pat in [
        ("--group-vms before --group", ["--image", HELLO, "--group-vms", "2"],
         "--group-vms 2: comes before any --group"),
        ("--group-vms twice", ["--image", HELLO, "--group", HELLO, "--group-vms", "2",
                               "--group-vms", "3"], "given twice"),
        ("missing group image", ["--image", HELLO, "--group", os.path.join(tmp, "none.elf")],
         "--group " + os.path.join(tmp, "none.elf")),
        ("group image not an ELF", ["--image", HELLO, "--group", __file__], "--group"),
        ("16 groups on a machine", ["--image", HELLO] + sixteen, "too many VM groups"),
        ("bad --group-mem", ["--image", HELLO, "--group", HELLO, "--group-mem", "5XB"],
         "--group-mem 5XB"),
        ("bad --group-args", ["--image", HELLO, "--group", HELLO, "--group-args", "a\tb"],
         "--group-args"),
        ("too many VMs with groups", ["--image", HELLO, "--vms", "1000000", "--group", HELLO],
         "more than 1000000"),
        ("--intr-group past the groups", ["--image", HELLO, "--group", HELLO,
                                          "--intr-group", "0-2=sync"], "VM 2 does not exist"),
    ]:
        rc, out, err = run(*args, "--results", bad_res)
        lines = err.strip().splitlines()
        check(f"bad input: {name}", rc == 2 and len(lines) == 1 and pat in err and
              not os.path.exists(bad_res), (rc, err))
    # {vm} and {index} in a group's command line: each VM its own arguments.
    rc, out, err = run("--image", ECHO, "--vms", "2", "--nic", "simple", "--max-time", "50ms",
                       "--console", "8",
                       "--group", PING, "--group-vms", "2", "--group-args", "-n {vm} -t 2",
                       "--group", PING, "--group-vms", "2", "--group-args", "-n 1{index} -t 2")
    sent = {int(m[1]): int(m[2]) for m in re.finditer(r"\[vm (\d+)\] udpping: vm \d+ \S+: "
                                                      r"(\d+) sent", out)}
    check("{vm} and {index} in --group-args", sent == {2: 2, 3: 3, 4: 10, 5: 11}, (sent, err))
    # --intr-group reaches a group's VMs.
    rc, out, err = run("--image", HELLO, "--group", HELLO, "--intr-group", "1-1=sync")
    check("--intr-group on a group's VM", rc == 0, err)

if failures:
    print(f"{len(failures)} failed: {', '.join(failures)}")
    sys.exit(1)
print("all ok")
