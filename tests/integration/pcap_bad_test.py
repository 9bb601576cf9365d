#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A damaged trace is refused before the run (docs/devices.md, "Bad input"): for every
# bad-* file of tests/devices/corpus (tests/devices/make-bad-traces.py: a record cut off,
# a record header cut off, a bad captured length, a second pcapng section with another
# link type or byte order, a huge block length, a bad section header), `denali run
# --pcap-in FILE` exits 2 with one stderr line naming the file and the record in words
# (never libpcap's "dump file" or "BT_SHB_INSANE_MAX"), prints no summary or digest, and
# writes no output: an existing --pcap-out file and --results directory are unchanged.
# Until 2026-12-06 (found by the issue 10 review) these printed the whole summary and
# digest and wrote the outputs, and only then reported the error. Each file is tried
# with --pcap-loops 1 and 3; a good two-section pcapng file runs.
# usage: pcap_bad_test.py path/to/denali CORPUS_DIR
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import elfimg  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI, CORPUS = sys.argv[1], sys.argv[2]
JARGON = ("dump file", "savefile", "BT_", "INSANE", "_%")
failures = []


def check(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {detail}")
    else:
        print(f"ok   {name}")


def main():
    d = tempfile.mkdtemp(prefix="denali-pcap-bad-")
    hello = os.path.join(d, "hello.elf")
    with open(hello, "wb") as f:
        f.write(elfimg.program(elfimg.hello_code("hello\n")))
    old = os.path.join(d, "old.pcap")
    res = os.path.join(d, "res")
    os.mkdir(res)
    with open(os.path.join(res, "summary.json"), "w") as f:
        f.write("{}")
    bad = sorted(n for n in os.listdir(CORPUS) if n.startswith("bad-"))
    check("corpus has the damaged traces", len(bad) >= 7, bad)
    for name in bad:
        for loops in ("1", "3"):
            with open(old, "wb") as f:
                f.write(b"OLD")
            path = os.path.join(CORPUS, name)
            p = subprocess.run([DENALI, "run", "--image", hello, "--pcap-in", path,
                                "--pcap-loops", loops, "--pcap-out", old, "--results", res],
                               capture_output=True, timeout=hang(60))
            err = p.stderr.decode(errors="replace")
            lines = err.strip("\n").split("\n")
            jargon = [j for j in JARGON if j in err]
            check(f"{name} (loops {loops}) refused before the run",
                  p.returncode == 2 and p.stdout == b"" and len(lines) == 1
                  and name in err and not jargon
                  and open(old, "rb").read() == b"OLD"
                  and open(os.path.join(res, "summary.json")).read() == "{}"
                  and sorted(os.listdir(res)) == ["summary.json"],
                  f"rc={p.returncode} stdout={p.stdout[:120]!r} stderr={err!r} "
                  f"jargon={jargon} res={os.listdir(res)}")
    spin = os.path.join(d, "spin.elf")
    with open(spin, "wb") as f:
        f.write(elfimg.program(b"\xeb\xfe"))
    p = subprocess.run([DENALI, "run", "--image", spin, "--max-time", "1ms", "--pcap-in",
                        os.path.join(CORPUS, "two-sections.pcapng")], capture_output=True,
                       timeout=hang(60))
    out = p.stdout.decode()
    check("a two-section pcapng trace with one link type runs",
          p.returncode == 1 and "3 frames replayed" in out, f"rc={p.returncode} {out!r}")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


sys.exit(main())
