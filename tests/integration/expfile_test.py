#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Experiment files (denali run EXPERIMENT.cfg, --print-config; docs/experiments.md):
# a file describing a mixed machine gives the digest of the same run as flags; a
# --print-config file reads back to the same run (same digest) and prints the same file
# again; command-line flags override the file's (--max-time, --vms, --client-args on
# every client); bad files (unknown keys, wrong types, bad values, syntax errors, a
# directory, a FIFO, a huge file, an ELF image, a missing file, --client with a file)
# exit 2 with one line naming the file, the line and the key, and leave no results
# directory; every shipped experiments/*.cfg is read and checked (--print-config);
# --results DIR holds summary.json (with the NIC model, cost model and tickets),
# experiment.cfg (runs again to the same digest) and provenance.json (version, commit,
# SHA-256 of the binary, the file and every input, host, time, the printed digest),
# and two runs give the same summary.json bytes.
# usage: expfile_test.py denali udpecho.elf udpping.elf fault.elf compute.elf hello.elf
#        EXPERIMENTS_DIR
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import hang  # noqa: E402  (tests/lib/hangguard.py: scaled hang guards)

DENALI, ECHO, PING, FAULT, COMPUTE, HELLO, EXPDIR = sys.argv[1:8]
failures = []


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
    m = re.search(r"digest\s+([0-9a-f]{16})\s*$", out)
    return m[1] if m else None


MIXED_FLAGS = ["--image", ECHO, "--vms", "2", "--nic", "simple", "--max-time", "200ms",
               "--group", PING, "--group-vms", "2", "--group-args", "-n 5 -t 2",
               "--group", FAULT, "--group-vms", "2", "--intr-group", "4-5=sync",
               "--group", COMPUTE, "--group-mem", "8M",
               "--client", PING, "--client-args", "-n 3"]
MIXED_FILE = f"""# udpecho servers, udpping clients, faulting guests and a compute job on machine 0
name = "mixed";
max_time = "200ms";
all_machines = {{ nic = "simple"; }};
machines = (
  {{ groups = ( {{ image = "{ECHO}"; vms = 2; }},
               {{ image = "{PING}"; vms = 2; args = "-n 5 -t 2"; }},
               {{ image = "{FAULT}"; vms = 2; intr = "sync"; }},
               {{ image = "{COMPUTE}"; mem = "8M"; }} ); }},
  {{ groups = ( {{ image = "{PING}"; args = "-n 3"; }} ); }}
);
"""

