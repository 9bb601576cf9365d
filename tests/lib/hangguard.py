# SPDX-License-Identifier: MIT
# Hang guards that scale like meson's own timeouts. A test's inner waits (a listening
# line, first progress, a subprocess that should end) are guards against a hang, never
# measurements; on a slower or busier host, or in the sanitizer build (everything ~4x
# slower), they must grow with meson's --timeout-multiplier or they fire first and
# turn slowness into a failure. meson does not tell a test its multiplier, so:
#   DENALI_TIMEOUT_MULTIPLIER        set it to the --timeout-multiplier you pass
#                                    (scripts/test does, for each tree);
#   DENALI_SETUP_TIMEOUT_MULTIPLIER  set by the sanitizer tree's default test setup
#                                    (tests/meson.build, 4, its timeout_multiplier);
# the first one set wins, else 1. A value <= 0 means no timeout, as in meson.
#   import hangguard; subprocess.run(..., timeout=hangguard.hang(60))
# The C side (guests/tools/nativerun.c's runaway alarm) reads the same variables.
import math
import os
import sys

_NO_LIMIT = 10**6  # s: "no timeout" (11 days) without special-casing every caller


def _multiplier():
    for var in ("DENALI_TIMEOUT_MULTIPLIER", "DENALI_SETUP_TIMEOUT_MULTIPLIER"):
        v = os.environ.get(var, "").strip()
        if not v:
            continue
        try:
            m = float(v)
        except ValueError:
            print(f"{var}={v!r}: not a number", file=sys.stderr)
            sys.exit(2)
        return m if m > 0 else None
    return 1.0


MULTIPLIER = _multiplier()


def hang(seconds):
    """seconds, scaled by the timeout multiplier and rounded up to whole seconds (a
    value some tests also hand to a program as `timeout=Ns`): the bound for one wait."""
    if MULTIPLIER is None:
        return _NO_LIMIT
    return int(math.ceil(seconds * MULTIPLIER))


def describe(seconds):
    """'60 s' or '240 s (60 s x 4)': for failure messages naming the guard."""
    s = hang(seconds)
    if MULTIPLIER == 1.0:
        return f"{s} s"
    if MULTIPLIER is None:
        return f"{s} s (the timeout multiplier is <= 0: no limit)"
    return f"{s} s ({seconds:g} s x {MULTIPLIER:g})"


def wait_line(stream, want, seconds, what):
    """Reads lines from `stream` (a subprocess pipe) until want(line) is true; returns
    that line. Bounded by hang(seconds): returns None when that passes or the stream
    ends first, after printing one line that says which wait gave up (`what`). The
    lines read before stay unread by the caller; the rest of the stream is left as it
    is (a reader thread stops at the match)."""
    import queue
    import threading

    q = queue.Queue()

    def reader():
        try:
            for line in stream:
                if want(line):
                    q.put(line)
                    return
        except (OSError, ValueError):
            pass
        q.put(None)

    threading.Thread(target=reader, daemon=True).start()
    try:
        line = q.get(timeout=hang(seconds))
    except queue.Empty:
        print(f"hang guard: no {what} within {describe(seconds)}", flush=True)
        return None
    if line is None:
        print(f"hang guard: the output ended before {what}", flush=True)
    return line
