#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Seeing inside a run (docs/observe.md), end to end with C guests built by denali-cc:
#   disasm      `denali disasm` names functions and branch targets from the ELF symbols,
#               lists one function with --function, and says when there are none
# usage: observe_test.py DENALI DENALI_CC
import os
import re
import subprocess
import sys
import tempfile

DENALI, DENALI_CC = sys.argv[1:3]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[-3000:]))
    if not cond:
        failures.append(name)


def denali(*args, timeout=300):
    p = subprocess.run([DENALI, *args], capture_output=True, text=True, errors="replace",
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def build(tmp, name, src, *flags):
    c = os.path.join(tmp, name + ".c")
    elf = os.path.join(tmp, name + ".elf")
    with open(c, "w") as f:
        f.write(src)
    r = subprocess.run([DENALI_CC, *flags, c, "-o", elf], capture_output=True, text=True)
    if r.returncode != 0:
        print("denali-cc failed:\n" + r.stdout + r.stderr)
        sys.exit(1)
    return elf


# A NULL dereference two calls deep: main -> walk -> sum faults on the list's end.
NULLDEREF = r"""
#include <stdio.h>
struct node { int v; struct node *next; };
__attribute__((noinline)) int sum(struct node *n)
{
	int s = 0;
	for (;;) {
		s += n->v;
		n = n->next;
	}
	return s;
}
__attribute__((noinline)) int walk(struct node *h) { return sum(h) + 1; }
int main(void)
{
	struct node b = { 2, 0 }, a = { 1, &b };
	printf("start\n");
	return walk(&a);
}
"""


def test_disasm(tmp):
    elf = build(tmp, "nullderef", NULLDEREF, "-O0")
    rc, out, err = denali("disasm", elf)
    check("disasm: exit 0", rc == 0, err)
    check("disasm: function headers", re.search(r"^[0-9a-f]{8} <sum>:$", out, re.M) and
          re.search(r"^[0-9a-f]{8} <walk>:$", out, re.M) and
          re.search(r"^[0-9a-f]{8} <_start>:$", out, re.M), out[:2000])
    check("disasm: named call targets", re.search(r"call 0x[0-9a-f]+ <sum>", out), out[:3000])
    check("disasm: the Denali instruction by name", "denali.terminate" in out)
    rc, out, err = denali("disasm", "--function", "walk", elf)
    lines = out.splitlines()
    check("disasm --function: one function", rc == 0 and lines[0].endswith("<walk>:") and
          lines[-1].strip().endswith("ret") and "<sum>:" not in out, out)
    rc, out, err = denali("disasm", "--function", "nosuch", elf)
    check("disasm --function unknown: exit 2, one line", rc == 2 and out == "" and
          err.count("\n") == 1 and "nosuch" in err, (rc, out, err))
    stripped = os.path.join(tmp, "stripped.elf")
    subprocess.run(["strip", "-o", stripped, elf], check=True)
    rc, out, err = denali("disasm", stripped)
    check("disasm of a stripped image: no symbols, still a listing",
          rc == 0 and "(no symbols)" in out and "<sum>" not in out, out[:300])


def main():
    with tempfile.TemporaryDirectory(prefix="observe-test-") as tmp:
        test_disasm(tmp)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


sys.exit(main())
