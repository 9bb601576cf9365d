#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Console input end to end (`denali run --console-in/--console-input/--console-in-vm`,
# docs/isa.md 9.4): a hand-assembled guest reads its console input with CONSOLE_READ
# (port 0x101) and echoes it with CONSOLE_WRITE (0x100) until a read returns 0; the
# run prints each VM's console. Bad input: exit 2, one stderr line naming it, no stdout.
# usage: console_in_test.py path/to/denali
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import elfimg  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI = sys.argv[1]
failures = []

# loop: mov edi, 0x30000; mov ecx, 64; mov edx, 0x101; in eax, dx; test eax, eax;
#       jz done; mov ecx, eax; mov esi, 0x30000; mov edx, 0x100; in eax, dx; jmp loop
# done: xor eax, eax; terminate
ECHO = (b"\xbf\x00\x00\x03\x00" b"\xb9\x40\x00\x00\x00" b"\xba\x01\x01\x00\x00" b"\xed"
        b"\x85\xc0" b"\x74\x0f"
        b"\x89\xc1" b"\xbe\x00\x00\x03\x00" b"\xba\x00\x01\x00\x00" b"\xed" b"\xeb\xdd"
        b"\x31\xc0" + elfimg.TERMINATE)


def run(*args):
    p = subprocess.run([DENALI, "run", *args], capture_output=True, timeout=hang(120))
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {detail}")
    else:
        print(f"ok   {name}")


def bad_input(name, args, *needles):
    rc, out, err = run(*args)
    lines = err.strip("\n").split("\n")
    missing = [n for n in needles if n not in err]
    check("bad input: " + name, rc == 2 and out == "" and len(lines) == 1 and not missing,
          f"rc={rc} stdout={out!r} stderr={err!r} missing={missing}")


def main():
    tmp = tempfile.mkdtemp(prefix="denali-conin-test-")
    echo = os.path.join(tmp, "echo.elf")
    with open(echo, "wb") as f:
        f.write(elfimg.program(ECHO))
    text = "first line\n" + "x" * 100 + "\nlast\n"  # more than one 64-byte read
    infile = os.path.join(tmp, "input.txt")
    with open(infile, "w") as f:
        f.write(text)

    def vm_lines(out, vm):
        p = f"[vm {vm}] "
        return [ln[len(p):] for ln in out.split("\n") if ln.startswith(p)]

    want = text.rstrip("\n").split("\n")
    rc, out, err = run("--image", echo, "--vms", "2", "--console-in", infile)
    check("file to every VM", rc == 0 and vm_lines(out, 0) == want
          and vm_lines(out, 1) == want, f"rc={rc} out={out!r} err={err!r}")
    rc2, out2, _ = run("--image", echo, "--vms", "2", "--console-in", infile)
    check("same output twice", rc2 == 0 and out2 == out, f"{out!r} vs {out2!r}")

    rc, out, err = run("--image", echo, "--vms", "3", "--console-input=hello VM 2\n",
                       "--console-in-vm", "2")
    check("string to one VM", rc == 0 and vm_lines(out, 2) == ["hello VM 2"]
          and vm_lines(out, 0) == [] and vm_lines(out, 1) == [],
          f"rc={rc} out={out!r} err={err!r}")

    missing = os.path.join(tmp, "no-such-input")
    bad_input("missing input file", ["--image", echo, "--console-in", missing], missing)
    bad_input("input is a directory", ["--image", echo, "--console-in", tmp], tmp)
    bad_input("no such VM", ["--image", echo, "--vms", "2", "--console-input", "x",
                             "--console-in-vm", "2"], "--console-in-vm 2")
    bad_input("VM without input", ["--image", echo, "--console-in-vm", "0"],
              "--console-in-vm")
    bad_input("input twice", ["--image", echo, "--console-input", "a",
                              "--console-in", infile], "twice")
    bad_input("bad VM id", ["--image", echo, "--console-input", "a",
                            "--console-in-vm", "x"], "--console-in-vm")
    shutil.rmtree(tmp)
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)


main()
