#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The files of a run (src/cli/runfiles.c, README "Files a run reads and writes"):
#   - an output that is an input (same path, ./path, a hard or symbolic link), two
#     outputs in one file, and one host file as two disks (read-write) are refused
#     before anything is opened, and the file is left byte for byte as it was;
#   - a FIFO, a device or a directory given for any file flag is refused at once
#     (opening a FIFO would block forever: each run has a timeout);
#   - every output location is checked before the run (--results under a missing
#     directory leaves no --pcap-out or --profile file behind);
#   - outputs are written to temporary files and renamed at the end: bad input, an
#     error or SIGHUP never leaves a file under its final name and never changes an
#     existing one; a good run replaces it whole, keeping its permission bits and
#     writing through a symbolic link.
# usage: files_test.py path/to/denali
import hashlib
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import elfimg  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI = os.path.abspath(sys.argv[1])
failures = []


def run(*args, timeout=hang(60)):
    p = subprocess.run([DENALI, "run", *args], capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {detail}")
    else:
        print(f"ok   {name}")


def digest_of(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def listing(d):
    return sorted(os.listdir(d))


def refused(name, args, *needles, d, keep=()):
    """Exit 2, one stderr line holding the needles, no stdout, no new or changed files
    in d, and every file in keep unchanged."""
    before = listing(d)
    sums = {k: digest_of(k) for k in keep}
    try:
        rc, out, err = run(*args, timeout=hang(20))
    except subprocess.TimeoutExpired:
        check("refused: " + name, False, "blocked (a FIFO was opened?)")
        return
    lines = err.strip("\n").split("\n")
    missing = [n for n in needles if n not in err]
    changed = [k for k in keep if digest_of(k) != sums[k]]
    after = listing(d)
    check("refused: " + name,
          rc == 2 and out == "" and len(lines) == 1 and not missing and not changed
          and after == before,
          f"rc={rc} stdout={out[:200]!r} stderr={err!r} missing={missing} "
          f"changed={changed} new={sorted(set(after) - set(before))}")


def main():
    d = tempfile.mkdtemp(prefix="denali-files-test-")
    os.chdir(d)

    def write(name, data):
        with open(name, "wb") as f:
            f.write(data)
        return name

    hello = write("hello.elf", elfimg.program(elfimg.hello_code("hello\n")))
    spin = write("spin.elf", elfimg.program(b"\xeb\xfe"))
    trace = write("in.pcap", open(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "../devices/corpus/eth-udp.pcap"),
        "rb").read())
    write("old.pcap", b"OLD CAPTURE")
    write("con.txt", b"input\n")
    os.link(hello, "hello-hard.elf")
    os.symlink(hello, "hello-sym.elf")
    os.mkfifo("fifo")
    os.mkdir("sub")

    # --- an output that is an input --------------------------------------------------
    refused("--pcap-out = --pcap-in", ["--image", hello, "--pcap-in", trace,
                                       "--pcap-out", trace], "--pcap-out", "--pcap-in",
            d=d, keep=[trace])
    refused("--pcap-out = ./--pcap-in", ["--image", hello, "--pcap-in", trace,
                                         "--pcap-out", "./" + trace], "same file", d=d,
            keep=[trace])
    refused("--pcap-out = sub/../--pcap-in", ["--image", hello, "--pcap-in", trace,
                                              "--pcap-out", "sub/../" + trace],
            "same file", d=d, keep=[trace])
    refused("--profile = --image", ["--image", hello, "--profile", hello], "--profile",
            "--image", d=d, keep=[hello])
    refused("--profile = hard link of --image", ["--image", hello, "--profile",
                                                 "hello-hard.elf"], "same file", d=d,
            keep=[hello])
    refused("--pcap-out = symlink to --image", ["--image", hello, "--pcap-out",
                                                "hello-sym.elf"], "same file", d=d,
            keep=[hello])
    refused("--pcap-out = --client", ["--image", hello, "--client", spin, "--pcap-out",
                                      spin], "--client", d=d, keep=[spin])
    refused("--profile = --console-in", ["--image", hello, "--console-in", "con.txt",
                                         "--profile", "con.txt"], "--console-in", d=d,
            keep=["con.txt"])
    write("disk.img", b"\0" * 8192)
    refused("--pcap-out = a disk", ["--image", hello, "--disk", "disk.img", "--pcap-out",
                                    "disk.img"], "--disk", d=d, keep=["disk.img"])
    refused("--pcap-out = a new disk", ["--image", hello, "--disk", "new.img:1M",
                                        "--pcap-out", "./new.img"], "same file", d=d)
    refused("two outputs in one file", ["--image", hello, "--profile", "p.out",
                                        "--pcap-out", "p.out"], "two outputs", d=d)
    os.mkdir("res")
    os.link(hello, "res/summary.json")
    refused("--results DIR/summary.json = --image", ["--image", hello, "--results", "res"],
            "--results", "--image", d=d, keep=[hello])
    os.unlink("res/summary.json")
    os.rmdir("res")
    refused("a read-write disk = --image", ["--image", hello, "--disk", hello],
            "read-write disk", d=d, keep=[hello])

    # --- one host file as two disks (issue 10 section 2) -----------------------------
    # 2026-12-06, issue 10 review: VM 0 read what VM 1 wrote through a second
    # --disk naming the same file.
    write("s.img", b"\0" * (1 << 20))
    os.link("s.img", "s-hard.img")
    for other in ("s.img", "./s.img", "s-hard.img", os.path.join(d, "s.img")):
        refused(f"two read-write disks: s.img and {other}",
                ["--image", hello, "--vms", "2", "--disk", "s.img:1M:vms=0",
                 "--disk", other + ":1M:vms=1"], "--disk", "read-write disk", d=d,
                keep=["s.img"])
    refused("two new read-write disks, one file", ["--image", hello, "--vms", "2",
                                                   "--disk", "t.img:1M:vms=0",
                                                   "--disk", "./t.img:1M:vms=1"],
            "same file", d=d)
    refused("a read-write and a read-only disk, one file",
            ["--image", hello, "--vms", "2", "--disk", "s.img:1M:vms=0",
             "--disk", "s-hard.img:ro:vms=1"], "same file", d=d, keep=["s.img"])
    rc, out, err = run("--image", hello, "--vms", "2", "--disk", "s.img:ro",
                       "--disk", "s-hard.img:ro", "--quiet")
    check("two read-only disks may share a file", rc == 0 and err == "",
          f"rc={rc} err={err!r}")

    # --- not regular files -------------------------------------------------------------
    for flag, val in (("--image", "fifo"), ("--client", "fifo"), ("--pcap-in", "fifo"),
                      ("--console-in", "fifo"), ("--disk", "fifo"),
                      ("--disk", "fifo:ro"), ("--profile", "fifo"),
                      ("--pcap-out", "fifo"), ("--pcap-in", "sub"),
                      ("--console-in", "/dev/zero"), ("--profile", "/dev/null"),
                      ("--pcap-out", "sub"), ("--image", "sub")):
        args = ["--image", hello] if flag != "--image" else []
        refused(f"{flag} {val}", args + [flag, val], flag, val.split(":")[0], d=d)
    for cmd in (["disasm", "fifo"], ["cpu-test", "fifo"], ["disasm", "sub"]):
        try:
            p = subprocess.run([DENALI, *cmd], capture_output=True, timeout=hang(20))
            err = p.stderr.decode(errors="replace")
            check(f"denali {' '.join(cmd)} refused", p.returncode == 2 and
                  err.count("\n") == 1 and "not a regular file" in err, f"{p.returncode} {err!r}")
        except subprocess.TimeoutExpired:
            check(f"denali {' '.join(cmd)} refused", False, "blocked on the FIFO")
    os.mkdir("res")
    os.mkfifo("res/summary.json")
    refused("--results with a FIFO for summary.json", ["--image", hello, "--results", "res"],
            "--results", "named pipe", d=d)
    os.unlink("res/summary.json")
    os.rmdir("res")

    write("new\nline.elf", b"not an elf")
    refused("a file name with a newline stays on one line", ["--image", "new\nline.elf"],
            "new\\x0aline.elf", d=d)

    refused("a missing read-write disk without SIZE", ["--image", hello, "--disk", "nodisk.img"],
            "--disk nodisk.img", "give a SIZE", d=d)

    # --- output locations, before the run --------------------------------------------
    refused("--results under a missing directory",
            ["--image", spin, "--max-time", "1ms", "--pcap-out", "cap.pcap", "--profile",
             "prof.txt", "--results", "no/such/dir"], "--results", "no/such", d=d)
    refused("--profile in a missing directory", ["--image", hello, "--profile",
                                                 "no-dir/p.txt"], "no-dir", d=d)
    refused("--pcap-out names a directory", ["--image", hello, "--pcap-out", "sub/"],
            "--pcap-out", d=d)

    # --- bad input never touches an output ---------------------------------------------
    bad = write("bad.elf", b"not an elf at all")
    refused("bad image keeps an existing capture", ["--image", bad, "--pcap-out", "old.pcap",
                                                    "--results", "fresh"],
            "bad.elf", d=d, keep=["old.pcap"])
    check("bad image leaves no --results directory", not os.path.exists("fresh"))
    refused("a bad trace keeps an existing capture",
            ["--image", hello, "--pcap-in", "bad.elf", "--pcap-out", "old.pcap"],
            "bad.elf", d=d, keep=["old.pcap"])

    # --- a good run replaces outputs whole -------------------------------------------------
    write("keep.pcap", b"OLD")
    os.chmod("keep.pcap", 0o600)
    write("real.txt", b"OLD PROFILE")
    os.symlink("real.txt", "prof-link.txt")
    rc, out, err = run("--image", hello, "--pcap-in", trace, "--pcap-out", "keep.pcap",
                       "--profile", "prof-link.txt", "--results", "res2")
    data = open("keep.pcap", "rb").read()
    check("good run: outputs written", rc == 0 and data[:4] == b"\x4d\x3c\xb2\xa1"
          and os.path.exists("res2/summary.json"), f"rc={rc} err={err!r} head={data[:8]!r}")
    check("good run: permission bits kept", stat.S_IMODE(os.stat("keep.pcap").st_mode)
          == 0o600, oct(os.stat("keep.pcap").st_mode))
    check("good run: a symbolic link output stays a link", os.path.islink("prof-link.txt")
          and open("real.txt").read().startswith("# denali guest profile"),
          open("real.txt").read()[:60])
    tmps = [n for dd in (".", "res2") for n in os.listdir(dd) if ".denali-" in n]
    check("good run: no temporary files left", not tmps, tmps)
    rc, out, err = run("--image", hello, "--results", "res2")
    check("--results into an existing directory", rc == 0 and err == "", f"rc={rc} {err!r}")

    # --- SIGHUP during a run ------------------------------------------------------------
    # (SIGINT and SIGTERM end a run at the time reached and write its outputs, exit 130
    # or 143: tests/integration/observe_test.py; a second one is handled as here.)
    write("old2.pcap", b"OLD CAPTURE 2")
    p = subprocess.Popen([DENALI, "run", "--image", spin, "--max-time", "100000s",
                          "--pcap-in", trace, "--pcap-loops", "1000000", "--pcap-out",
                          "old2.pcap", "--profile", "prof2.txt", "--results", "res3"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Wait (bounded) until the temporary files exist: the run has started.
    for _ in range(600):
        if any(".denali-" in n for n in os.listdir(".")) and os.path.isdir("res3"):
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGHUP)
    try:
        p.communicate(timeout=hang(60))
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
    left = [n for n in os.listdir(".") if ".denali-" in n]
    check("SIGHUP: the process dies of the signal", p.returncode == -signal.SIGHUP,
          f"returncode {p.returncode}")
    check("SIGHUP: the existing output is unchanged",
          open("old2.pcap", "rb").read() == b"OLD CAPTURE 2")
    check("SIGHUP: no new output, no temporary file, no --results directory",
          not left and not os.path.exists("prof2.txt") and not os.path.exists("res3"),
          f"left={left} prof={os.path.exists('prof2.txt')} res={os.path.exists('res3')}")

    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


sys.exit(main())
