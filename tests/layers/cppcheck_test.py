#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# cppcheck over src/vmm and src/devices stays silent (issue 10 section 7): warning,
# style, performance and portability checks, inconclusive ones included. Exits 77 (a
# meson SKIP) with the reason when cppcheck is not installed (scripts/setup installs it).
# usage: cppcheck_test.py SRC_DIR ABI_DIR LAYERS_ROOT
import os
import shutil
import subprocess
import sys

src, abi, root = sys.argv[1:4]
exe = shutil.which("cppcheck")
if not exe:
    print("SKIP: cppcheck is not installed (scripts/setup installs it)")
    sys.exit(77)
cmd = [exe, "--enable=warning,style,performance,portability", "--inconclusive",
       "--std=c11", "-D_GNU_SOURCE", "-I", abi, "-I", os.path.join(root, "vmm"),
       "--suppress=missingIncludeSystem", "--quiet", "--error-exitcode=1",
       "--template={file}:{line}: {severity}: {message} [{id}]",
       os.path.join(src, "vmm"), os.path.join(src, "devices")]
r = subprocess.run(cmd)
print("cppcheck: src/vmm and src/devices " + ("clean" if r.returncode == 0 else "have findings"))
sys.exit(1 if r.returncode else 0)
