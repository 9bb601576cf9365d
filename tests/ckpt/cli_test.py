#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# `denali run --checkpoint...` and `denali resume` (src/cli/checkpoint.c, resume.c;
# docs/debugging.md "Checkpoint, resume, fork"). A run checkpointed at T1 and resumed
# to T2 prints the same digest and summary and writes the same summary.json (but for
# the host-time lines and the fields naming the checkpoint) as one run to T2, at several
# T1, on compute (many VMs: the summary table), ticker (timer interrupts) and threadtest
# (libos threads, --chaos), --profile (the same profile file), VM groups (ticker, compute and threadtest VMs), nettest (TCP and UDP between VMs through the NICs and the
# switch, with 5% seeded loss), and a small web experiment (8 httpd VMs on the server,
# a client machine of 2 httpgen VMs over the link); --checkpoint-every names its files by time; a fork (resume
# with another --quantum) records its parent's SHA-256; and every bad file or flag is
# refused with one line, exit 2 and no output file.
#   cli_test.py DENALI COMPUTE.elf TICKER.elf THREADTEST.elf NETTEST.elf HTTPD.elf HTTPGEN.elf
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI, COMPUTE, TICKER, THREADS, NETTEST, HTTPD, HTTPGEN = sys.argv[1:8]
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


# Lines that differ between runs by nature: host time, and the checkpoint's own lines.
HOST = ("  host time", "host time", "  guest MIPS", "  checkpoint  ", "  resumed from")


def summary(out):
    return [l for l in out.splitlines() if not l.startswith(HOST)]


def summary_json(d):
    j = json.load(open(os.path.join(d, "summary.json")))
    j.pop("checkpoint_parent", None)
    return j


def same_continuation(tmp, name, image, args, t2, t1s):
    base = os.path.join(tmp, name + "-base")
    rc0, out0, err0 = run("run", "--image", image, *args, "--max-time", t2, "--results", base)
    check(f"{name}: plain run", rc0 in (0, 1) and "digest" in out0, err0)
    for t1 in t1s:
        ck = os.path.join(tmp, f"{name}-{t1}.ckpt")
        d1 = os.path.join(tmp, f"{name}-{t1}-with")
        rc1, out1, err1 = run("run", "--image", image, *args, "--max-time", t2,
                              "--checkpoint-at", t1, "--checkpoint", ck, "--results", d1)
        check(f"{name}: checkpoint at {t1} changes nothing",
              rc1 == rc0 and summary(out1) == summary(out0) and
              summary_json(d1) == summary_json(base), f"rc {rc1} vs {rc0}\n{out1}\n{err1}")
        check(f"{name}: checkpoint at {t1} reported",
              os.path.getsize(ck) > 0 and ("  checkpoint  " in out1 or "--quiet" in args), out1)
        d2 = os.path.join(tmp, f"{name}-{t1}-resumed")
        rc2, out2, err2 = run("resume", ck, "--results", d2)
        same = rc2 == rc0 and summary_json(d2) == summary_json(base)
        # Small runs stream consoles as they come: the resumed run prints those after T1.
        tail = [l for l in summary(out0) if not l.startswith("[vm ")]
        got = [l for l in summary(out2) if not l.startswith("[vm ")]
        check(f"{name}: resumed at {t1} = uninterrupted", same and got == tail,
              f"rc {rc2} vs {rc0}\n{out2}\n{err2}")
        parent = json.load(open(os.path.join(d2, "summary.json")))["checkpoint_parent"]
        check(f"{name}: resumed at {t1} names its parent",
              parent["sha256"] == hashlib.sha256(open(ck, "rb").read()).hexdigest() and
              parent["file"] == ck, str(parent))


def bad(name, args, needle, tmp, cwd=None):
    before = set(os.listdir(tmp))
    rc, out, err = run(*args, cwd=cwd)
    lines = err.strip("\n").split("\n")
    check("bad: " + name,
          rc == 2 and len(lines) == 1 and needle in err and set(os.listdir(tmp)) == before,
          f"rc={rc} out={out!r} err={err!r} new={set(os.listdir(tmp)) - before}")


