#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# `denali run --gdb` end to end (docs/debugging.md), with C guests built with symbols by
# denali-cc -g:
#   protocol  a raw client (no gdb needed): the handshake, the target description,
#             registers, a bad checksum answered '-', an overlong packet, gdb's Ctrl-C
#             (0x03) stopping a running guest with T02, kill; with QThreadEvents each
#             VM's end is a thread exit (w); `continue` to the end gets W00 and the
#             digest of the run without gdb; bad --gdb values exit 2
#   session   Debian gdb in batch mode on 3 VMs: break at a function, the three VMs as
#             threads with their states, `thread 2`/`thread 3`, bt, print a local and a
#             global, watch a global, stepi, finish, continue to the exit; the digest
#             is the digest of the same run without gdb (debugging never changes it)
#   checkpoint  monitor checkpoint FILE at a breakpoint; continue to the end: the digest
#             of the run without gdb, and `denali resume FILE` gives it too
#   fault     a NULL dereference: gdb stops with SIGSEGV on the faulting source line
#   machines  --gdb-machine 1 with --client: the client's VMs are the threads, a
#             breakpoint in its code, the digest of the run without gdb
#   attach    gdb attaches to a run that never ends (no --gdb-wait): info threads,
#             monitor time/runq/vregs/help, kill
#   stalled   the same while the stub gets no CPU for 3 s (SIGSTOP), as on a loaded
#             host: gdb's wait for a reply is raised from its 2 s to the hang guard
#   reverse   reverse execution on a loop: reverse-continue stops at the previous
#             iteration's hit with the earlier values, reverse-stepi returns to the
#             previous EIP, reverse-continue with no breakpoint reaches the beginning of
#             the history; continuing forward ends with the digest, the exit status and
#             (stdout a file) the console output of the run without gdb; the same with
#             a client machine and network traffic; not offered with a read-write disk
# Skips (77) the gdb checks when gdb is missing. Timeouts are hang guards only.
# usage: gdb_test.py DENALI DENALI_CC
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

DENALI, DENALI_CC = sys.argv[1:3]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import skips  # noqa: E402
from hangguard import hang, wait_line  # noqa: E402  (tests/lib/hangguard.py)

failures = []
HANG = hang(120)  # seconds: a hang guard (x the timeout multiplier), never a measurement


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[-3000:]),
          flush=True)
    if not cond:
        failures.append(name)


def build(tmp, name, src):
    c = os.path.join(tmp, name + ".c")
    elf = os.path.join(tmp, name + ".elf")
    with open(c, "w") as f:
        f.write(src)
    r = subprocess.run([DENALI_CC, "-g", c, "-o", elf], capture_output=True, text=True)
    if r.returncode != 0:
        print("denali-cc failed:\n" + r.stdout + r.stderr)
        sys.exit(1)
    return elf


# Each VM squares its way through a loop long enough to span several quanta, so the
# three VMs interleave; counter is a global each VM counts in its own memory.
WORK = r"""
#include <stdio.h>
#include <denali.h>
int counter;
int total;

static int square(int x)
{
	int r = x * x;
	return r;
}

int work(int n)
{
	int acc = 0;
	for (int i = 0; i < n; i++) {
		acc += square(i);
		counter++;
	}
	return acc;
}

int main(void)
{
	int id = (int)denali_vm_id();
	total = work(3000 + id);
	printf("vm %d total %d counter %d\n", id, total, counter);
	return 0;
}
"""

FAULT = r"""
#include <stdio.h>
int *ptr;

int deref(int *p)
{
	return *p + 1;
}

int main(void)
{
	printf("before\n");
	int v = deref(ptr);
	printf("after %d\n", v);
	return 0;
}
"""

LOOP = r"""
#include <stdio.h>
int counter;

void body(int i)
{
	counter += i;
}

int main(void)
{
	for (int i = 0; i < 10; i++) {
		body(i);
		printf("i=%d counter=%d\n", i, counter);
	}
	return 0;
}
"""

