#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The layer rules hold at compile time (STYLE.md section 2; meson.build "Per-layer
# include roots"). Compiles tiny files against each layer's include root, as the
# layer's own sources are compiled, and checks that an allowed include compiles (so a
# broken setup cannot make the test pass) and a forbidden one fails, naming the header:
#   a device cannot include a cpu or kernel header; the cpu cannot include a device or
#   kernel header; the kernel cannot include a front end's or an observer's header;
#   the gdb stub sees the kernel but not the observers or the front end; the SDL2 view
#   sees the kernel and the observers, and nothing below it sees the view.
# Then reads every source file of src/cpu, src/devices, src/vmm, src/trace, src/gdb and
# src/view for the includes an include path cannot stop: a relative path out of the
# layer's directory ("../cpu/...").
# usage: layers_test.py SRC_DIR ABI_DIR LAYERS_ROOT CC [CC_ARGS...]
import os
import re
import subprocess
import sys
import tempfile

# (layer, header, should it compile)
CASES = [
    ("cpu", "cpu/cpu.h", True),
    ("cpu", "devices/devset.h", False),
    ("cpu", "vmm/kernel.h", False),
    ("devices", "devices/devset.h", True),
    ("devices", "denali/abi.h", True),
    ("devices", "cpu/cpu.h", False),
    ("devices", "cpu/cpu_internal.h", False),
    ("devices", "vmm/kernel.h", False),
    ("vmm", "vmm/kernel.h", True),
    ("vmm", "cpu/cpu.h", True),
    ("vmm", "devices/devset.h", True),
    ("vmm", "cli/run.h", False),
    ("vmm", "run.h", False),
    ("vmm", "trace/dis.h", False),
    ("devices", "trace/hub.h", False),
    ("trace", "trace/dis.h", True),
    ("trace", "vmm/obs.h", True),
    ("trace", "cli/run.h", False),
    ("gdb", "gdb/stub.h", True),
    ("gdb", "vmm/ctl.h", True),
    ("gdb", "trace/dis.h", False),
    ("gdb", "cli/run.h", False),
    ("vmm", "gdb/stub.h", False),
    ("trace", "gdb/stub.h", False),
    ("view", "view/view.h", True),
    ("view", "vmm/ctl.h", True),
    ("view", "trace/timeseries.h", True),
    ("view", "gdb/stub.h", False),
    ("view", "cli/run.h", False),
    ("vmm", "view/view.h", False),
    ("trace", "view/view.h", False),
]

# Directories each layer may name in an #include "DIR/..." (besides denali/, the ABI).
ALLOWED = {"cpu": {"cpu"}, "devices": {"devices"}, "vmm": {"cpu", "devices", "vmm"},
           "trace": {"cpu", "devices", "vmm", "trace"},
           "gdb": {"cpu", "devices", "vmm", "gdb"},
           "view": {"cpu", "devices", "vmm", "trace", "view"}}


def compile_probe(cc, abi, root, layer, header, tmp):
    src = os.path.join(tmp, "probe.c")
    with open(src, "w") as f:
        f.write(f'#include "{header}"\nint layers_probe;\n')
    cmd = cc + ["-std=gnu11", "-D_GNU_SOURCE", "-fsyntax-only", "-I" + abi,
                "-I" + os.path.join(root, layer), src]
    r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    return r.returncode == 0, r.stderr


def main():
    src_dir, abi, root, cc = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for layer, header, ok in CASES:
            compiled, err = compile_probe(cc, abi, root, layer, header, tmp)
            if compiled != ok:
                bad += 1
                print(f"FAIL {layer} including {header}: "
                      f"{'compiled' if compiled else 'did not compile'}, expected "
                      f"{'success' if ok else 'failure'}\n{err}")
            elif not ok and header not in err:
                bad += 1
                print(f"FAIL {layer} including {header} failed for another reason:\n{err}")
            else:
                print(f"ok   {layer} including {header}: "
                      f"{'compiles' if ok else 'refused'}")
    inc = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
    for layer, allowed in ALLOWED.items():
        d = os.path.join(src_dir, layer)
        for name in sorted(os.listdir(d)):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(d, name)
            with open(path) as f:
                for n, line in enumerate(f, 1):
                    m = inc.match(line)
                    if not m:
                        continue
                    h = m.group(1)
                    top = h.split("/")[0] if "/" in h else None
                    if ".." in h.split("/") or (top and top != "denali" and top not in allowed):
                        bad += 1
                        print(f"FAIL {path}:{n}: #include \"{h}\": outside the {layer} layer's rules")
    print(f"layers: {len(CASES)} probes, {bad} failures")
    sys.exit(1 if bad else 0)


main()
