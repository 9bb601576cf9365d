#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Seeing inside a run (docs/observe.md), end to end with C guests built by denali-cc:
#   disasm      `denali disasm` names functions and branch targets from the ELF symbols,
#               lists one function with --function, and says when there are none
#   fault       a NULL dereference two calls deep: the fault report names the function
#               and its callers (stderr and summary.json)
#   stream      console lines of a guest that never ends appear while it runs; SIGINT
#               and SIGTERM end it with a partial summary marked INTERRUPTED, exit
#               130 / 143, and the outputs written up to the time reached
#   same        the digest is the same with and without each instrument (every trace
#               category, JSON Lines, the timeline, --stats-every, --console-dir), and
#               the files follow their formats' rules (tests/lib/tracecheck.py)
# usage: observe_test.py DENALI DENALI_CC TICKER_C
import os
import json
import re
import signal
import subprocess
import sys
import tempfile

DENALI, DENALI_CC, TICKER_C = sys.argv[1:4]
WEB = sys.argv[4:6]  # httpd and httpgen images (optional)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tracecheck  # noqa: E402
from hangguard import hang, wait_line  # noqa: E402  (tests/lib/hangguard.py)
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[-3000:]))
    if not cond:
        failures.append(name)


def denali(*args, timeout=hang(300)):
    p = subprocess.run([DENALI, *args], capture_output=True, text=True, errors="replace",
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def build(tmp, name, src, *flags):
    c = os.path.join(tmp, name + ".c")
    elf = os.path.join(tmp, name + ".elf")
    if src is None:
        c = name  # a source file
        elf = os.path.join(tmp, os.path.basename(name) + ".elf")
    else:
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


# Prints, then spins forever (a kernel that loops): only a signal ends it.
SPIN = r"""
#include <stdio.h>
static volatile unsigned n;
__attribute__((noinline)) void spin(void)
{
	for (;;)
		n++;
}
int main(void)
{
	printf("start\n");
	spin();
	return 0;
}
"""


def test_fault(tmp):
    elf = build(tmp, "nullderef", NULLDEREF, "-O0")
    res = os.path.join(tmp, "fault-results")
    rc, out, err = denali("run", "--image", elf, "--results", res)
    check("fault: exit 1, console streamed", rc == 1 and "[vm 0] start" in out, (rc, out, err))
    check("fault: the report names the function", re.search(
        r"^  at 0x[0-9a-f]{8} in sum\+0x[0-9a-f]+: ", err, re.M), err)
    check("fault: registers and EFLAGS decoded", re.search(r"eax 0x[0-9a-f]{8}", err) and
          re.search(r"eflags 0x[0-9a-f]{8} \[.*\]", err), err)
    bt = re.findall(r"^    #(\d+) 0x[0-9a-f]{8} in (\w+)\+", err, re.M)
    names = [n for _, n in bt]
    check("fault: backtrace sum <- walk <- main", names[:3] == ["sum", "walk", "main"], err)
    check("fault: no branch targets without tracing", "branch targets" not in err, err)
    rc, out, err = denali("run", "--image", elf, "--trace", "insn", "--trace-file",
                          os.path.join(tmp, "fault-insn.txt"))
    m = re.search(r"^  last (\d+) branch targets, oldest first:\n((?:    .*\n)+)", err, re.M)
    check("fault: with --trace insn, the last 16 branch targets",
          rc == 1 and m and m.group(1) == "16" and "sum+" in m.group(2), err)
    with open(os.path.join(res, "summary.json")) as f:
        summ = json.load(f)
    fault = summ["per_vm"][0].get("fault", {})
    check("fault: summary.json has the report", fault.get("function", "").startswith("sum+")
          and [b.get("function", "") and b["function"].split("+")[0]
               for b in fault.get("backtrace", [])][:3] == ["sum", "walk", "main"],
          json.dumps(fault)[:2000])


def test_stream(tmp, sig, code):
    elf = build(tmp, "spin", SPIN, "-O0")
    res = os.path.join(tmp, "spin-results-%d" % sig)
    tl = os.path.join(tmp, "spin-%d.json" % sig)
    p = subprocess.Popen([DENALI, "run", "--image", elf, "--results", res, "--timeline", tl,
                          "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, errors="replace")
    # the guest's line comes while it runs (it streams); bounded, not a blocking read
    first = wait_line(p.stdout, lambda l: True, 300, "the guest's first console line") or ""
    check("stream %d: the console line while the VM runs" % sig,
          first == "[vm 0] start\n", first)
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=hang(300))
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    name = "SIGINT" if sig == signal.SIGINT else "SIGTERM"
    check("stream %d: exit %d" % (sig, code), p.returncode == code, (p.returncode, out, err))
    check("stream %d: partial summary marked INTERRUPTED" % sig,
          ("INTERRUPTED by %s\n" % name) in out and "vm 0: stopped" in out and
          re.search(r"^simulated time .*, digest [0-9a-f]{16}$", out, re.M), out)
    check("stream %d: where the VM was (its function)" % sig,
          re.search(r"^  at 0x[0-9a-f]{8} in spin\+0x[0-9a-f]+ \(called from main\+", out,
                    re.M), out)
    ok = os.path.exists(os.path.join(res, "summary.json"))
    summ = json.load(open(os.path.join(res, "summary.json"))) if ok else {}
    check("stream %d: summary.json written, end INTERRUPTED" % sig,
          summ.get("end") == "INTERRUPTED", summ.get("end"))
    probs = tracecheck.check_timeline(tl) if os.path.exists(tl) else ["no timeline"]
    check("stream %d: the timeline up to the time reached is valid" % sig, not probs, probs)
    left = [f for f in os.listdir(tmp) if f.startswith(".")]
    check("stream %d: no temporary files left" % sig, not left, left)


def digest_of(out):
    m = re.search(r"digest ([0-9a-f]{16})", out)
    return m.group(1) if m else None


def test_same(tmp):
    elf = build(tmp, TICKER_C, None, "-O2")
    args = ["run", "--image", elf, "--vms", "3", "--intr", "sync"]
    rc, out, err = denali(*args, "--quiet")
    base = digest_of(out)
    check("same: the plain run", rc == 0 and base, (rc, out, err))
    cats = ["sched", "irq", "exc", "pio", "net", "mem", "disk", "timer", "console", "vm",
            "insn", "all"]
    for cat in cats:
        tr = os.path.join(tmp, "trace-%s.txt" % cat)
        rc, out, err = denali(*args, "--quiet", "--trace", cat, "--trace-file", tr)
        check("same: --trace %s" % cat, rc == 0 and digest_of(out) == base,
              (rc, out, err[-500:]))
    # Each category writes its events: one look at the text trace of all.
    text = open(os.path.join(tmp, "trace-all.txt")).read()
    for word in ("dispatch", "irq", "exception", "pio", "timer", "console"):
        check("same: the text trace has %s events" % word, word in text, text[:1500])
    tr = os.path.join(tmp, "trace.jsonl")
    rc, out, err = denali(*args, "--quiet", "--trace", "all", "--trace-format", "json",
                          "--trace-file", tr, "--trace-vms", "1-2")
    probs = tracecheck.check_jsonl(tr)
    vms = {json.loads(line).get("vm") for line in open(tr)}
    check("same: JSON Lines trace of VMs 1-2", rc == 0 and digest_of(out) == base and
          not probs and vms <= {1, 2, None} and vms & {1, 2}, (probs, vms, err[-500:]))
    # insn: each instruction with its disassembly; bounded by --trace-limit.
    tr = os.path.join(tmp, "insn.txt")
    rc, out, err = denali(*args, "--quiet", "--trace", "insn", "--trace-file", tr,
                          "--trace-limit", "500")
    lines = open(tr).read().splitlines()
    check("same: --trace-limit bounds the trace and says so",
          rc == 0 and digest_of(out) == base and len(lines) == 501 and
          lines[-1].startswith("# trace truncated: 500 events"), lines[-3:])
    check("same: insn lines name the function and disassemble",
          any(re.search(r"main\+0x[0-9a-f]+", ln) for ln in lines) and
          any("denali." in ln or "mov" in ln for ln in lines), lines[:20])
    tl = os.path.join(tmp, "ticker.json")
    res = os.path.join(tmp, "ticker-results")
    cdir = os.path.join(tmp, "consoles")
    rc, out, err = denali(*args, "--quiet", "--timeline", tl, "--stats-every", "1ms",
                          "--results", res, "--console-dir", cdir)
    check("same: --timeline, --stats-every, --console-dir", rc == 0 and
          digest_of(out) == base, (rc, out, err))
    probs = tracecheck.check_timeline(tl)
    check("same: the timeline follows the trace-event format", not probs, probs)
    doc = json.load(open(tl))
    phases = {e.get("ph") for e in doc["traceEvents"]}
    check("same: the timeline has slices, instants, counters and names",
          {"X", "i", "C", "M"} <= phases or {"B", "E", "i", "C", "M"} <= phases, phases)
    ts = open(os.path.join(res, "timeseries.csv")).read().splitlines()
    check("same: timeseries.csv has a header and about 10 intervals",
          len(ts) >= 10 and ts[0].startswith("t_ns") or ts[0].split(",")[0].endswith("ns"),
          ts[:3])
    files = sorted(os.listdir(cdir))
    check("same: --console-dir has one file per VM", files ==
          ["vm-0.txt", "vm-1.txt", "vm-2.txt"] and open(os.path.join(cdir, "vm-1.txt")).read()
          .startswith("ticker: 10 ticks"), files)
    # Streaming, the console of the plain run: the same lines in simulated-time order.
    rc, out, err = denali(*args)
    check("same: console lines prefixed", out.count("[vm ") == 3 and digest_of(out) == base,
          out)


def test_timeline_broadcast(tmp):
    """A frame delivered to several VMs (a broadcast reaching every VM) gets one flow
    arrow per delivery, each with its own id (2026-12-07: a 1,000-VM web run's timeline
    had flows with two starts and two ends, which tracecheck rejects)."""
    if len(WEB) < 2:
        print("(no httpd/httpgen images: broadcast timeline case not run)")
        return
    tl = os.path.join(tmp, "bcast.json")
    args = ["run", "--image", WEB[0], "--vms", "2", "--arp-flood", "--client", WEB[1],
            "--client-vms", "3", "--client-args", "servers=2 rate=100 duration=50ms",
            "--quiet"]
    rc, out, err = denali(*args)
    base = digest_of(out)
    rc2, out2, err2 = denali(*args, "--timeline", tl)
    check("broadcast: the timeline changes no digest", rc == rc2 and base and
          digest_of(out2) == base, (out, out2, err2[-500:]))
    probs = tracecheck.check_timeline(tl)
    doc = json.load(open(tl))
    starts = [e for e in doc["traceEvents"] if e.get("ph") == "s"]
    check("broadcast: one flow per delivery, each id once, and the file is valid",
          not probs and len(starts) > 3 and len({e["id"] for e in starts}) == len(starts),
          (probs[:5], len(starts)))
    # scripts/timeline-svg draws it: a well-formed SVG with slices and frame arrows; a
    # file that is not a timeline gets one line and exit 2, and no picture.
    svg_tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                            "scripts", "timeline-svg")
    svg = os.path.join(tmp, "bcast.svg")
    p = subprocess.run([sys.executable, svg_tool, tl, "--out", svg], capture_output=True,
                       text=True)
    import xml.etree.ElementTree as ET
    root = ET.parse(svg).getroot() if p.returncode == 0 else None
    rects = root.findall("{http://www.w3.org/2000/svg}rect") if root is not None else []
    lines = root.findall("{http://www.w3.org/2000/svg}line") if root is not None else []
    check("timeline-svg draws the timeline", p.returncode == 0 and len(rects) > 20 and
          len(lines) > len(starts), (p.returncode, p.stderr, len(rects), len(lines)))
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w") as f:
        f.write("[1, 2")
    p = subprocess.run([sys.executable, svg_tool, bad, "--out", os.path.join(tmp, "b.svg")],
                       capture_output=True, text=True)
    check("timeline-svg refuses a damaged file with one line, exit 2",
          p.returncode == 2 and len(p.stderr.splitlines()) == 1 and
          not os.path.exists(os.path.join(tmp, "b.svg")), (p.returncode, p.stderr))


def main():
    with tempfile.TemporaryDirectory(prefix="observe-test-") as tmp:
        test_timeline_broadcast(tmp)
        test_disasm(tmp)
        test_fault(tmp)
        test_stream(tmp, signal.SIGINT, 130)
        test_stream(tmp, signal.SIGTERM, 143)
        test_same(tmp)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


sys.exit(main())
