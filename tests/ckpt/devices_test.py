#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Checkpoints of runs with devices (src/devices/devset.c, src/cli/ckptfiles.c;
# docs/debugging.md "Checkpoint, resume, fork"): a run checkpointed at T1 and resumed to
# T2 gives the same digest, summary and summary.json as one run to T2, at several T1:
#   - trace replay (--pcap-in, looped, rewritten, sped up) into udpecho guests, with a
#     capture (--pcap-out) that is byte for byte the uninterrupted run's (cmp), whether
#     the resumed run writes it over the first file or to another (--pcap-out OTHER);
#   - a read-write disk (threadtest's disk driver): the resumed run reads the disk as
#     the checkpoint holds it, not the file (which is overwritten here first), and the
#     image ends as the uninterrupted run's; a read-only disk is checked by its SHA-256;
#   - console input (--console-in): every VM's read position.
# A changed trace, console input or read-only disk, and a changed capture, are refused
# at resume with one line and exit 2, leaving every file as it was.
#   devices_test.py DENALI UDPECHO.elf THREADTEST.elf TRACES_DIR ELFIMG_DIR
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

DENALI, UDPECHO, THREADS, TRACES, ELFIMG_DIR = sys.argv[1:6]
sys.path.insert(0, ELFIMG_DIR)
import elfimg  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

failures = []


def run(*args, cwd=None):
    p = subprocess.run([DENALI, *args], capture_output=True, timeout=hang(600), cwd=cwd)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {detail}")
    else:
        print(f"ok   {name}")


HOST = ("  host time", "host time", "  guest MIPS", "  checkpoint  ", "  resumed from")


def summary(out):
    return [l for l in out.splitlines() if not l.startswith(HOST) and not l.startswith("[vm ")]


def summary_json(d):
    j = json.load(open(os.path.join(d, "summary.json")))
    j.pop("checkpoint_parent", None)
    return j


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def files_of(d):
    return {f: sha(os.path.join(d, f)) for f in os.listdir(d)
            if os.path.isfile(os.path.join(d, f))}


def bad(name, args, needle, tmp):
    before = files_of(tmp)
    rc, out, err = run(*args)
    lines = err.strip("\n").split("\n")
    check("bad: " + name, rc == 2 and len(lines) == 1 and needle in err and
          files_of(tmp) == before,
          f"rc={rc} out={out!r} err={err!r}")


# Reads up to 4 bytes of console input, echoes them, spins 100,000 instructions, again,
# until a read returns 0 (docs/isa.md 9.4): a slow reader, so checkpoints fall mid-input.
SLOW_ECHO = (b"\xbf\x00\x00\x03\x00" b"\xb9\x04\x00\x00\x00" b"\xba\x01\x01\x00\x00" b"\xed"
             b"\x85\xc0" b"\x74\x17"
             b"\x89\xc1" b"\xbe\x00\x00\x03\x00" b"\xba\x00\x01\x00\x00" b"\xed"
             b"\xb9\xa0\x86\x01\x00" b"\x49" b"\x75\xfd" b"\xeb\xd5"
             b"\x31\xc0" + elfimg.TERMINATE)


def continuation(tmp, name, args, t1s, disk=None, capture=False):
    """One run to the end; then for each T1 a run checkpointed at T1 and its resume.
    disk: a read-write image name in tmp (made fresh, zeros, for each run); capture: the
    runs capture to NAME.pcap files, compared byte for byte."""
    def fresh(img):
        if img:
            with open(img, "wb") as f:
                f.truncate(256 * 1024)

    full_disk = os.path.join(tmp, f"{name}-full.img") if disk else None
    fresh(full_disk)
    base = os.path.join(tmp, name + "-base")
    extra = ["--disk", full_disk] if disk else []
    full_pcap = os.path.join(tmp, f"{name}-full.pcap")
    if capture:
        extra += ["--pcap-out", full_pcap]
    rc0, out0, err0 = run("run", *args, *extra, "--results", base)
    check(f"{name}: plain run", rc0 in (0, 1) and "digest" in out0, err0)
    for t1 in t1s:
        ck = os.path.join(tmp, f"{name}-{t1}.ckpt")
        img = os.path.join(tmp, f"{name}-{t1}.img") if disk else None
        fresh(img)
        extra = ["--disk", img] if disk else []
        pcap = os.path.join(tmp, f"{name}-{t1}.pcap")
        if capture:
            extra += ["--pcap-out", pcap]
        d1 = os.path.join(tmp, f"{name}-{t1}-with")
        rc1, out1, err1 = run("run", *args, *extra, "--checkpoint-at", t1, "--checkpoint", ck,
                              "--results", d1)
        check(f"{name}: checkpoint at {t1} changes nothing",
              rc1 == rc0 and summary(out1) == summary(out0) and
              summary_json(d1) == summary_json(base) and os.path.exists(ck),
              f"rc {rc1} vs {rc0}\n{out1}\n{err1}")
        if disk:
            check(f"{name}: checkpoint at {t1}: the disk as without",
                  sha(img) == sha(full_disk))
            # The resumed run reads the disk from the checkpoint, never from the file:
            # spoil the file's blocks first. It writes its own writes into the file.
            with open(img, "r+b") as f:
                f.write(b"\xee" * 256 * 1024)
        if capture:
            check(f"{name}: checkpoint at {t1}: the capture as without",
                  sha(pcap) == sha(full_pcap))
        d2 = os.path.join(tmp, f"{name}-{t1}-resumed")
        rc2, out2, err2 = run("resume", ck, "--results", d2)
        check(f"{name}: resumed at {t1} = uninterrupted",
              rc2 == rc0 and summary(out2) == summary(out0) and
              summary_json(d2) == summary_json(base), f"rc {rc2} vs {rc0}\n{out2}\n{err2}")
        if capture:
            check(f"{name}: resumed at {t1}: the capture, byte for byte",
                  open(pcap, "rb").read() == open(full_pcap, "rb").read())
            other = os.path.join(tmp, f"{name}-{t1}-other.pcap")
            before = sha(pcap)
            rc3, out3, err3 = run("resume", ck, "--pcap-out", other, "--quiet")
            check(f"{name}: resumed at {t1} into another capture",
                  rc3 == rc0 and open(other, "rb").read() == open(full_pcap, "rb").read() and
                  sha(pcap) == before, f"{out3} {err3}")
    return full_pcap


