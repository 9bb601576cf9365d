#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Builds one guest artefact with a host compiler (gcc or clang), for guests/meson.build.
#   guestcc.py lib --cc CC --cflags "..." --ar AR --out libos.a --depfile D srcs...
#   guestcc.py elf --cc CC --cflags "..." --ldflags "..." --objdump OD --out x.elf
#                  --asm x.asm --depfile D srcs... [libs.a ...]
# Sources (.c, .S) are compiled one by one into a scratch folder next to the output;
# .a files are passed to the linker. The depfile lists every header used, so ninja
# rebuilds when one changes. The elf mode also writes `objdump -d` to --asm.
import argparse
import os
import shlex
import subprocess
import sys


def run(cmd):
    r = subprocess.run(cmd)
    if r.returncode != 0:
        print("guestcc: failed: " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr)
        sys.exit(1)


def compile_all(args, scratch):
    objs, deps = [], []
    for i, src in enumerate(args.inputs):
        if src.endswith(".a") or src.endswith(".o"):
            objs.append(src)
            continue
        base = "%02d-%s" % (i, os.path.basename(src))
        obj = os.path.join(scratch, base + ".o")
        dep = os.path.join(scratch, base + ".d")
        run([args.cc] + shlex.split(args.cflags) + ["-MD", "-MF", dep, "-c", src, "-o", obj])
        objs.append(obj)
        deps.append(dep)
    return objs, deps


def write_depfile(path, out, deps):
    files = []
    for d in deps:
        with open(d) as f:
            text = f.read().replace("\\\n", " ")
        files += text.split(":", 1)[1].split()
    seen = sorted(set(files))
    with open(path, "w") as f:
        f.write(out.replace(" ", "\\ ") + ": " + " ".join(p.replace(" ", "\\ ") for p in seen) + "\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["lib", "elf"])
    p.add_argument("--cc", required=True)
    p.add_argument("--cflags", default="")
    p.add_argument("--ldflags", default="")
    p.add_argument("--ar")
    p.add_argument("--objdump")
    p.add_argument("--out", required=True)
    p.add_argument("--asm")
    p.add_argument("--depfile")
    p.add_argument("inputs", nargs="+")
    args = p.parse_args()

    scratch = args.out + ".objs"
    os.makedirs(scratch, exist_ok=True)
    objs, deps = compile_all(args, scratch)
    if args.mode == "lib":
        if os.path.exists(args.out):
            os.remove(args.out)
        run([args.ar, "rcs", args.out] + objs)
    else:
        run([args.cc] + shlex.split(args.cflags) + shlex.split(args.ldflags) + objs
            + ["-o", args.out])
        if args.asm:
            with open(args.asm, "w") as f:
                r = subprocess.run([args.objdump, "-d", args.out], stdout=f)
            if r.returncode != 0:
                sys.exit(1)
    if args.depfile:
        write_depfile(args.depfile, args.out, deps)


if __name__ == "__main__":
    main()