with tempfile.TemporaryDirectory() as tmp:
    def write(name, text, mode="w"):
        p = os.path.join(tmp, name)
        with open(p, mode) as f:
            f.write(text)
        return p

    mixed = write("mixed.cfg", MIXED_FILE)
    rc1, out1, err1 = run(*MIXED_FLAGS, "--quiet")
    rc2, out2, err2 = run(mixed, "--quiet")
    check("the mixed machine as flags runs", digest(out1) is not None, err1)
    check("the file gives the flags' digest", digest(out2) == digest(out1) and rc1 == rc2,
          (out1, out2, err2))

    # --print-config: the flags as a file; it runs the same and prints itself again.
    rc, printed, err = run(*MIXED_FLAGS, "--print-config")
    check("--print-config exits 0", rc == 0, err)
    check("--print-config fills in defaults", 'ctx_base = "1.4us"' in printed and
          'quantum = "10us"' in printed and 'intr_groups = ( "4-5=sync" )' in printed, printed)
    pfile = write("printed.cfg", printed)
    rc, out3, err = run(pfile, "--quiet")
    check("the printed file runs with the same digest", digest(out3) == digest(out1), err)
    rc, again, err = run(pfile, "--print-config")
    check("printing the printed file gives it back", again == printed, (printed, again))
    rc, again2, err = run(mixed, "--print-config")
    check("the hand-written file prints as the flags do", again2 == printed, again2)

    # Provenance: the three files of --results DIR.
    res = os.path.join(tmp, "res1")
    rc, out, err = run(mixed, "--results", res, "--tickets", "0-1=300", "--sched", "stride")
    printed = re.findall(r"digest ([0-9a-f]{16})", out)
    try:
        with open(os.path.join(res, "provenance.json")) as f:
            prov = json.load(f)
        with open(os.path.join(res, "summary.json"), "rb") as f:
            summary1 = f.read()
        s = json.loads(summary1)
    except (OSError, ValueError) as e:
        prov, s, summary1 = {}, {}, b""
        check("provenance.json and summary.json", False, e)
    check("provenance: the printed digest", printed and prov.get("digest") == printed[-1],
          (printed, prov.get("digest")))
    check("provenance: version and commit", prov.get("denali_version") and
          re.fullmatch(r"[0-9a-f]{40}(-dirty)?|unknown", prov.get("git_commit", "")), prov)

    def sha(path):
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    check("provenance: the binary's SHA-256", prov.get("denali_sha256") == sha(DENALI), prov)
    check("provenance: the experiment file's SHA-256",
          prov.get("experiment_file", {}).get("sha256") == sha(mixed), prov)
    ins = {(x["flag"], x["path"]): x["sha256"] for x in prov.get("inputs", [])}
    check("provenance: every image's SHA-256", all(
        ins.get((flag, p)) == sha(p) for flag, p in
        (("--image", ECHO), ("--group", PING), ("--group", FAULT), ("--group", COMPUTE),
         ("--client", PING))), ins)
    check("provenance: host and time", prov.get("host") and
          re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", prov.get("host_time_utc", "")), prov)
    check("summary.json: NIC model, costs, tickets", s.get("nic") == "simple" and
          s.get("intr_cycles") == 1000 and s.get("ctx_page_cycles") == 170 and
          s.get("ctx_cap_other_cycles") == 12920 and
          s.get("ticket_groups") == [{"first": 0, "last": 1, "tickets": 300}], s.get("nic"))
    check("summary.json: no host in it", b"host" not in summary1.replace(b"host_", b""), "")
    rc2, out2, err2 = run(os.path.join(res, "experiment.cfg"), "--results",
                          os.path.join(tmp, "res2"))
    check("experiment.cfg runs again to the same digest",
          re.findall(r"digest ([0-9a-f]{16})", out2)[-1:] == printed[-1:], (out2, err2))
    with open(os.path.join(tmp, "res2", "summary.json"), "rb") as f:
        check("two runs: the same summary.json bytes", f.read() == summary1, "")

    # Overrides: the command line wins.
    _, a, _ = run(*[("100ms" if x == "200ms" else x) for x in MIXED_FLAGS], "--quiet")
    _, b, _ = run(mixed, "--max-time", "100ms", "--quiet")
    check("--max-time overrides the file", digest(a) and digest(a) == digest(b), (a, b))
    _, a, _ = run(*[("-n 2" if x == "-n 3" else x) for x in MIXED_FLAGS], "--quiet")
    _, b, _ = run(mixed, "--client-args=-n 2", "--quiet")
    check("--client-args overrides every client's", digest(a) and digest(a) == digest(b),
          (a, b))
    rc, p2, _ = run(mixed, "--vms", "3", "--intr-group", "0-0=sync", "--print-config")
    check("--vms overrides machine 0's first group, --intr-group the file's",
          re.search(r'image = "[^"]*udpecho[^"]*";\s*vms = 3;', p2) and
          'intr_groups = ( "0-0=sync" )' in p2, p2)
    # A group's intr follows its VM ids when a group before it changes size.
    rc, p3, _ = run(mixed, "--vms", "3", "--print-config")
    check("a group's intr moves with --vms", '"5-6=sync"' in p3, p3)

    # Bad files: one line naming file, line and key; exit 2; no results directory.
    img = f'image = "{HELLO}";'
    big = write("huge.cfg", "#" * (1 << 20) + "\n")
    fifo = os.path.join(tmp, "fifo.cfg")
    os.mkfifo(fifo)
    cases = [
        ("unknown top-level key", f"colour = 1;\nmachines = ( {{ groups = ( {{ {img} }} ); }} );\n",
         ":1: colour: unknown key"),
        ("unknown key in a section", f"machines = ( {{ groups = ( {{ {img} }} ); }} );\n"
         "all_machines = {\n  quantum = \"10us\";\n  qantum = 1;\n};\n",
         ":4: all_machines.qantum: unknown key"),
        ("unknown group key", f"machines = ( {{ groups = ( {{ {img}\n nvms = 2; }} ); }} );\n",
         ":2: machines.[0].groups.[0].nvms: unknown key"),
        ("a bad value names its key and flag", f"machines = ( {{ groups = ( {{ {img} }} ); }} );\n"
         "all_machines = { quantum = \"5XB\"; };\n",
         ":2: all_machines.quantum: --quantum 5XB"),
        ("a bad group value", f"machines = ( {{ groups = ( {{ {img}\n mem = \"3K\"; }} ); }} );\n",
         ":2: machines.[0].groups.[0].mem: --mem 3K"),
        ("a wrong type", f"quiet = 1;\nmachines = ( {{ groups = ( {{ {img} }} ); }} );\n",
         ":1: quiet: expected true or false"),
        ("a group where a value goes", f"max_time = {{ a = 1; }};\n"
         f"machines = ( {{ groups = ( {{ {img} }} ); }} );\n", ":1: max_time: expected a number"),
        ("a syntax error", "max_time = \"1s\";\nmachines = ( { ] );\n", ":2: syntax error"),
        ("no machines", "max_time = \"1s\";\n", ": no machines"),
        ("a group without an image", "machines = ( { groups = ( { vms = 2; } ); } );\n",
         ":1: machines.[0].groups.[0]: a group needs an image"),
        ("intr on a client machine", f"machines = ( {{ groups = ( {{ {img} }} ); }},\n"
         f"{{ groups = ( {{ {img} intr = \"sync\"; }} ); }} );\n",
         ":2: machines.[1].groups.[0].intr: only machine 0"),
        ("an include", "@include \"/etc/passwd\"\n", ":1: @include"),
        ("a NUL byte", "name = \"a\0\";\n", ":1: a NUL byte"),
    ]
    for name, text, pat in cases:
        path = write(name.replace(" ", "_") + ".cfg", text)
        rc, out, err = run(path, "--results", os.path.join(tmp, "res"))
        lines = err.strip().splitlines()
        check(f"bad file: {name}", rc == 2 and len(lines) == 1 and path + pat in err and
              not os.path.exists(os.path.join(tmp, "res")), (rc, err))
    for name, path, pat in [("a directory", tmp, "a directory"),
                            ("a FIFO", fifo, "a named pipe"),
                            ("a huge file", big, "too large"),
                            ("an ELF image", HELLO, "an ELF image, not an experiment file"),
                            ("a missing file", os.path.join(tmp, "none.cfg"), "cannot open")]:
        rc, out, err = run(path, "--results", os.path.join(tmp, "res"))
        lines = err.strip().splitlines()
        check(f"bad file: {name}", rc == 2 and len(lines) == 1 and pat in err and
              not os.path.exists(os.path.join(tmp, "res")), (rc, err))
    rc, out, err = run(mixed, "--client", PING)
    check("--client with a file is refused", rc == 2 and "--client: not with an experiment "
          "file" in err and len(err.strip().splitlines()) == 1, err)
    rc, out, err = run(mixed, "--group-vms", "0")
    check("a bad override names the flag", rc == 2 and "--group-vms 0" in err and
          mixed not in err, err)

    # Every shipped experiment reads and checks (images are not opened by --print-config).
    files = sorted(glob.glob(os.path.join(EXPDIR, "*.cfg")))
    check("experiments/ has files", len(files) >= 1, EXPDIR)
    for path in files:
        rc, out, err = run(path, "--print-config")
        check(f"{os.path.basename(path)} reads", rc == 0 and "machines" in out, err)

if failures:
    print(f"{len(failures)} failed: {', '.join(failures)}")
    sys.exit(1)
print("all ok")