def main():
    tmp = tempfile.mkdtemp(prefix="denali-ckpt-test-")
    same_continuation(tmp, "compute", COMPUTE, ["--vms", "6"], "60ms", ["1ms", "17ms", "40ms"])
    # The kernel's per-VM data in the caches (ctxcache.h): its LRU order is saved.
    same_continuation(tmp, "ctxcache", COMPUTE, ["--vms", "12", "--ctx-vm-footprint", "1K"],
                      "30ms", ["3ms", "17ms"])
    same_continuation(tmp, "ticker", TICKER, ["--vms", "3", "--intr", "sync"], "30ms",
                      ["3ms", "7ms"])
    same_continuation(tmp, "threads", THREADS, ["--vms", "2", "--chaos", "5"], "40ms",
                      ["5ms", "20ms"])
    same_continuation(tmp, "nettest", NETTEST,
                      ["--vms", "5", "--nic", "simple", "--args", "bytes=100000",
                       "--loss", "5%", "--loss-seed", "7"], "200ms", ["2ms", "9ms", "30ms"])
    gen = ("servers=8 base=10.0.0.1 port=80 path=/small mode=open rate=200 max=64 conns=4 "
           "alpha=1.0 seed=1 duration=60ms verify=1 quiet=1 keepalive=0 delay=20ms")
    same_continuation(tmp, "web", HTTPD,
                      ["--vms", "8", "--mem", "4M", "--args", "quiet=1", "--client", HTTPGEN,
                       "--client-vms", "2", "--client-mem", "16M", "--client-args", gen,
                       "--loss", "1%"], "2s", ["10ms", "40ms", "75ms"])

    # VM groups (--group): a machine of ticker, compute and threadtest VMs, each group
    # with its own image and memory size.
    comp = os.path.join(tmp, "group-compute.elf")
    shutil.copy(COMPUTE, comp)
    same_continuation(tmp, "groups", TICKER,
                      ["--vms", "2", "--group", comp, "--group-vms", "2", "--group-mem", "8M",
                       "--group", THREADS, "--group-vms", "1"], "40ms", ["1ms", "10ms", "25ms"])

    # --profile: the samples so far are saved; the resumed run's profile file is the
    # uninterrupted run's.
    prof = ["run", "--image", COMPUTE, "--vms", "3", "--max-time", "40ms", "--quiet"]
    full = os.path.join(tmp, "full.prof")
    rc, out, err = run(*prof, "--profile", full)
    for t1 in ("1ms", "25ms"):
        pf, pk = os.path.join(tmp, f"p{t1}.prof"), os.path.join(tmp, f"p{t1}.ckpt")
        rc1, out1, err1 = run(*prof, "--profile", pf, "--checkpoint-at", t1, "--checkpoint", pk)
        os.unlink(pf)
        rc2, out2, err2 = run("resume", pk)
        check(f"profile: resumed at {t1}: the same profile and digest",
              rc2 == rc and out2 == out and os.path.exists(pf) and
              open(pf, "rb").read() == open(full, "rb").read(), f"{out2} {err1} {err2}")

    # --checkpoint-every: one file per interval, named by its time in ns; each resumes.
    pat = os.path.join(tmp, "every-%t.ckpt")
    rc, out, err = run("run", "--image", COMPUTE, "--vms", "4", "--max-time", "30ms",
                       "--checkpoint-every", "10ms", "--checkpoint", pat, "--quiet")
    names = sorted(f for f in os.listdir(tmp) if f.startswith("every-"))
    check("every: three files", rc in (0, 1) and names == [
        "every-10000000.ckpt", "every-20000000.ckpt", "every-30000000.ckpt"], f"{names} {err}")
    rcp, outp, _ = run("run", "--image", COMPUTE, "--vms", "4", "--max-time", "30ms", "--quiet")
    rcr, outr, errr = run("resume", os.path.join(tmp, "every-20000000.ckpt"), "--quiet")
    check("every: resume = plain", outr == outp and rcr == rcp, f"{outr} {outp} {errr}")

    # A fork: the same checkpoint with another quantum runs on differently, from there.
    ck = os.path.join(tmp, "compute-17ms.ckpt")
    rcf, outf, errf = run("resume", ck, "--quantum", "20us", "--quiet")
    rcs, outs, _ = run("resume", ck, "--quiet")
    check("fork: another quantum, another digest", rcf in (0, 1) and outf != outs and
          outf.startswith("digest "), f"{outf} {outs} {errf}")
    # ... and to a later end (--max-time may grow).
    rcl, outl, errl = run("resume", ck, "--max-time", "80ms", "--quiet")
    check("fork: a later end", rcl in (0, 1) and outl != outs, errl)

    # A fork of the interrupt policy: the saved run used sync; the same flag again is
    # the same run, another policy another one (the VMs take it from the checkpoint).
    tk = os.path.join(tmp, "ticker-3ms.ckpt")
    _, same_out, _ = run("resume", tk, "--quiet")
    _, again_out, _ = run("resume", tk, "--intr", "sync", "--quiet")
    rcb, batched_out, errb = run("resume", tk, "--intr", "coalesce:4:2ms", "--quiet")
    check("fork: --intr as saved = plain resume", again_out == same_out, again_out)
    check("fork: --intr coalesce differs", rcb in (0, 1) and batched_out != same_out and
          batched_out.startswith("digest "), f"{batched_out} {errb}")

    # A fork of the loss rate: the generator goes on from its state at a new rate.
    nk = os.path.join(tmp, "nettest-9ms.ckpt")
    _, n_same, _ = run("resume", nk, "--quiet")
    rcl, n_less, errl = run("resume", nk, "--loss", "0%", "--quiet")
    check("fork: --loss 0% differs", rcl in (0, 1) and n_less != n_same and
          n_less.startswith("digest "), f"{n_less} {errl}")
    bad("loss seed at resume", ["resume", nk, "--loss-seed", "3"], "--loss-seed: cannot change", tmp)

    # Bad files and flags: one line, exit 2, no file written.
    data = open(ck, "rb").read()
    for label, blob, needle in [
            ("truncated", data[:len(data) // 2], "truncated"),
            ("flipped byte", data[:-7] + bytes([data[-7] ^ 0x40]) + data[-6:], "checksum"),
            ("empty", b"", "not a denali checkpoint"),
            ("another version", data[:8] + b"\x07" + data[9:], "format version 7"),
            ("another build", data[:16] + b"X" + data[17:], "written by another build"),
            ("not a checkpoint", b"\x7fELF" + bytes(100), "not a denali checkpoint")]:
        p = os.path.join(tmp, "bad-" + label.replace(" ", "-"))
        open(p, "wb").write(blob)
        bad(label, ["resume", p, "--results", os.path.join(tmp, "nores")], needle, tmp)
        os.unlink(p)
    bad("missing file", ["resume", os.path.join(tmp, "nothere.ckpt")], "cannot open", tmp)
    bad("a directory", ["resume", tmp], "not a regular file", tmp)
    bad("state flag at resume", ["resume", ck, "--vms", "3"], "--vms: cannot change at resume", tmp)
    bad("image flag at resume", ["resume", ck, "--image", COMPUTE], "--image: cannot change", tmp)
    bad("checkpoint after the end",
        ["run", "--image", COMPUTE, "--max-time", "5ms", "--checkpoint-at", "6ms",
         "--checkpoint", os.path.join(tmp, "late.ckpt")], "before --checkpoint-at 6", tmp)
    bad("every without max time",
        ["run", "--image", COMPUTE, "--checkpoint-every", "1ms", "--checkpoint",
         os.path.join(tmp, "x-%t")], "needs --max-time", tmp)
    bad("every without %t",
        ["run", "--image", COMPUTE, "--max-time", "2ms", "--checkpoint-every", "1ms",
         "--checkpoint", os.path.join(tmp, "x")], "%t", tmp)
    bad("times without files",
        ["run", "--image", COMPUTE, "--checkpoint-at", "1ms"], "1 times and 0 files", tmp)
    # The image changed since: refused (the saved path and the absolute one differ).
    img2 = os.path.join(tmp, "compute-copy.elf")
    shutil.copy(COMPUTE, img2)
    ck2 = os.path.join(tmp, "copy.ckpt")
    rc, out, err = run("run", "--image", img2, "--max-time", "2ms", "--checkpoint-at", "1ms",
                       "--checkpoint", ck2, "--quiet")
    with open(img2, "ab") as f:
        f.write(b"\0")
    bad("image changed", ["resume", ck2], "is not the file the run used", tmp)
    # ... a VM group's image ...
    with open(comp, "ab") as f:
        f.write(b"\0")
    bad("group image changed", ["resume", os.path.join(tmp, "groups-10ms.ckpt")],
        f"--group {comp} is not the file the run used", tmp)
    # ... and a client machine's image.
    gen2 = os.path.join(tmp, "httpgen-copy.elf")
    shutil.copy(HTTPGEN, gen2)
    ck3 = os.path.join(tmp, "client.ckpt")
    rc, out, err = run("run", "--image", HTTPD, "--vms", "2", "--client", gen2, "--client-args",
                       "servers=2 rate=10 duration=5ms quiet=1", "--max-time", "20ms",
                       "--checkpoint-at", "1ms", "--checkpoint", ck3, "--quiet")
    check("client run with a checkpoint", os.path.exists(ck3), f"{rc} {out} {err}")
    with open(gen2, "ab") as f:
        f.write(b"\0")
    bad("client image changed", ["resume", ck3], "of machine 1 is not the file the run used", tmp)

    shutil.rmtree(tmp)
    if failures:
        print(f"{len(failures)} failed")
        sys.exit(1)


main()
