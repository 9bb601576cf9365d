#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The SDL2 view's screenshots (docs/view.md), end to end through `denali run`:
#   - flags: pairs, sizes, overlays, places (exit 2, one line, no file)
#   - a picture of known states (tests/view/viewimg.py "states": VM id % 5 terminates,
#     halts, idles with a timeout, spins, is killed) shows each state's colour over a
#     fifth of the grid; it is not blank
#   - the digest is the same with and without screenshots and overlays, and so is
#     --stats-every's timeseries.csv; one run's screenshot is the same bytes every time
#   - memory pressure ("pages" guest, --phys-mem 16M): swapped-out VMs, then VMs
#     waiting for swap-ins
#   - two machines (udpecho server, udpping client): two grids and the link; the
#     picture is the same with --machine-threads 2
#   - a time the run never reaches shows its end
# Built without the view (-Dview=disabled, or no SDL2): the flags are refused with one
# line and the test exits 77.
# usage: view_test.py DENALI enabled|disabled [UDPECHO.elf UDPPING.elf]
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pngread  # noqa: E402
import viewimg  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI, BUILT = sys.argv[1], sys.argv[2] == "enabled"
ECHO, PING = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else (None, None)
failures = []

# The palette (src/view/palette.c).
RUNNING, RUNNABLE, IDLE_T, IDLE = 0xf0e442, 0xe69f00, 0x56b4e9, 0x0072b2
SWAP_WAIT, SWAPPED, TERMINATED, KILLED = 0xcc79a7, 0x009e73, 0xbdbdbd, 0xd55e00
ENDED, LINK = 0x7a7a7a, 0xffffff
PANEL_W = 300


def check(name, cond, detail=""):
    if cond:
        print(f"ok   {name}")
    else:
        failures.append(name)
        print(f"FAIL {name}: {detail}")


def run(*args, cwd=None):
    p = subprocess.run([DENALI, "run", *args], capture_output=True, timeout=hang(300), cwd=cwd)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def digest(out):
    m = re.search(r"digest\s+([0-9a-f]{16})", out)
    return m[1] if m else None


