#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# denali run --chaos SEED (docs/isa.md 12, src/vmm/chaos.c):
#   - reproducible: the same seed gives the same digest twice; seeds differ from each
#     other and from a run without chaos; a run without chaos is unchanged by the code
#     (same digest as with no flag at all is trivially true; checked against --chaos);
#   - bounded: a bare guest arms its timer 1 ms ahead 300 times and measures how late
#     each interrupt reaches its handler: within 20 + 50 us (the delay and latency
#     bounds) plus the delivery's own cost, and spread over that range, not constant;
#   - a libos guest that checks its own timer (ticker: 10 ticks, none 100 us late) and
#     the threadtest suite still pass under several seeds;
#   - bad seeds are bad input (exit 2, one line).
#   chaos_test.py DENALI DENALI_CC TICKER THREADTEST
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

GUEST = r"""
#include <stdint.h>
#include <denali/abi.h>
#define VREGS ((volatile struct denali_vregs *)DENALI_VREGS_ADDR)

static volatile uint64_t deadline, late_min = ~0ull, late_max, late_sum;
static volatile uint32_t ticks;

static uint64_t now_ns(void)
{
	uint64_t t, tsc0, tsc;
	uint32_t lo, hi;
	do {
		t = VREGS->time_ns;
		tsc0 = VREGS->tsc_at_entry;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		tsc = (uint64_t)hi << 32 | lo;
	} while (t != VREGS->time_ns || tsc0 != VREGS->tsc_at_entry);
	return t + (tsc - tsc0) * 1000000u / VREGS->cpu_khz;
}

void on_tick(void) // called by the stub with interrupts off
{
	uint64_t late = now_ns() - deadline;
	late_min = late < late_min ? late : late_min;
	late_max = late > late_max ? late : late_max;
	late_sum += late;
	ticks++;
}
void irq_entry(void);
__asm__(".globl irq_entry\nirq_entry:\n pushal\n cld\n call on_tick\n popal\n"
	" movl $1, 0x1020\n addl $4, %esp\n iret\n");

static void put(const char *s)
{
	uint32_t n = 0;
	while (s[n])
		n++;
	__asm__ volatile("inl %%dx, %%eax" : "+a"(n) : "d"(DENALI_PORT_CONSOLE_WRITE), "S"(s),
			 "c"(n) : "memory");
}

static void put_num(const char *label, uint64_t v)
{
	char b[40], *p = b + sizeof b;
	*--p = 0;
	*--p = '\n';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(label);
	put(p);
}

int main(void)
{
	VREGS->int_handler = (uint32_t)irq_entry;
	VREGS->int_enable = 1;
	for (int i = 0; i < 300; i++) {
		uint32_t before = ticks;
		deadline = now_ns() + 1000000;
		__asm__ volatile("outl %%eax, %%dx" : : "a"((uint32_t)deadline),
				 "c"((uint32_t)(deadline >> 32)), "d"(DENALI_PORT_TIMER));
		while (ticks == before)
			__asm__ volatile(".byte 0x0f, 0x0c, 0x00" : : "a"(200000), "d"(0) : "memory");
	}
	put_num("late_min_ns ", late_min);
	put_num("late_max_ns ", late_max);
	put_num("late_mean_ns ", late_sum / 300);
	return 0;
}
"""

failures = []


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace")


def expect(ok, what, detail=""):
    if ok:
        print("ok: " + what)
    else:
        failures.append(what + (": " + detail if detail else ""))


def digest(out):
    m = re.search(r"digest ([0-9a-f]{16})", out)
    return m.group(1) if m else None


def lateness(out):
    return {k: int(v) for k, v in re.findall(r"\[vm 0\] (late_\w+_ns) (\d+)", out)}


