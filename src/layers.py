#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Makes the per-layer include roots (meson.build, STYLE.md section 2): for each
# LAYER=DIR,DIR... argument, OUT/LAYER/DIR is a symlink to SRC/DIR, so code compiled
# with -I OUT/LAYER can include "DIR/name.h" for exactly those DIRs and no other layer's
# headers. Idempotent: stale links are replaced, links no longer listed are removed.
import os
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: layers.py SRC OUT LAYER=DIR,DIR...")
    src, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    for spec in sys.argv[3:]:
        layer, dirs = spec.split("=", 1)
        root = os.path.join(out, layer)
        os.makedirs(root, exist_ok=True)
        want = set(dirs.split(","))
        for name in os.listdir(root):
            if name not in want:
                os.remove(os.path.join(root, name))
        for d in want:
            target, link = os.path.join(src, d), os.path.join(root, d)
            if not os.path.isdir(target):
                sys.exit(f"layers.py: {target}: no such layer directory")
            if os.path.islink(link) and os.readlink(link) == target:
                continue
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(target, link)


main()
