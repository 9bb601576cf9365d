# SPDX-License-Identifier: MIT
# Lab 5 tests (docs/labs/lab5.md): the disk driver's results (the disk files' contents
# after the run, read by the grader), more requests than the device holds, errors, and
# an interrupt-driven pipeline's request latency under three interrupt policies,
# compared with the reference driver's (scripts/grade lab5 REF_TREE --measure).
import os
import struct

from grading import Test, all_exit, console_is, exit_code

TITLE = "an interrupt-driven disk driver"
BLOCK = 4096

# --intr policy -> the reference's mean request latency (ns, result lab5.latency_ns)
REFERENCE = {
    "batched": 1820981,
    "sync": 323506,
    "coalesce:8:50us": 8462248,
}
TOLERANCE = 0.25


def disk(name, size, ro=False, vms=None):
    """A setup: an empty disk `name` of `size` bytes in the run's directory. A read-only
    one is written here; a read-write one denali creates (PATH:SIZE), and its test lists
    it in `fresh`, so that the replay command starts from an empty disk too."""
    def setup(work):
        path = os.path.join(work, name)
        if ro:
            with open(path, "wb") as f:
                f.truncate(size)
        spec = "%s:%dK%s%s" % (path, size // 1024, ":ro" if ro else "",
                               ":vms=%d" % vms if vms is not None else "")
        return ["--disk", spec]
    return setup


def setups(*fns):
    def setup(work):
        return [flag for fn in fns for flag in fn(work)]
    return setup


def disk_holds(name, expect):
    """After the run, block b of the disk file is expect(b) (bytes, or None: zeros)."""
    def check(run):
        try:
            with open(os.path.join(run.workdir, name), "rb") as f:
                data = f.read()
        except OSError as e:
            return "cannot read the disk file: %s" % e
        for b in range(len(data) // BLOCK):
            want = expect(b) or bytes(BLOCK)
            got = data[b * BLOCK:(b + 1) * BLOCK]
            if got != want:
                i = next(i for i in range(BLOCK) if got[i] != want[i])
                return "disk file block %d byte %d is 0x%02x, want 0x%02x" % (
                    b, i, got[i], want[i])
        return None
    return check


def rw_block(b):
    if b % 3 != 1 or b // 3 >= 64:
        return None
    k = b // 3
    return struct.pack("<1024I", *[0x5a000000 + k * 0x10000 + i for i in range(1024)])


def queue_block(b):
    return bytes([b // 2]) * BLOCK if b % 2 == 0 and b < 400 else None


def latency(policy):
    want = REFERENCE[policy]

    def check(run):
        r = run.result("lab5.latency_ns")
        if not r or r.get("count") != 256:
            return "lab5.latency_ns has %s samples, want 256 (64 reads in each of 4 VMs)" % (
                r.get("count") if r else "no")
        mean = r["sum"] / r["count"]
        if abs(mean - want) > TOLERANCE * want:
            return "mean request latency %.1f us, the reference %.1f us (+-%d%%)" % (
                mean / 1000, want / 1000, TOLERANCE * 100)
        return None
    return check


FOUR_DISKS = setups(*[disk("d%d.img" % v, 4 << 20, ro=True, vms=v) for v in range(4)])

TESTS = [
    Test("write-read", 20, "rw", [], [console_is([
        "rw: 64 blocks written and read back, 0 failed, 0 differ"]), exit_code(0),
        disk_holds("d0.img", rw_block)], setup=disk("d0.img", 1 << 20), fresh=["d0.img"],
        max_time="2s"),
    Test("queue-beyond-64", 25, "queue", [], [console_is([
        "queue: 400 requests completed, 0 refused, 0 failed, 0 blocks differ"]),
        exit_code(0), disk_holds("d0.img", queue_block)],
        setup=disk("d0.img", 2 << 20), fresh=["d0.img"], max_time="2s"),
    Test("errors", 10, "errors", [], [console_is([
        "errors: disk 0 has 16 blocks, disk 1 16, disk 3 0",
        "errors: no such disk -1, past the end -1, read-only write status 0xfffffffd, "
        "read status 0x0"]), exit_code(0)],
        setup=setups(disk("d0.img", 64 << 10), disk("d1.img", 64 << 10, ro=True)),
        fresh=["d0.img"]),
] + [Test("latency-" + p.split(":")[0], 15, "latency", ["--vms", "4", "--intr", p],
          [all_exit(0, 4), latency(p)], setup=FOUR_DISKS, max_time="2s", results=True)
     for p in REFERENCE]


def measure(runs):
    out = {}
    for t, run in runs:
        if t.image == "latency":
            r = run.result("lab5.latency_ns") or {}
            out[t.flags[3]] = round(r["sum"] / r["count"]) if r.get("count") else None
    return out