def main():
    tmp = tempfile.mkdtemp(prefix="denali-ckpt-dev-test-")
    trace = os.path.join(tmp, "dnssec.pcap")
    shutil.copy(os.path.join(TRACES, "dnssec.pcap"), trace)
    echo = ["--image", UDPECHO, "--vms", "4", "--pcap-in", trace, "--pcap-rewrite", "11",
            "--pcap-speed", "4", "--pcap-loops", "3", "--max-time", "60s"]
    continuation(tmp, "replay", echo, ["1ms", "900ms", "2s", "3100ms", "5s"], capture=True)

    # A read-write disk: threadtest's four threads write and read back their blocks.
    threads = ["--image", THREADS, "--vms", "2", "--max-time", "2s"]
    continuation(tmp, "disk", threads, ["1ms", "5ms", "20ms"], disk=True)

    # Console input, read 4 bytes at a time by a slow reader.
    slow = os.path.join(tmp, "slow.elf")
    with open(slow, "wb") as f:
        f.write(elfimg.program(SLOW_ECHO))
    text = os.path.join(tmp, "input.txt")
    with open(text, "w") as f:
        f.write("first line\n" + "x" * 60 + "\nlast\n")
    conin = ["--image", slow, "--vms", "3", "--console-in", text, "--max-time", "1s"]
    continuation(tmp, "conin", conin, ["1ms", "3ms", "6ms"])
    # ... and as a string (--console-input) for one VM.
    continuation(tmp, "conin-str", ["--image", slow, "--vms", "2", "--console-input",
                                    "abcdefghijklmnopqrstuvwxyz", "--console-in-vm", "1",
                                    "--max-time", "1s"], ["1ms"])

    # A read-only disk shared by the VMs (the threads' test finds it read-only).
    ro = os.path.join(tmp, "ro.img")
    with open(ro, "wb") as f:
        f.write(b"\x11" * 64 * 1024)
    continuation(tmp, "rodisk", ["--image", THREADS, "--vms", "2", "--max-time", "2s",
                                 "--disk", ro + ":ro"], ["3ms"])

    # Inputs that changed since the checkpoint: one line each, nothing written.
    with open(text, "a") as f:
        f.write("more\n")
    bad("console input changed", ["resume", os.path.join(tmp, "conin-3ms.ckpt")],
        f"--console-in {text} is not the file the run used", tmp)
    with open(ro, "r+b") as f:
        f.write(b"\x12")
    bad("read-only disk changed", ["resume", os.path.join(tmp, "rodisk-3ms.ckpt")],
        f"--disk {ro} is not the file the run used", tmp)
    ck = os.path.join(tmp, "replay-2s.ckpt")
    pcap = os.path.join(tmp, "replay-2s.pcap")
    data = open(pcap, "rb").read()
    with open(pcap, "r+b") as f:
        f.seek(40)
        f.write(bytes([data[40] ^ 1]))
    bad("capture changed", ["resume", ck], "is not the capture the run wrote", tmp)
    os.unlink(pcap)
    bad("capture gone", ["resume", ck, "--pcap-out", os.path.join(tmp, "x.pcap")],
        "is not the capture the run wrote", tmp)
    shutil.copy(os.path.join(TRACES, "ssh.pcap"), trace)
    bad("trace changed", ["resume", os.path.join(tmp, "replay-900ms.ckpt")],
        f"--pcap-in {trace} is not the file the run used", tmp)

    shutil.rmtree(tmp)
    if failures:
        print(f"{len(failures)} failed")
        sys.exit(1)


main()
