#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The docs-example checker itself (scripts/check-docs), on a made-up Markdown file whose
# commands are printf and friends: a matching example passes; a stale digest, count or
# table cell fails naming the file:line and the command that refreshes the file, and
# --update rewrites exactly that line (keeping notes, truncations and elisions) so
# that the check passes again; "..." elides any number of lines, a line ending in
# " ..." matches by prefix, a line naming the host is compared with its numbers
# masked, and a host column of a table is ignored; a shown line the output lacks
# fails, and --update leaves an elided block for a human; a malformed marker exits 2;
# --suite picks quick or slow examples; an example whose program is not installed
# ("command not found") makes the run a skip (77) naming it, not a pass.
# usage: check_docs_test.py path/to/scripts/check-docs
import os
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

CHECK = sys.argv[1]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[-3000:]))
    if not cond:
        failures.append(name)


def run(tmp, *args):
    p = subprocess.run([sys.executable, CHECK, "--build", tmp, *args], capture_output=True,
                       text=True, timeout=hang(120))
    return p.returncode, p.stdout + p.stderr


SIM = "printf 'vm 0: 970 instructions\\nsimulated time 2.184 us, digest 37f44a4aa230ec38\\n'"
DOC = f"""# made up

<!-- check-docs quick -->
```console
$ {SIM}
vm 0: 970 instructions
simulated time 2.184 us, digest 37f44a4aa230ec38
```

Elided, truncated, annotated and host lines:

<!-- check-docs quick -->
```console
$ printf 'head\\nnoise 1\\nnoise 2\\n  result x.lat      n=400 mean 443.988 us p50 442 us\\nhost time 1.587 s\\ndigest d8ab739ac9c4b5ca\\n'
head
...
  result x.lat      n=400 mean 443.988 us ...
host time 9.999 s
digest d8ab739ac9c4b5ca          # 10 billion guest instructions
```

<!-- check-docs slow table: printf '| VMs | replies/s | host time |\\n|---:|---:|---:|\\n| 1 | 400 | 0.1 s |\\n| 8 | 3,200 | 0.8 s |\\n' -->
| VMs | replies/s | host time |
|---:|---:|---:|
| 1 | 400 | 9.9 s |
| 8 | 3,200 | 9.9 s |

<!-- check-docs quick: printf 'a 1\\nb 2\\n' -->
```
a 1
b 2
```
"""


def main():
    tmp = tempfile.mkdtemp(prefix="check-docs-test-")
    try:
        md = os.path.join(tmp, "doc.md")
        with open(md, "w") as f:
            f.write(DOC)
        rc, out = run(tmp, md)
        check("matching examples pass (elision, prefix, note, host line, host column)",
              rc == 0 and "4 examples, 0 stale" in out, out)
        rc, out = run(tmp, "--list", md)
        check("--list names each example", rc == 0 and out.count("doc.md:") == 4 and
              "slow, table 1" in out, out)
        rc, out = run(tmp, "--suite", "slow", md)
        check("--suite slow runs only the table", rc == 0 and "1 examples" in out, out)

        # Stale values: the digest and a count, a table cell, a fenced block's line.
        stale = (DOC.replace("simulated time 2.184 us, digest 37f44a4aa230ec38\n```",
                             "simulated time 2.096 us, digest 890c8723cf814829\n```")
                 .replace("vm 0: 970 instructions\nsim", "vm 0: 882 instructions\nsim")
                 .replace("  result x.lat      n=400 mean 443.988 us ...",
                          "  result x.lat      n=400 mean 401.5 us ...")
                 .replace("digest d8ab739ac9c4b5ca  ", "digest 0000000000000000  ")
                 .replace("| 8 | 3,200 | 9.9 s |", "| 8 | 3,100 | 9.9 s |")
                 .replace("a 1\nb 2\n```", "a 1\nb 3\n```"))
        with open(md, "w") as f:
            f.write(stale)
        rc, out = run(tmp, md)
        check("stale values fail, naming shown and printed lines",
              rc == 1 and "4 stale" in out and "- vm 0: 882 instructions" in out and
              "+ vm 0: 970 instructions" in out and "+| 8 | 3,200 | 0.8 s |" in out, out)
        # Whoever's change moved a number must be told where and how to refresh it.
        check("a failure names the file:line of each stale line and the refresh command",
              f"{md}:6: shown, then printed now" in out and f"{md}:7: shown" in out and
              f"{md}:23: the table" in out and
              f"to refresh it (check the new values are right): scripts/check-docs "
              f"--update --build {tmp} {md}" in out and
              f"(refresh: scripts/check-docs --update --build {tmp} {md})" in out, out)
        rc, out = run(tmp, "--update", md)
        text = open(md).read()
        check("--update rewrites them", rc == 0 and "4 updated, 0 to edit by hand" in out, out)
        want = DOC.replace("| 1 | 400 | 9.9 s |\n| 8 | 3,200 | 9.9 s |",
                           "| 1 | 400 | 0.1 s |\n| 8 | 3,200 | 0.8 s |")
        # (2026-12-07: --update used to collapse a truncated line's aligned columns.)
        check("--update restores exactly the right lines, notes and truncation kept",
              text == want, "".join(__import__("difflib").unified_diff(
                  want.splitlines(True), text.splitlines(True))))
        rc, out = run(tmp, md)
        check("after --update the check passes", rc == 0, out)

        # A shown line the output lacks: in an elided block a human must place it.
        lost = DOC.replace("head\n...", "head\nno such line\n...")
        with open(md, "w") as f:
            f.write(lost)
        rc, out = run(tmp, md)
        check("a shown line missing from the output fails", rc == 1 and "no such line" in out,
              out)
        rc, out = run(tmp, "--update", md)
        check("--update leaves an elided block it cannot place to a human",
              rc == 1 and "edit it by hand" in out and open(md).read() == lost, out)
        # Without elision the whole output replaces the shown one.
        whole = DOC.replace("a 1\nb 2\n```", "something else entirely\n```")
        with open(md, "w") as f:
            f.write(whole)
        rc, out = run(tmp, "--update", md)
        check("--update replaces a block that elides nothing", rc == 0 and
              open(md).read() == DOC, out)

        # A program that is not installed: a skip (77) naming it, even where the
        # example shows no output (which any output would otherwise match); a stale
        # example elsewhere still fails.
        gone = "<!-- check-docs quick -->\n```console\n$ no-such-tool-xyz -r a.pcap\n```\n"
        with open(md, "w") as f:
            f.write(gone)
        rc, out = run(tmp, md)
        check("a missing program skips (77) naming it", rc == 77 and
              "no-such-tool-xyz" in out.strip().splitlines()[-1], out)
        with open(md, "w") as f:
            f.write(gone + "\n" + lost)
        rc, out = run(tmp, md)
        check("a stale example fails even when another skips", rc == 1, out)

        # Bad markers.
        for name, text in (("unknown suite", "<!-- check-docs often -->\n```\n$ true\n```\n"),
                           ("table without a command", "<!-- check-docs quick table -->\n| a |\n"),
                           ("no block", "<!-- check-docs quick -->\ntext\n")):
            with open(md, "w") as f:
                f.write(text)
            rc, out = run(tmp, md)
            check(f"malformed marker ({name}) exits 2 with one line",
                  rc == 2 and len(out.strip().splitlines()) == 1 and "doc.md:1" in out, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failed: {', '.join(failures)}")
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