def main():
    denali, cc, ticker, threadtest = sys.argv[1:5]
    tmp = tempfile.mkdtemp(prefix="denali-chaos-")
    try:
        src = os.path.join(tmp, "late.c")
        with open(src, "w") as f:
            f.write(GUEST)
        elf = os.path.join(tmp, "late.elf")
        r = run([cc, "--bare", "-O2", "-Wall", "-Werror", src, "-o", elf])
        if r.returncode:
            print("denali-cc --bare failed:\n" + r.stderr)
            return 1
        base = run([denali, "run", "--image", elf])
        a1 = run([denali, "run", "--image", elf, "--chaos", "1"])
        a2 = run([denali, "run", "--image", elf, "--chaos", "1"])
        b = run([denali, "run", "--image", elf, "--chaos", "2"])
        z = run([denali, "run", "--image", elf, "--chaos", "0"])
        expect(all(x.returncode == 0 for x in (base, a1, a2, b, z)), "every run exits 0",
               a1.stdout + a1.stderr)
        expect(digest(a1.stdout) == digest(a2.stdout) and digest(a1.stdout),
               "--chaos 1 twice: the same digest %s" % digest(a1.stdout))
        ds = {digest(x.stdout) for x in (base, a1, b, z)}
        expect(len(ds) == 4, "no chaos, seeds 0, 1 and 2: four different runs", str(ds))
        expect("chaos               seed 1 (docs/isa.md 12)" in a1.stdout,
               "the summary names the seed")
        # docs/isa.md 12: summary.json has chaos_seed with --chaos, and not without.
        seeds = []
        for extra in ([], ["--chaos", "18446744073709551615"]):
            rdir = os.path.join(tmp, "results%d" % len(extra))
            r = run([denali, "run", "--image", elf, "--results", rdir] + extra)
            try:
                with open(os.path.join(rdir, "summary.json")) as f:
                    seeds.append(json.load(f).get("chaos_seed", "absent"))
            except (OSError, ValueError) as e:
                seeds.append(str(e))
        expect(seeds == ["absent", 18446744073709551615],
               "summary.json: no chaos_seed without --chaos, the seed (2^64-1) with it",
               str(seeds))
        l0, l1 = lateness(base.stdout), lateness(a1.stdout)
        print("timer lateness without chaos: %s; with --chaos 1: %s" % (l0, l1))
        # Without chaos the handler runs a fixed few us after the deadline: wake, switch,
        # upcall. With chaos add 0..70 us.
        expect(l0 and l0["late_max_ns"] - l0["late_min_ns"] < 1000,
               "without chaos the lateness is (nearly) constant", str(l0))
        fixed = l0.get("late_min_ns", 0)
        expect(l1 and l1["late_min_ns"] >= fixed - 1000 and
               l1["late_max_ns"] <= fixed + 70000 + 2000,
               "with chaos every interrupt is at most 70 us (+ the fixed cost) late", str(l1))
        expect(l1 and l1["late_max_ns"] - l1["late_min_ns"] > 40000 and
               20000 < l1["late_mean_ns"] - fixed < 50000,
               "with chaos the lateness spreads over the range (mean near 35 us)", str(l1))
        for seed in ("1", "2", "3"):
            r = run([denali, "run", "--image", ticker, "--vms", "3", "--max-time", "1s",
                     "--chaos", seed])
            expect(r.returncode == 0 and "ticker: 10 ticks, 2 exceptions, ok" in r.stdout,
                   "ticker passes under --chaos %s" % seed, r.stdout[-500:])
            r = run([denali, "run", "--image", threadtest, "--max-time", "60s",
                     "--chaos", seed])
            expect(r.returncode == 0 and ", 0 failed" in r.stdout,
                   "threadtest passes under --chaos %s" % seed, r.stdout[-500:])
        for bad in ("abc", "-1", "", "18446744073709551616"):
            r = run([denali, "run", "--image", elf, "--chaos", bad])
            expect(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and
                   "--chaos" in r.stderr, "--chaos %r is bad input" % bad, r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
