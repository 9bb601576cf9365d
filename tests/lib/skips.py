# SPDX-License-Identifier: MIT
# Outside tools a Python test uses for some of its checks (tshark, curl). A missing
# tool never lets a test pass silently: need() says which checks cannot run and why,
# the test runs every other check, and exit_status() then exits 77, which meson reports
# as SKIP. The reason is the test's last line of output, which scripts/test lists under
# its summary. A failed check still wins (exit 1). The C tests have the same helper in
# tests/lib/skips.h.
#   if skips.need("tshark", "the capture's tshark checks"): ...
#   return skips.exit_status(failures)
import shutil

SKIP = 77
_skipped = []


def need(tool, what):
    """True when `tool` is on PATH; otherwise records that `what` did not run."""
    if shutil.which(tool):
        return True
    why = f"{what}: {tool} is not installed (scripts/setup installs it)"
    if why not in _skipped:
        _skipped.append(why)
        print(f"SKIP {why}", flush=True)
    return False


def exit_status(failures):
    """1 when a check failed (failures: a list of names), 77 when all checks that ran
    passed but some could not run, else 0. Prints the verdict as the last line."""
    if failures:
        print(f"{len(failures)} failed: {', '.join(failures)}", flush=True)
        return 1
    if _skipped:
        print("SKIP (the other checks passed): " + "; ".join(_skipped), flush=True)
        return SKIP
    print("all passed", flush=True)
    return 0