def grid_colours(path):
    w, h, rows = pngread.read(path)
    return pngread.colours(rows, 0, w - PANEL_W)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        states = os.path.join(tmp, "states.elf")
        pages = os.path.join(tmp, "pages.elf")
        open(states, "wb").write(viewimg.states())
        open(pages, "wb").write(viewimg.pages())
        base = ["--image", states, "--vms", "100", "--max-time", "30ms"]
        shot = os.path.join(tmp, "a.png")

        # Flags.
        bad = [
            (["--screenshot", shot], "go in pairs"),
            (["--screenshot-at", "1ms"], "go in pairs"),
            (["--screenshot", shot, "--screenshot-at", "soon"], "--screenshot-at soon"),
            (["--view-size", "10x10", "--screenshot", shot, "--screenshot-at", "1ms"],
             "from 480x360"),
            (["--view-overlay", "heat", "--screenshot", shot, "--screenshot-at", "1ms"],
             "expected irq, frames"),
            (["--view-overlay", "counter:a b", "--screenshot", shot, "--screenshot-at",
              "1ms"], "results name"),
            (["--view-pace", "2", "--screenshot", shot, "--screenshot-at", "1ms"],
             "--view-pace needs --view"),
            (["--view-interval", "1ms"], "needs --view or --screenshot"),
            (["--screenshot", os.path.join(tmp, "no", "dir.png"), "--screenshot-at", "1ms"],
             "--screenshot"),
            (["--screenshot", shot, "--screenshot-at", "1ms", "--screenshot", shot,
              "--screenshot-at", "2ms"], "--screenshot"),
        ]
        for args, want in bad:
            rc, out, err = run(*base, *args)
            lines = err.strip().splitlines()
            check(f"refused: {' '.join(args)}",
                  rc == 2 and len(lines) == 1 and want in err and not out and
                  not os.path.exists(shot), f"rc {rc}, stderr {err!r}")

        if not BUILT:
            rc, out, err = run(*base, "--screenshot", shot, "--screenshot-at", "1ms")
            check("without SDL2: --screenshot refused", rc == 2 and
                  "built without the view" in err and not os.path.exists(shot), err)
            print("SKIP the view's pictures: this denali was built without the view "
                  "(-Dview=disabled, or SDL2/libpng missing; scripts/setup installs them)")
            return 1 if failures else 77

        # Known states.
        rc, out0, err = run(*base, "--quiet")
        d0 = digest(out0)
        rc, out, err = run(*base, "--quiet", "--screenshot", shot, "--screenshot-at", "20ms")
        check("screenshot run: same digest", digest(out) == d0 and d0, f"{d0} {out}")
        check("screenshot written", os.path.exists(shot), err)
        if os.path.exists(shot):
            c = grid_colours(shot)
            check("not blank", len(c) >= 6 and sum(c.values()) > 100000, f"{len(c)} colours")
            five = [c.get(x, 0) for x in (TERMINATED, IDLE, IDLE_T, RUNNABLE, KILLED)]
            check("each state a fifth of the VMs", min(five) > 10000 and
                  max(five) <= min(five) * 1.15, f"pixels {five}")
            check("nothing swapped", c.get(SWAPPED, 0) == 0 and c.get(SWAP_WAIT, 0) == 0,
                  str(c.get(SWAPPED)))
            again = os.path.join(tmp, "again.png")
            run(*base, "--quiet", "--screenshot", again, "--screenshot-at", "20ms")
            check("the same picture twice", os.path.exists(again) and
                  open(again, "rb").read() == open(shot, "rb").read())

        # Overlays and several screenshots change nothing either; neither does the
        # timeseries.csv of --stats-every beside them.
        for ov in ("irq", "frames", "swap", "counter:x"):
            res = os.path.join(tmp, f"res-{ov[:5]}")
            rc, out, err = run(*base, "--quiet", "--view-overlay", ov, "--screenshot",
                               os.path.join(tmp, "o1.png"), "--screenshot-at", "5ms",
                               "--screenshot", os.path.join(tmp, "o2.png"),
                               "--screenshot-at", "25ms", "--stats-every", "3ms",
                               "--results", res)
            check(f"overlay {ov}: same digest", digest(out) == d0, out + err)
            ts = open(os.path.join(res, "timeseries.csv")).read()
            rc, out, err = run(*base, "--quiet", "--stats-every", "3ms", "--results", res)
            check(f"overlay {ov}: same timeseries.csv",
                  open(os.path.join(res, "timeseries.csv")).read() == ts)

        # Past the end of the run: its last state.
        late = os.path.join(tmp, "late.png")
        rc, out, err = run(*base, "--quiet", "--screenshot", late, "--screenshot-at", "10s")
        if os.path.exists(late):
            c = grid_colours(late)
            check("a time past the end shows the end", c.get(TERMINATED, 0) > 10000 and
                  c.get(KILLED, 0) > 10000 and c.get(RUNNABLE, 0) > 10000,
                  str(sorted(c.items(), key=lambda x: -x[1])[:5]))
        else:
            check("a time past the end shows the end", False, err)

        # Memory pressure: swapped out at 20 ms, waiting for swap-ins at 40 ms.
        p1, p2 = os.path.join(tmp, "p1.png"), os.path.join(tmp, "p2.png")
        pargs = ["--image", pages, "--vms", "300", "--mem", "1M", "--phys-mem", "16M",
                 "--max-time", "60ms", "--quiet"]
        rc, out0, err = run(*pargs)
        rc, out, err = run(*pargs, "--screenshot", p1, "--screenshot-at", "20ms",
                           "--screenshot", p2, "--screenshot-at", "40ms",
                           "--view-overlay", "swap")
        check("paging run: same digest", digest(out) == digest(out0), out + err)
        rc, out, err = run(*pargs, "--screenshot", p1, "--screenshot-at", "20ms",
                           "--screenshot", p2, "--screenshot-at", "40ms")
        if os.path.exists(p1) and os.path.exists(p2):
            c1, c2 = grid_colours(p1), grid_colours(p2)
            check("swapped-out VMs", c1.get(SWAPPED, 0) > 10000, str(c1.get(SWAPPED)))
            check("VMs waiting for swap-ins", c2.get(SWAP_WAIT, 0) > 10000,
                  str(c2.get(SWAP_WAIT)))
        else:
            check("paging screenshots", False, err)

        # Two machines and the link.
        if ECHO and PING:
            margs = ["--image", ECHO, "--vms", "20", "--client", PING, "--client-vms", "20",
                     "--client-args", "-n 20 -t 20 -w 1", "--max-time", "20ms", "--quiet"]
            rc, out0, err = run(*margs)
            m1, m2 = os.path.join(tmp, "m1.png"), os.path.join(tmp, "m2.png")
            rc, out, err = run(*margs, "--screenshot", m1, "--screenshot-at", "5ms",
                               "--view-overlay", "frames")
            check("two machines: same digest", digest(out) == digest(out0) and
                  digest(out0), out + err)
            rc, out, err = run(*margs, "--screenshot", m2, "--screenshot-at", "5ms",
                               "--view-overlay", "frames", "--machine-threads", "2")
            check("two machines: the same picture with --machine-threads 2",
                  os.path.exists(m1) and os.path.exists(m2) and
                  open(m1, "rb").read() == open(m2, "rb").read(), err)
            if os.path.exists(m1):
                w, h, rows = pngread.read(m1)
                c = pngread.colours(rows, 0, w - PANEL_W)
                check("two machines: the link drawn", c.get(LINK, 0) > 100, str(c.get(LINK)))
                # Both grids: heat colours (frames received) left and right of the link.
                mid = w - PANEL_W
                left = pngread.colours(rows, 0, mid // 3)
                right = pngread.colours(rows, 2 * mid // 3, mid)
                heat = lambda cs: sum(n for col, n in cs.items() if col not in
                                      (0x141414, 0x2a2a2a, LINK, 0xe6e6e6, 0x9a9a9a))
                check("two machines: frames on both grids", heat(left) > 1000 and
                      heat(right) > 1000, f"{heat(left)} {heat(right)}")
    return 1 if failures else 0


sys.exit(main())