SPIN = r"""
volatile unsigned spins;

int main(void)
{
	for (;;)
		spins++;
}
"""


def digest_of(out):
    m = re.findall(r"digest ([0-9a-f]{16})", out)
    return m[-1] if m else None


def plain(elf, *args):
    p = subprocess.run([DENALI, "run", "--image", elf, *args], capture_output=True, text=True,
                       timeout=HANG)
    return p.returncode, p.stdout, p.stderr


def start(elf, gdbspec, *args):
    """Starts denali with --gdb; returns (process, address for a client)."""
    p = subprocess.Popen([DENALI, "run", "--image", elf, "--gdb", gdbspec, *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # "denali run: gdb: listening on ADDR..." comes first
    line = wait_line(p.stderr, lambda l: True, 120, "denali's gdb listening line") or ""
    m = re.search(r"listening on (\S+?)(,|$)", line.strip())
    if not m:
        p.kill()
        out, err = p.communicate()
        print("no listening line:", line, out, err)
        return p, None
    return p, m.group(1)


def finish(p):
    try:
        out, err = p.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        err += "\n(hang guard: killed)"
    return p.returncode, out, err


class Client:
    """A minimal GDB remote protocol client (acks on)."""

    def __init__(self, addr):
        if addr.startswith("unix:"):
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.connect(addr[5:])
        else:
            host, port = addr.rsplit(":", 1)
            self.s = socket.create_connection((host, int(port)))
        self.s.settimeout(HANG)
        self.buf = b""

    def raw(self, b):
        self.s.sendall(b)

    def byte(self):
        while not self.buf:
            d = self.s.recv(4096)
            if not d:
                raise EOFError
            self.buf += d
        c, self.buf = self.buf[:1], self.buf[1:]
        return c

    def frame(self, data):
        data = data.encode("latin-1") if isinstance(data, str) else data
        return b"$" + data + b"#" + b"%02x" % (sum(data) & 0xff)

    def reply(self):
        """The next packet's data (checksum checked); acks it."""
        while self.byte() != b"$":
            pass
        data = b""
        while True:
            c = self.byte()
            if c == b"#":
                break
            data += c
        cs = self.byte() + self.byte()
        assert int(cs, 16) == sum(data) & 0xff, "bad checksum from the stub"
        try:
            self.raw(b"+")
        except (BrokenPipeError, ConnectionResetError):
            pass  # after W the stub has closed the connection
        return data.decode("latin-1")

    def ack(self):
        """The '+' or '-' for our last packet."""
        return self.byte()

    def cmd(self, data):
        self.raw(self.frame(data))
        a = self.ack()
        assert a == b"+", f"no ack for {data!r}: {a!r}"
        return self.reply()


def protocol(tmp):
    work = build(tmp, "work", WORK)
    spin = build(tmp, "spin", SPIN)
    _, out0, _ = plain(work, "--vms", "3")
    d0 = digest_of(out0)

    sock = os.path.join(tmp, "proto.sock")
    p, addr = start(spin, "unix:" + sock, "--gdb-wait")
    check("protocol: listens on the Unix socket", addr == "unix:" + sock, addr)
    if not addr:
        return
    c = Client(addr)
    sup = c.cmd("qSupported:multiprocess+;swbreak+;xmlRegisters=i386")
    check("protocol: qSupported", "PacketSize=1000" in sup and "qXfer:features:read+" in sup,
          sup)
    xml = ""
    while True:
        r = c.cmd("qXfer:features:read:target.xml:%x,200" % len(xml))
        xml += r[1:]
        if r[0] == "l":
            break
    check("protocol: an i386 target description", "org.gnu.gdb.i386.core" in xml and
          '<reg name="eip"' in xml and "</target>" in xml, xml[:200])
    stop = c.cmd("?")
    check("protocol: stopped before the first instruction (T05, thread 1)",
          stop.startswith("T05") and "thread:1;" in stop, stop)
    g = c.cmd("g")
    check("protocol: g has 176 bytes of registers", len(g) == 352, len(g))
    eip = int.from_bytes(bytes.fromhex(g[64:72]), "little")
    check("protocol: EIP is the entry point", eip == 0x10000, hex(eip))
    check("protocol: cs reads as the constant 0x1b", c.cmd("p0a") == "1b000000")
    check("protocol: qC names thread 1", c.cmd("qC") == "QC1")
    check("protocol: unknown packets get an empty reply", c.cmd("qBogus") == "")
    c.raw(b"$g#00")
    check("protocol: a bad checksum gets '-'", c.ack() == b"-")
    c.raw(b"$" + b"m" * 5000 + b"#00")
    check("protocol: an overlong packet gets '-'", c.ack() == b"-")
    check("protocol: memory reads after bad packets", len(c.cmd("m10000,10")) == 32)
    check("protocol: a read of the hole is an error", c.cmd("m0,4").startswith("E"))
    c.raw(c.frame("vCont;c"))
    check("protocol: continue is acked", c.ack() == b"+")
    c.raw(b"\x03")
    stop = c.reply()
    check("protocol: Ctrl-C stops the run with SIGINT (T02)", stop.startswith("T02"), stop)
    t1 = c.cmd("qRcmd," + "time".encode().hex())
    t2 = c.cmd("qRcmd," + "time".encode().hex())
    check("protocol: simulated time is frozen while stopped", t1 == t2 and t1, (t1, t2))
    c.raw(c.frame("k"))
    rc, out, err = finish(p)
    check("protocol: kill ends the run (exit 1, INTERRUPTED by gdb)",
          rc == 1 and "INTERRUPTED by gdb" in out, (rc, out[-500:], err[-500:]))
    check("protocol: the socket file is removed", not os.path.exists(sock))

    p, addr = start(work, "0", "--gdb-wait", "--vms", "3")
    check("protocol: listens on 127.0.0.1 with a free port",
          addr is not None and re.fullmatch(r"127\.0\.0\.1:\d+", addr), addr)
    if not addr:
        return
    c = Client(addr)
    c.cmd("qSupported")
    th = c.cmd("qfThreadInfo")
    check("protocol: three VMs are threads 1-3", th == "m1,2,3", th)
    check("protocol: thread 2's state", bytes.fromhex(c.cmd("qThreadExtraInfo,2")).decode()
          == "vm 1, new")
    check("protocol: thread events offered and switched on",
          "QThreadEvents+" in c.cmd("qSupported") and c.cmd("QThreadEvents:1") == "OK")
    exits = []
    for _ in range(3):
        c.raw(c.frame("c"))
        c.ack()
        exits.append(c.reply())
    check("protocol: each VM's end is a thread exit (w00;TID), in the order they end",
          sorted(exits) == ["w00;1", "w00;2", "w00;3"], exits)
    c.raw(c.frame("c"))
    c.ack()
    end = c.reply()
    check("protocol: the end of the run is W00", end == "W00", end)
    try:
        closed = c.s.recv(16) == b""
    except ConnectionResetError:  # our ack of W reached a closed socket
        closed = True
    check("protocol: then the stub closes the connection", closed)
    rc, out, err = finish(p)
    check("protocol: same digest as without gdb", rc == 0 and digest_of(out) == d0,
          (rc, digest_of(out), d0, err[-500:]))

    for bad in ["70000", "-1", "abc", "unix:", "1e3",
                "unix:" + os.path.join(tmp, "no", "x.sock")]:  # bind fails
        r = subprocess.run([DENALI, "run", "--image", work, "--gdb", bad],
                           capture_output=True, text=True, timeout=HANG)
        check(f"protocol: --gdb {bad} exits 2 with one line", r.returncode == 2 and
              r.stderr.count("\n") == 1 and "--gdb" in r.stderr, (r.returncode, r.stderr))
    for bad in ["0", "1ns", "2000s", "x", "1"]:
        r = subprocess.run([DENALI, "run", "--image", work, "--gdb", "0",
                            "--gdb-history-every", bad], capture_output=True, text=True,
                           timeout=HANG)
        check(f"protocol: --gdb-history-every {bad} exits 2 with one line",
              r.returncode == 2 and r.stderr.count("\n") == 1 and
              "--gdb-history-every" in r.stderr, (r.returncode, r.stderr))
    r = subprocess.run([DENALI, "run", "--image", work, "--gdb-history-every", "1ms"],
                       capture_output=True, text=True, timeout=HANG)
    check("protocol: --gdb-history-every without --gdb exits 2", r.returncode == 2, r.stderr)
    r = subprocess.run([DENALI, "run", "--image", work, "--gdb-wait"], capture_output=True,
                       text=True, timeout=HANG)
    check("protocol: --gdb-wait alone exits 2", r.returncode == 2, r.stderr)
    r = subprocess.run([DENALI, "run", "--image", work, "--gdb", "0", "--gdb-machine", "1"],
                       capture_output=True, text=True, timeout=HANG)
    check("protocol: --gdb-machine 1 without --client exits 2", r.returncode == 2, r.stderr)


def machines(tmp):
    """--gdb-machine 1: the client machine's VMs are the threads; same digest."""
    g = os.path.join(os.path.dirname(os.path.abspath(DENALI)), "..", "..", "guests")
    echo, ping = (os.path.join(g, n + "-gcc-O2.elf") for n in ("udpecho", "udpping"))
    if not (os.path.exists(echo) and os.path.exists(ping)):
        check("machines: the udpecho and udpping guests are built", False, g)
        return
    args = ["--vms", "2", "--client", ping, "--client-vms", "3", "--client-args", "-n 5",
            "--quiet"]
    _, out0, _ = plain(echo, *args)
    p, addr = start(echo, "unix:" + os.path.join(tmp, "m.sock"), "--gdb-wait",
                    "--gdb-machine", "1", *args)
    if not addr:
        check("machines: denali listens", False)
        return
    c = Client(addr)
    th = c.cmd("qfThreadInfo")
    check("machines: machine 1's three VMs are the threads", th == "m1,2,3", th)
    vr = bytes.fromhex(c.cmd("qRcmd," + "vregs".encode().hex())).decode()
    check("machines: monitor vregs shows machine 1's VM 0", "vm_id 0" in vr, vr)
    t = bytes.fromhex(c.cmd("qRcmd," + "time".encode().hex())).decode()
    check("machines: monitor time names machine 1", "machine 1" in t, t)
    nm = subprocess.run(["nm", ping], capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+) T main$", nm, re.M)
    main_addr = int(m.group(1), 16) if m else 0x10000
    c.cmd("Z0,%x,1" % main_addr)
    c.raw(c.frame("c"))
    c.ack()
    stop = c.reply()
    check("machines: a breakpoint at the client's main", stop.startswith("T05") and m, stop)
    c.cmd("z0,%x,1" % main_addr)
    c.raw(c.frame("c"))
    c.ack()
    end = c.reply()
    rc, out, err = finish(p)
    check("machines: W00 and the digest without gdb", end == "W00" and rc == 0 and
          digest_of(out) == digest_of(out0), (end, rc, out, out0, err[-300:]))


def gdb_args(elf, addr, *cmds):
    # gdb's defaults otherwise: each VM's memory (the same addresses in every VM) is
    # read through the thread gdb selects (Hg). gdb's wait for each reply is a hang
    # guard too (remotetimeout): its default of 2 s is shorter than a loaded host may
    # keep the stub off the CPU, and then gdb gives up on the connection or takes a
    # late reply for the next packet's (see stalled()).
    args = ["gdb", "-batch", "-nx", "-ex", "set pagination off", "-ex",
            "set confirm off", "-ex", "set remotetimeout %d" % HANG,
            "-ex", "target remote " + (addr[5:] if addr.startswith("unix:") else addr)]
    for cmd in cmds:
        args += ["-ex", cmd]
    return args + [elf]


def gdb(elf, addr, *cmds):
    r = subprocess.run(gdb_args(elf, addr, *cmds), capture_output=True, text=True,
                       timeout=HANG)
    return r.stdout + r.stderr


def session(tmp):
    work = build(tmp, "work", WORK)
    _, out0, _ = plain(work, "--vms", "3")
    d0 = digest_of(out0)
    sock = os.path.join(tmp, "session.sock")
    p, addr = start(work, "unix:" + sock, "--gdb-wait", "--vms", "3")
    if not addr:
        check("session: denali listens", False)
        return
    out = gdb(work, addr,
              "break work", "continue", "continue", "continue",
              "info threads",
              "thread 2", "bt", "print n",
              "thread 3", "print n", "print counter", "print total",
              "delete", "watch counter", "continue",
              "delete", "print $eip", "stepi", "print $eip",
              "break square", "continue", "finish",
              "delete", "monitor runq", "continue")
    rc, dout, derr = finish(p)
    print(out)
    check("session: breakpoint at work in thread 1",
          re.search(r"Thread 1 hit Breakpoint 1, work \(n=3000\) at .*work\.c:\d+", out), out)
    check("session: then threads 2 and 3 reach it",
          "Thread 2 hit Breakpoint 1, work (n=3001)" in out and
          "Thread 3 hit Breakpoint 1, work (n=3002)" in out, out)
    check("session: info threads lists the VMs with their states",
          re.search(r"1\s+Thread 1 \(vm 0, runnable\)", out) and
          re.search(r"2\s+Thread 2 \(vm 1, runnable\)", out) and
          re.search(r"\* 3\s+Thread 3 \(vm 2, running\)", out), out)
    check("session: bt in thread 2", re.search(r"#0\s+work \(n=3001\).*\n#1\s+0x[0-9a-f]+ in "
                                                r"main \(\)", out), out)
    check("session: print a local", "$1 = 3001" in out and "$2 = 3002" in out, out)
    check("session: print a global (thread 3's VM has not counted yet)",
          "$3 = 0" in out and "$4 = 0" in out, out)
    check("session: watch a global",
          re.search(r"Thread 3 hit Hardware watchpoint \d+: counter\s+Old value = 0\s+"
                    r"New value = 1", out), out)
    m = re.findall(r"\$[56] = \(void \(\*\)\(\)\) (0x[0-9a-f]+)", out)
    check("session: stepi moves EIP", len(m) == 2 and m[0] != m[1], m)
    check("session: finish returns from square",
          re.search(r"Thread 3 hit Breakpoint \d+, square \(x=1\).*\n.*\n0x[0-9a-f]+ in work "
                    r"\(n=3002\).*\n.*\nValue returned is \$\d+ = 1\n", out), out)
    check("session: monitor runq", "queued (" in out and "vm 2: running" in out, out)
    check("session: continue to the exit", "exited normally" in out, out)
    check("session: same digest as without gdb (3 VMs, breakpoints, steps, watch)",
          rc == 0 and digest_of(dout) == d0 and d0, (rc, digest_of(dout), d0, derr[-800:]))


def checkpoint(tmp):
    """monitor checkpoint FILE at a breakpoint: the run goes on to the end with the digest
    of the run without gdb, and `denali resume FILE` gives that digest too."""
    work = build(tmp, "ckwork", WORK)
    _, out0, _ = plain(work, "--vms", "3")
    d0 = digest_of(out0)
    ck = os.path.join(tmp, "stop.ckpt")
    p, addr = start(work, "unix:" + os.path.join(tmp, "ck.sock"), "--gdb-wait", "--vms", "3")
    if not addr:
        check("checkpoint: denali listens", False)
        return
    out = gdb(work, addr, "break square", "continue", "continue",
              "monitor checkpoint " + ck, "monitor checkpoint " + os.path.join(tmp, "no", "x"),
              "delete", "continue")
    rc, dout, derr = finish(p)
    check("checkpoint: monitor checkpoint says when it is taken",
          "checkpoint " + ck + ": taken at the next point between two dispatches" in out, out)
    check("checkpoint: a place that takes no file is refused",
          "cannot write a file there" in out, out)
    check("checkpoint: the run reports it",
          re.search(r"checkpoint\s+" + re.escape(ck) + r" at [\d.]+ \w+: \d+ bytes", dout),
          dout + derr)
    check("checkpoint: the run's digest is the one without gdb",
          rc == 0 and digest_of(dout) == d0 and d0, (rc, digest_of(dout), d0, derr[-800:]))
    r = subprocess.run([DENALI, "resume", ck, "--quiet"], capture_output=True, text=True,
                       timeout=HANG)
    check("checkpoint: denali resume FILE gives the digest of the run without gdb",
          r.returncode == 0 and digest_of(r.stdout) == d0, r.stdout + r.stderr)


def fault(tmp):
    elf = build(tmp, "fault", FAULT)
    sock = os.path.join(tmp, "fault.sock")
    p, addr = start(elf, "unix:" + sock, "--gdb-wait")
    if not addr:
        check("fault: denali listens", False)
        return
    out = gdb(elf, addr, "continue", "bt", "print p", "continue")
    rc, dout, derr = finish(p)
    print(out)
    check("fault: SIGSEGV", "Program received signal SIGSEGV, Segmentation fault." in out, out)
    check("fault: on the faulting source line",
          re.search(r"deref \(p=0x0\) at .*fault\.c:7\n7\s+return \*p \+ 1;", out), out)
    check("fault: bt names the caller", re.search(r"#1\s+0x[0-9a-f]+ in main \(\) at", out),
          out)
    check("fault: continuing ends the run (the VM is killed: exit code 1)",
          "exited with code 01" in out and rc == 1 and "vm 0: killed" in dout,
          (rc, dout[-300:], out[-300:]))


def attach(tmp):
    elf = build(tmp, "spin", SPIN)
    p, addr = start(elf, "0", "--vms", "2")
    if not addr:
        check("attach: denali listens", False)
        return
    out = gdb(elf, addr, "info threads", "print spins > 0 || spins == 0", "monitor time",
              "monitor runq", "monitor vregs 1", "monitor help", "monitor bogus", "kill")
    rc, dout, derr = finish(p)
    print(out)
    check("attach: gdb attaches to a running guest", re.search(r"Thread [12] \(vm [01], "
                                                               r"(running|runnable)\)", out), out)
    check("attach: monitor time", re.search(r"simulated time \d+ ns \(\d+ cycles", out), out)
    check("attach: monitor vregs 1", "vm 1 (" in out and "int_enable" in out, out)
    check("attach: monitor help", "monitor vregs [N]" in out, out)
    check("attach: unknown monitor command", "unknown monitor command" in out, out)
    check("attach: kill ends the run", rc == 1 and "INTERRUPTED by gdb" in dout,
          (rc, dout[-300:], derr[-300:]))


def stalled(tmp):
    """gdb attaches while the stub gets no CPU for 3 s, as on a loaded host: the session
    works once the stub runs again (2026-12-07, the robust session: with gdb's default
    remotetimeout of 2 s, attach failed with "No threads." and the run was left going
    when the stub was stopped for 2.5 s at a time by tests/lib/stall_inject.py)."""
    elf = build(tmp, "spin_stall", SPIN)
    p, addr = start(elf, "0", "--vms", "2")
    if not addr:
        check("stalled: denali listens", False)
        return
    os.kill(p.pid, signal.SIGSTOP)
    try:
        g = subprocess.Popen(gdb_args(elf, addr, "info threads", "monitor time", "kill"),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(3)  # longer than gdb's default wait for a reply
    finally:
        os.kill(p.pid, signal.SIGCONT)
    try:
        out = g.communicate(timeout=HANG)[0]
    except subprocess.TimeoutExpired:
        g.kill()
        out = g.communicate()[0] + "\n(hang guard: killed)"
    rc, dout, derr = finish(p)
    check("stalled: gdb attaches once the stub runs again",
          re.search(r"Thread [12] \(vm [01], (running|runnable)\)", out) and
          re.search(r"simulated time \d+ ns \(\d+ cycles", out), out)
    check("stalled: kill ends the run", rc == 1 and "INTERRUPTED by gdb" in dout,
          (rc, dout[-300:], derr[-300:]))


def reverse(tmp):
    elf = build(tmp, "loop", LOOP)
    _, out0, _ = plain(elf)
    d0 = digest_of(out0)
    sock = os.path.join(tmp, "reverse.sock")
    outf = os.path.join(tmp, "reverse.out")
    with open(outf, "w") as so:
        p = subprocess.Popen([DENALI, "run", "--image", elf, "--gdb", "unix:" + sock,
                              "--gdb-wait"], stdout=so, stderr=subprocess.PIPE, text=True)
    line = wait_line(p.stderr, lambda l: True, 120, "denali's gdb listening line") or ""
    if "listening" not in line:
        check("reverse: denali listens", False, line)
        p.kill()
        return
    out = gdb(elf, "unix:" + sock,
              "break body", "continue", "continue", "continue", "print i", "print counter",
              "reverse-continue", "print i", "print counter",
              "print $pc", "reverse-stepi", "print $pc", "stepi", "print $pc",
              "continue", "print i",
              "delete", "reverse-continue", "print $pc", "continue")
    try:
        rc = p.wait(timeout=HANG)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    with open(outf) as f:
        dout = f.read()
    print(out)
    check("reverse: three hits forward, i = 2 and counter = 1 at the third",
          "$1 = 2" in out and "$2 = 1" in out, out)
    check("reverse: reverse-continue stops at the previous hit with the earlier values",
          re.search(r"Breakpoint 1, body \(i=1\).*\n.*\n\$3 = 1\n\$4 = 0\n", out), out)
    pcs = re.findall(r"\$[567] = \(void \(\*\)\(\)\) (0x[0-9a-f]+)", out)
    check("reverse: reverse-stepi returns to the previous EIP, stepi comes back",
          len(pcs) == 3 and int(pcs[1], 16) < int(pcs[0], 16) and pcs[2] == pcs[0], pcs)
    check("reverse: continuing forward meets the next iteration again",
          re.search(r"Breakpoint 1, body \(i=2\).*\n.*\n\$8 = 2\n", out), out)
    check("reverse: with no breakpoint, reverse-continue reaches the beginning",
          "No more reverse-execution history." in out and
          re.search(r"\$9 = \(void \(\*\)\(\)\) 0x10000 <_start>", out), out)
    check("reverse: then the run ends as without gdb (status, digest, console output)",
          "exited normally" in out and rc == 0 and digest_of(dout) == d0 and d0 and
          dout == out0, (rc, dout[-600:], out0[-600:]))


def reverse_pipe(tmp):
    """Console lines into a pipe (not a file gdb's history can rewind): going back and
    forward again shows each line once (2026-12-07, the lead: lines between the stop
    gone back to and the furthest point reached came out twice)."""
    elf = build(tmp, "loop", LOOP)
    _, out0, _ = plain(elf)
    sock = os.path.join(tmp, "reverse-pipe.sock")
    p, addr = start(elf, "unix:" + sock, "--gdb-wait")
    if not addr:
        check("reverse (pipe): denali listens", False)
        return
    out = gdb(elf, addr, "break body", "continue", "continue", "continue", "continue",
              "reverse-continue", "reverse-continue", "continue", "reverse-continue",
              "delete", "continue")
    rc, dout, derr = finish(p)
    print(out[-800:])
    check("reverse (pipe): went back and forth",
          len(re.findall(r"Breakpoint 1, body", out)) == 8 and "exited normally" in out, out)
    check("reverse (pipe): every console line once, as without gdb",
          rc == 0 and dout == out0, (rc, dout[-700:], out0[-700:], derr[-300:]))


def reverse_many(tmp):
    """Two VMs, a snapshot at nearly every stop (more than the history keeps: thinned)."""
    elf = build(tmp, "loop2", LOOP)
    _, out0, _ = plain(elf, "--vms", "2", "--quiet")
    d0 = digest_of(out0)
    sock = os.path.join(tmp, "reverse2.sock")
    p, addr = start(elf, "unix:" + sock, "--gdb-wait", "--vms", "2", "--quiet",
                    "--gdb-history-every", "1us")
    if not addr:
        check("reverse (many snapshots): denali listens", False)
        return
    cmds = ["break body"] + ["continue", "thread", "print i"] * 8
    cmds += ["reverse-continue", "thread", "print i"] * 3 + ["delete", "continue"]
    out = gdb(elf, addr, *cmds)
    rc, dout, derr = finish(p)
    print(out[-1500:])
    # (thread, i) at each hit: going back meets the forward hits in reverse order.
    hits = list(zip(re.findall(r"Current thread is (\d+)", out),
                    re.findall(r"\$\d+ = (\d+)", out)))
    check("reverse (many snapshots): reverse-continue walks back hit by hit",
          len(hits) == 11 and hits[8:] == hits[6:3:-1] and len(set(hits[:8])) == 8, hits)
    check("reverse (many snapshots): the run ends as without gdb",
          "exited normally" in out and rc == 0 and digest_of(dout) == d0 and d0,
          (rc, dout[-300:], derr[-300:]))
    check("reverse (many snapshots): no process of the run is left",
          subprocess.run(["pgrep", "-f", sock], capture_output=True).returncode == 1)


def reverse_machines(tmp):
    """Reverse execution with a client machine and network traffic (--gdb-machine 1)."""
    g = os.path.join(os.path.dirname(os.path.abspath(DENALI)), "..", "..", "guests")
    echo, ping = (os.path.join(g, n + "-gcc-O2.elf") for n in ("udpecho", "udpping"))
    if not (os.path.exists(echo) and os.path.exists(ping)):
        check("reverse (machines): the udpecho and udpping guests are built", False, g)
        return
    args = ["--vms", "2", "--client", ping, "--client-vms", "3", "--client-args", "-n 5",
            "--quiet"]
    _, out0, _ = plain(echo, *args)
    p, addr = start(echo, "unix:" + os.path.join(tmp, "rm.sock"), "--gdb-wait",
                    "--gdb-machine", "1", "--gdb-history-every", "50us", *args)
    if not addr:
        check("reverse (machines): denali listens", False)
        return
    out = gdb(ping, addr, "break denali_nic_send", *(["continue"] * 4),
              "reverse-continue", "reverse-continue", "delete", "continue")
    rc, dout, derr = finish(p)
    hits = re.findall(r"Thread (\d+) hit Breakpoint 1", out)
    check("reverse (machines): reverse-continue meets the sends in reverse order",
          len(hits) == 6 and hits[4:] == [hits[2], hits[1]], hits)
    check("reverse (machines): the run ends with the digest of the run without gdb",
          "exited normally" in out and rc == 0 and digest_of(dout) == digest_of(out0),
          (rc, dout[-300:], out0[-300:], derr[-300:]))

    # A read-write disk keeps its writes in a host file a replay cannot undo: no
    # reverse execution then (qSupported does not offer it; bs gets no stop).
    spin = build(tmp, "spin_rw", SPIN)
    p, addr = start(spin, "unix:" + os.path.join(tmp, "rw.sock"), "--gdb-wait", "--disk",
                    os.path.join(tmp, "rw.img") + ":64K")
    if not addr:
        check("reverse (disk): denali listens", False)
        return
    c = Client(addr)
    sup = c.cmd("qSupported")
    check("reverse (disk): not offered with a read-write disk",
          "ReverseStep" not in sup and c.cmd("bs") == "", sup)
    c.raw(c.frame("k"))
    finish(p)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        protocol(tmp)
        machines(tmp)
        if skips.need("gdb", "the gdb sessions (session, checkpoint, fault, attach, stalled, reverse)"):
            session(tmp)
            checkpoint(tmp)
            fault(tmp)
            attach(tmp)
            stalled(tmp)
            reverse(tmp)
            reverse_pipe(tmp)
            reverse_many(tmp)
            reverse_machines(tmp)
    return skips.exit_status(failures)


if __name__ == "__main__":
    sys.exit(main())
