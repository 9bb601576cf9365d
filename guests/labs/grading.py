# SPDX-License-Identifier: MIT
# The labs' grading library, used by scripts/grade and by each labN/grade.py, which
# lists that lab's tests (docs/labs/README.md "Adding a test"). A test runs one image
# of the student's build under `denali run` with fixed flags, once per chaos seed, and
# checks the run; it scores its points only if every run passes. Everything a check
# sees comes from simulated time, so a grade is the same on every machine and every
# run, and each failure names the exact command that replays it.
import json
import os
import re
import shlex
import shutil
import struct
import subprocess


class Run:
    """One finished `denali run`: what the checks look at."""

    def __init__(self, cmd, proc, image, results_dir, workdir):
        self.cmd = cmd
        self.workdir = workdir  # the run's directory (setup's files, e.g. disks)
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.image = image
        self._results = results_dir
        self._syms = None

    def console(self, vm=0):
        """The console lines of VM vm (denali prints them for the first 4 VMs)."""
        tag = "[vm %d] " % vm
        return [l[len(tag):] for l in self.stdout.splitlines() if l.startswith(tag)]

    def status(self, vm=0):
        """'terminated, exit code N', 'killed', 'hung', 'stopped', or None."""
        m = re.search(r"^vm %d: ([a-z]+(?:, exit code \d+)?), [\d,]+ instructions$" % vm,
                      self.stdout, re.M)
        return m.group(1) if m else None

    def exit_code(self, vm=0):
        m = re.match(r"terminated, exit code (\d+)", self.status(vm) or "")
        return int(m.group(1)) if m else None

    def summary(self):
        """summary.json of the run (tests that ask for results=True)."""
        if not self._results:
            return None
        try:
            with open(os.path.join(self._results, "summary.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def result(self, name):
        """One named result of the guests (docs/isa.md 9.5) from summary.json, or None."""
        s = self.summary()
        return s.get("results", {}).get(name) if s else None

    def symbol(self, name):
        """The address of a symbol of the image (ELF32 .symtab), or None."""
        if self._syms is None:
            self._syms = elf_symbols(self.image)
        return self._syms.get(name)

    def diagnostics(self):
        """denali's lines about killed VMs (stderr)."""
        return [l for l in self.stderr.splitlines() if l.startswith("vm ")]


def elf_symbols(path):
    """name -> value for the symbols of an ELF32 little-endian file ({} if unreadable)."""
    try:
        with open(path, "rb") as f:
            d = f.read()
        shoff, = struct.unpack_from("<I", d, 32)
        shentsize, shnum = struct.unpack_from("<HH", d, 46)
        secs = [struct.unpack_from("<10I", d, shoff + i * shentsize) for i in range(shnum)]
        out = {}
        for s in secs:
            if s[1] != 2:  # SHT_SYMTAB
                continue
            strtab = secs[s[6]]
            for off in range(s[4], s[4] + s[5], 16):
                name_off, value = struct.unpack_from("<II", d, off)
                end = d.index(b"\0", strtab[4] + name_off)
                name = d[strtab[4] + name_off:end].decode("ascii", "replace")
                if name:
                    out[name] = value
        return out
    except (OSError, struct.error, ValueError, IndexError):
        return {}


class Test:
    """One graded test.

    name      short, unique in its lab; printed in the report
    points    what it is worth
    image     the test program: labN/IMAGE.c, built as build/labN/IMAGE.elf
    flags     denali run flags (list), after --image
    checks    functions run -> None (pass) or a one-line reason (fail); the first
              failing check's reason is reported
    chaos     the runs: None is a run without --chaos, a number a run with --chaos N
    max_time  denali run --max-time: a kernel that hangs or spins ends there
    results   run with --results DIR (for Run.summary / Run.result)
    setup     function(workdir) -> extra flags, called before each run, e.g. to make a
              disk image; its files stay in workdir so the printed command replays
    needs     external programs the checks need (tshark): missing = the test is skipped
    fresh     files of the run's directory that the run itself creates and changes (a
              read-write disk given as PATH:SIZE, which denali creates empty): removed
              before each run, and the replay command removes them first, so that it
              starts from the same state as the graded run, however often it is run
    """

    def __init__(self, name, points, image, flags=(), checks=(), chaos=(None,),
                 max_time="100ms", results=False, setup=None, needs=(), fresh=()):
        self.name = name
        self.points = points
        self.image = image
        self.flags = list(flags)
        self.checks = list(checks)
        self.chaos = list(chaos)
        self.max_time = max_time
        self.results = results
        self.setup = setup
        self.needs = list(needs)
        self.fresh = list(fresh)


def missing_tools(test):
    return [t for t in test.needs if shutil.which(t) is None]


def run_test(test, lab, tree, denali, workroot, chaos=True, runs=None):
    """Runs every chaos variant of test (only the run without --chaos if chaos is
    false). Returns (None, None) when all passed, else (reason, command) of the first
    failing run. Appends each Run to `runs` if given."""
    image = os.path.join(tree, "build", lab, test.image + ".elf")
    for seed in test.chaos:
        if seed is not None and not chaos:
            continue
        label = test.name if seed is None else "%s-chaos%d" % (test.name, seed)
        work = os.path.join(workroot, label)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        cmd = [denali, "run", "--image", image] + test.flags
        if test.setup:
            cmd += test.setup(work)
        cmd += ["--max-time", test.max_time]
        if seed is not None:
            cmd += ["--chaos", str(seed)]
        results = None
        if test.results:
            results = os.path.join(work, "results")
            cmd += ["--results", results]
        shown = " ".join(shlex.quote(c) for c in cmd)
        if test.fresh:
            paths = [os.path.join(work, f) for f in test.fresh]
            for path in paths:
                if os.path.exists(path):
                    os.remove(path)
            shown = "rm -f %s && %s" % (" ".join(shlex.quote(p) for p in paths), shown)
        if not os.path.exists(image):
            return "%s was not built" % os.path.relpath(image, tree), shown
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                              cwd=work)
        if proc.returncode == 2:
            err = proc.stderr.strip().splitlines()
            return "denali run refused it: %s" % (err[-1] if err else "exit 2"), shown
        run = Run(cmd, proc, image, results, work)
        if runs is not None:
            runs.append(run)
        for check in test.checks:
            why = check(run)
            if why:
                if seed is not None:
                    why += " (with --chaos %d)" % seed
                return why, shown
    return None, None


# --- pcap files (lab 6) -------------------------------------------------------------------

def read_pcap(path):
    """[(time_ns, frame bytes)] of a pcap file (micro- or nanosecond, little-endian)."""
    with open(path, "rb") as f:
        d = f.read()
    magic, = struct.unpack_from("<I", d, 0)
    scale = {0xa1b2c3d4: 1000, 0xa1b23c4d: 1}.get(magic)
    if scale is None:
        raise ValueError("%s: not a little-endian pcap file" % path)
    out, off = [], 24
    while off + 16 <= len(d):
        sec, frac, incl, _ = struct.unpack_from("<IIII", d, off)
        out.append((sec * 1000000000 + frac * scale, d[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out


def write_pcap(path, frames):
    """Writes [(time_ns, frame bytes)] as a microsecond Ethernet pcap."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, fr in frames:
            f.write(struct.pack("<IIII", t // 1000000000, t % 1000000000 // 1000,
                                len(fr), len(fr)))
            f.write(fr)


# --- checks -----------------------------------------------------------------------------
# Each returns a function run -> None or a reason. Reasons quote what the run did.

def _vm_died(run, vm):
    """Why VM vm ended badly, if it did: denali's diagnostic or its state."""
    st = run.status(vm)
    if st and st.startswith("terminated"):
        return None
    diag = [d for d in run.diagnostics() if d.startswith("vm %d:" % vm)]
    if diag:
        return diag[0]
    if st == "stopped":
        return "vm %d still running at --max-time" % vm
    if st == "hung":
        return "vm %d hung: idle with nothing that could wake it" % vm
    return "vm %d %s" % (vm, st or "has no status line")


def console_is(lines, vm=0):
    """The console of vm is exactly these lines."""
    def check(run):
        got = run.console(vm)
        for i, want in enumerate(lines):
            if i >= len(got):
                why = _vm_died(run, vm)
                return "console line %d missing (want %r)%s" % (
                    i + 1, want, "; " + why if why else "")
            if got[i] != want:
                return "console line %d is %r, want %r" % (i + 1, got[i], want)
        if len(got) > len(lines):
            return "console line %d is %r, want nothing more" % (len(lines) + 1, got[len(lines)])
        return None
    return check


def console_matches(patterns, vm=0):
    """Console line i of vm matches regular expression patterns[i] (callables get the run
    and return the pattern), and there are no more lines."""
    def check(run):
        got = run.console(vm)
        for i, p in enumerate(patterns):
            pat = p(run) if callable(p) else p
            if i >= len(got):
                why = _vm_died(run, vm)
                return "console line %d missing%s" % (i + 1, "; " + why if why else "")
            if not re.fullmatch(pat, got[i]):
                return "console line %d is %r, does not match %r" % (i + 1, got[i], pat)
        if len(got) > len(patterns):
            return "console line %d is %r, want nothing more" % (len(patterns) + 1,
                                                               got[len(patterns)])
        return None
    return check


def exit_code(code, vm=0):
    def check(run):
        got = run.exit_code(vm)
        if got == code:
            return None
        return _vm_died(run, vm) if got is None else "vm %d exit code %d, want %d" % (
            vm, got, code)
    return check


def all_exit(code, vms):
    """Every VM 0..vms-1 terminated with `code` (needs results=True)."""
    def check(run):
        s = run.summary()
        if s is None:
            return "no summary.json (the run did not finish)"
        for v in s.get("per_vm", []):
            if v.get("state") != "terminated" or v.get("exit_code") != code:
                why = _vm_died(run, v["id"]) if v["id"] < 4 else None
                return why or "vm %d %s, exit code %s, want exit code %d" % (
                    v["id"], v.get("state"), v.get("exit_code"), code)
        if len(s.get("per_vm", [])) != vms:
            return "summary.json lists %d VMs, want %d" % (len(s.get("per_vm", [])), vms)
        return None
    return check
