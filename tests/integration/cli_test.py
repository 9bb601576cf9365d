#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Integration tests of the `denali` binary with hand-assembled images (elfimg.py).
# Bad input: every case must exit 2 with exactly one stderr line naming the input and
# the problem, print nothing on stdout, and create no output files. Good input: console
# output, summary, exit status, digest stable across two runs, summary.json.
# usage: cli_test.py path/to/denali
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import elfimg  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI = sys.argv[1]
failures = []


def run(*args):
    p = subprocess.run([DENALI, *args], capture_output=True, timeout=hang(120))
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {detail}")
    else:
        print(f"ok   {name}")


def bad_input(name, args, *needles, tmp):
    res = os.path.join(tmp, "res-" + name)
    rc, out, err = run(*args, *(["--results", res] if args and args[0] == "run" else []))
    lines = err.strip("\n").split("\n")
    ok = rc == 2 and out == "" and len(lines) == 1 and not os.path.exists(res)
    missing = [n for n in needles if n not in err]
    check("bad input: " + name, ok and not missing,
          f"rc={rc} stdout={out!r} stderr={err!r} missing={missing} "
          f"results_exist={os.path.exists(res)}")


def main():
    tmp = tempfile.mkdtemp(prefix="denali-cli-test-")

    def img(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    hello = img("hello.elf", elfimg.program(elfimg.hello_code("hello\n")))
    good = open(hello, "rb").read()
    fault = img("fault.elf", elfimg.program(b"\xa1\0\0\0\0"))
    exit3 = img("exit3.elf", elfimg.program(elfimg.mov_eax(3) + elfimg.TERMINATE))
    hang = img("hang.elf", elfimg.program(b"\xf4"))
    spin = img("spin.elf", elfimg.program(b"\xeb\xfe"))

    # --- bad files -----------------------------------------------------------------
    missing = os.path.join(tmp, "no-such.elf")
    bad_input("missing file", ["run", "--image", missing], missing, "cannot open", tmp=tmp)
    bad_input("directory", ["run", "--image", tmp], tmp, tmp=tmp)
    for n in (0, 3, 30, 60, len(good) - 1):
        p = img(f"trunc{n}.elf", good[:n])
        bad_input(f"truncated to {n} bytes", ["run", "--image", p], p, tmp=tmp)
    p = img("text.elf", b"#!/bin/sh\necho not an elf\n")
    bad_input("not ELF", ["run", "--image", p], p, "not an ELF file", tmp=tmp)
    p = img("x64.elf", elfimg.build([(0x10000, 5, b"\x90", None, 1)], cls=2))
    bad_input("64-bit", ["run", "--image", p], p, "64-bit", tmp=tmp)
    p = img("arm.elf", elfimg.build([(0x10000, 5, b"\x90", None, 1)], machine=40))
    bad_input("wrong machine", ["run", "--image", p], p, "machine", tmp=tmp)
    p = img("dyn.elf", elfimg.build([(0x10000, 5, b"\x90", None, 1)], etype=3))
    bad_input("ET_DYN", ["run", "--image", p], p, "ET_DYN", tmp=tmp)
    p = img("outside.elf", elfimg.build([(0x10000, 5, b"\x90", None, 1),
                                         (0x3ff000, 6, b"\1", 0x2000, 1)]))
    bad_input("segment outside memory", ["run", "--image", p], p, "beyond guest memory",
              tmp=tmp)
    # The same image is fine with 8 MiB.
    rc, out, err = run("run", "--image", p, "--mem", "8M", "--quiet")
    # Killed by its own fault: the diagnostic line and its fault report, nothing else.
    check("segment fits in 8M", rc == 1 and err.startswith("vm 0: killed at eip") and
          "denali run:" not in err, f"rc={rc} err={err!r}")
    p = img("low.elf", elfimg.build([(0x0, 5, b"\x90", None, 1)], entry=0))
    bad_input("segment at 0", ["run", "--image", p], p, "below the lowest load address",
              tmp=tmp)
    p = img("overlap.elf", elfimg.build([(0x10000, 5, b"\x90" * 64, None, 1),
                                         (0x10020, 6, b"\1", None, 1)]))
    bad_input("overlapping segments", ["run", "--image", p], p, "overlap", tmp=tmp)
    p = img("huge.elf", elfimg.build([(0x10000, 5, b"\x90", 0xfffff000, 1)]))
    bad_input("absurd memsz", ["run", "--image", p], p, "beyond guest memory", tmp=tmp)
    hdr = bytearray(good)
    hdr[52 + 16:52 + 20] = (0x7fffffff).to_bytes(4, "little")  # filesz
    hdr[52 + 20:52 + 24] = (0x7fffffff).to_bytes(4, "little")  # memsz
    p = img("hugefile.elf", bytes(hdr))
    bad_input("absurd filesz", ["run", "--image", p], p, "past the end of the file", tmp=tmp)
    hdr = bytearray(good)
    hdr[44:46] = (0xffff).to_bytes(2, "little")  # phnum
    p = img("phnum.elf", bytes(hdr))
    bad_input("absurd phnum", ["run", "--image", p], p, "program headers", tmp=tmp)
    p = img("entry.elf", elfimg.build([(0x10000, 5, b"\x90", None, 1)], entry=0x20000))
    bad_input("entry outside", ["run", "--image", p], p, "entry point", tmp=tmp)
    bad_input("disasm bad file", ["disasm", os.path.join(tmp, "text.elf")], "text.elf",
              tmp=tmp)

    # --- bad flags and numbers ------------------------------------------------------
    cases = [
        ("unknown flag", ["--frobnicate"], "--frobnicate"),
        ("stray argument", ["extra"], "extra"),
        ("vms -1", ["--vms", "-1"], "--vms -1"),
        ("vms 0", ["--vms", "0"], "--vms 0"),
        ("vms too many", ["--vms", "1000001"], "--vms 1000001"),
        ("vms not a number", ["--vms", "12x"], "--vms 12x"),
        ("vms overflow", ["--vms", "99999999999999999999999"], "--vms 9999"),
        ("vms empty", ["--vms="], "--vms"),
        ("mem 5XB", ["--mem", "5XB"], "--mem 5XB"),
        ("mem unaligned", ["--mem", "65537"], "--mem 65537"),
        ("mem too small", ["--mem", "4K"], "--mem 4K"),
        ("mem too large", ["--mem", "4G"], "--mem 4G"),
        ("max-time no unit", ["--max-time", "10"], "--max-time 10"),
        ("max-time bad unit", ["--max-time", "5parsecs"], "--max-time 5parsecs"),
        ("max-time negative", ["--max-time", "-1ms"], "--max-time -1ms"),
        ("quantum zero", ["--quantum", "0ns"], "--quantum 0ns"),
        ("console bad", ["--console", "x"], "--console x"),
        ("missing value", ["--vms"], "--vms"),
        # 2026-12-06, found by tests/integration/fuzz-cli-args: a newline in an argument
        # was echoed as is, and the error took two lines.
        ("newline in an unknown option", ["-\n"], "unknown option '-\\x0a'"),
        ("newline in a value", ["--vms", "1\n2"], "--vms 1\\x0a2"),
    ]
    cases = [(n, e, x) for n, e, x in cases]
    # Help and behaviour agree (issue 10 section 3, 2026-12-06 review): a flag given
    # twice, a flag that needs another, a VM that does not exist, and a memory size the
    # modelled machine cannot hold are refused with one line naming what the user gave.
    disk = os.path.join(tmp, "d.img")
    cases += [
        ("image twice", ["--image", hello], "--image", "given twice"),
        ("vms twice", ["--vms", "2", "--vms", "3"], "--vms 3: given twice"),
        ("max-time twice", ["--max-time", "1ms", "--max-time=2ms"], "--max-time 2ms"),
        ("pcap-out twice", ["--pcap-out", "a", "--pcap-out", "b"], "--pcap-out b"),
        ("loss twice", ["--loss", "1%", "--loss", "2%"], "--loss 2%"),
        ("client-vms twice", ["--client", hello, "--client-vms", "2", "--client-vms", "3"],
         "--client-vms 3: given twice"),
        ("tickets with rr", ["--tickets", "0-0=5"], "--tickets 0-0=5", "--sched stride"),
        ("tickets with explicit rr", ["--sched", "rr", "--tickets", "0-0=5"], "--sched stride"),
        ("pcap-speed without pcap-in", ["--pcap-speed", "2"], "--pcap-speed 2",
         "needs --pcap-in"),
        ("pcap-start without pcap-in", ["--pcap-start", "1ms"], "--pcap-start 1ms"),
        ("pcap-loops without pcap-in", ["--pcap-loops", "3"], "--pcap-loops 3"),
        ("pcap-rewrite without pcap-in", ["--pcap-rewrite", "7"], "--pcap-rewrite 7"),
        ("pcap-vm without pcap-out", ["--pcap-vm", "0"], "--pcap-vm 0", "--pcap-out"),
        ("profile-interval without profile", ["--profile-interval", "5"],
         "--profile-interval 5", "needs --profile"),
        ("console with quiet", ["--quiet", "--console", "1"], "--console 1", "--quiet"),
        ("intr-group past the VMs", ["--vms", "2", "--intr-group", "1-5=sync"],
         "--intr-group 1-5=sync", "VM 5 does not exist (VMs 0-1)"),
        ("tickets past the VMs", ["--sched", "stride", "--tickets", "0-3=5"],
         "--tickets 0-3=5", "VM 3 does not exist"),
        ("disk for a VM that does not exist", ["--disk", disk + ":1M:vms=4"], "--disk",
         "VM 4 does not exist"),
        ("read-write disk for two VMs", ["--vms", "2", "--disk", disk + ":1M:vms=0-1"],
         "--disk", "one VM"),
        ("console-in-vm past the VMs", ["--console-input", "x", "--console-in-vm", "3"],
         "--console-in-vm 3", "VM 3 does not exist"),
        ("mem 3G with the default phys-mem", ["--mem", "3G"], "--mem 3G",
         "default 1 GiB", "--phys-mem 3073M"),
        ("a million VMs with the default phys-mem", ["--vms", "1000000"], "--vms 1000000",
         "--phys-mem 8084M"),
        ("client-mem 3G with the default phys-mem", ["--client", hello, "--client-mem", "3G"],
         "--client-mem 3G", "--phys-mem 3073M"),
        ("phys-mem given too small", ["--phys-mem", "1M"], "--phys-mem 1M: too small"),
        ("phys-mem 2T", ["--phys-mem", "2T"], "--phys-mem 2T", "out of range"),
        ("phys-mem 5P", ["--phys-mem", "5P"], "--phys-mem 5P", "K, M, G or T"),
    ]
    for name, extra, *needles in cases:
        bad_input(name, ["run", "--image", hello, *extra], *needles, tmp=tmp)
    rc, out, err = run("run", "--image", hello, "--mem", "3G")
    check("--mem 3G does not name --phys-mem first", err.startswith("denali run: --vms 1 --mem 3G"),
          err)
    check("no disk file left by refused flags", not os.path.exists(disk))
    bad_input("no image", ["run", "--vms", "3"], "--image", tmp=tmp)
    bad_input("unknown command", ["frobnicate"], "frobnicate", tmp=tmp)
    bad_input("disasm no file", ["disasm"], "no image", tmp=tmp)
    rc, out, err = run()
    check("no command", rc == 2 and "usage" in err, f"rc={rc}")

    # --- help and version ------------------------------------------------------------
    rc, out, err = run("--help")
    check("denali --help", rc == 0 and all(c in out for c in ("run", "disasm", "cpu-test")),
          out)
    rc, out, err = run("run", "--help")
    flags = ["--image", "--vms", "--mem", "--max-time", "--quantum", "--console", "--quiet",
             "--results", "--help"]
    check("denali run --help documents every flag", rc == 0 and all(f in out for f in flags),
          out)
    # Every flag the help names is one the parser knows (given alone it may need a
    # value or another flag, but it is never an unknown option).
    import re
    named = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", out)))
    unknown = []
    for f in named:
        _, _, e = run("run", "--image", hello, f)
        if "unknown option" in e:
            unknown.append(f)
    check(f"every flag in denali run --help ({len(named)}) is parsed", len(named) >= 45
          and not unknown, unknown)
    rc, out, err = run("disasm", "--help")
    check("denali disasm --help", rc == 0 and "--mem" in out, out)
    rc, out, err = run("--version")
    check("denali --version", rc == 0 and out.startswith("denali "), out)

    # --- good runs -------------------------------------------------------------------
    rc, out, err = run("run", "--image", hello, "--vms", "2")
    check("hello x2 console", rc == 0 and "[vm 0] hello\n" in out and "[vm 1] hello\n" in out
          and "exit code 0" in out and err == "", f"rc={rc} out={out!r} err={err!r}")
    rc1, out1, _ = run("run", "--image", hello, "--vms", "50")
    rc2, out2, _ = run("run", "--image", hello, "--vms", "50")
    d1 = [l for l in out1.splitlines() if l.split()[:1] == ["digest"]]
    d2 = [l for l in out2.splitlines() if l.split()[:1] == ["digest"]]
    check("summary for 50 VMs", rc1 == 0 and "VMs run" in out1 and "terminated ok       50"
          in out1 and "host time" in out1, out1)
    check("same digest twice", d1 and d1 == d2, f"{d1} vs {d2}")
    rc, out, _ = run("run", "--image", hello, "--vms", "50", "--quantum", "1us", "--quiet")
    check("--quiet prints only the digest", rc == 0 and out.startswith("digest ")
          and out.count("\n") == 1, out)
    rc, out, err = run("run", "--image", exit3, "--vms", "3")
    check("nonzero exit gives status 1", rc == 1 and "exit code 3" in out, f"rc={rc} {out}")
    rc, out, err = run("run", "--image", fault, "--vms", "2")
    check("fault kills with a diagnostic", rc == 1 and err.count("killed at eip 0x00010000") == 2
          and "page fault" in err, f"rc={rc} err={err!r}")
    rc, out, err = run("run", "--image", hang)
    check("hlt hangs", rc == 1 and "hung" in out, f"rc={rc} {out}")
    rc, out, err = run("run", "--image", spin, "--vms", "5", "--max-time", "2ms")
    check("max time stops spinners", rc == 1 and "stopped (max time)  5" in out
          and "simulated time      2.00" in out, f"rc={rc} {out}")
    rc, out, err = run("run", "--image", hello, "--vms", "8", "--console", "2")
    check("--console 2", rc == 0 and "[vm 1] hello" in out and "[vm 2]" not in out, out)
    res = os.path.join(tmp, "results")
    rc, out, err = run("run", "--image", hello, "--vms", "3", "--results", res)
    path = os.path.join(res, "summary.json")
    ok = rc == 0 and os.path.exists(path)
    if ok:
        j = json.load(open(path))
        dig = out.strip().split()[-1]
        ok = j["digest"] == dig and j["vms"] == 3 and j["terminated_ok"] == 3 \
            and len(j["per_vm"]) == 3 and "host" not in json.dumps(j)
    check("--results writes summary.json", ok, f"rc={rc} out={out!r}")
    check("no stray files", sorted(os.listdir(res)) ==
          ["experiment.cfg", "provenance.json", "summary.json"], os.listdir(res))
    rc, out, err = run("run", "--image", hello, "--phys-mem", "1T", "--quiet")
    check("--phys-mem 1T (the documented maximum) runs", rc == 0 and err == "", f"{rc} {err!r}")
    rc, out, err = run("run", "--image", hello, "--mem", "3G", "--phys-mem", "4G", "--quiet")
    check("--mem 3G (the documented maximum) runs with --phys-mem 4G", rc == 0 and err == "",
          f"{rc} {err!r}")
    for pol, shown in (("coalesce", "coalesce:8:50000ns"), ("adaptive", "adaptive:16:50000ns")):
        rc, out, err = run("run", "--image", hello, "--vms", "5", "--intr", pol)
        check(f"bare --intr {pol} is the documented {shown}", rc == 0 and
              f"interrupts {shown}" in out, out)
    rc, out, err = run("disasm", hello)
    check("disasm lists the entry", rc == 0 and "*00010000:" in out, out[:200])

    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


sys.exit(main())
