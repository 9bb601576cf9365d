#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Machines on MPI ranks (docs/machines.md "Over MPI"), end to end.
# In a tree built with -Dmpi=enabled: the web experiment (httpd VMs on machine 0,
# httpgen VMs on 4 client machines) under `mpirun -np K` (K = 2 and 4, oversubscribed
# on one host) gives the one-process run's summary (every line but host time),
# summary.json and capture bytes, with --loss, with --machine-ranks, with the capture
# of a client machine and with --machine-threads; a run whose clients are stopped exits
# 1 on every rank; bad input (more processes than machines, one machine, a bad
# --machine-ranks, a bad image, an image only rank 1 cannot open, ranks started with
# different flags) ends every rank with exit 2 and exactly one line on stderr. Exits
# 77 when mpirun is missing.
# In a tree without MPI: denali started as an MPI rank (the launcher's variables set by
# hand) refuses with one line on rank 0 and silence elsewhere.
# usage: mpi_test.py mpi|nompi path/to/denali path/to/httpd.elf path/to/httpgen.elf
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile

MODE, DENALI, HTTPD, HTTPGEN = sys.argv[1:5]
failures = []


def check(name, cond, detail=""):
    if cond:
        print(f"ok   {name}")
    else:
        failures.append(name)
        print(f"FAIL {name}: {detail}")


def web(nclients=4, vms=2, dur="30ms", extra=(), max_time="10s"):
    """denali run flags of a small web experiment (scripts/web-experiment's shape)."""
    gen = (f"servers=12 base=10.0.0.1 port=80 path=/small mode=open rate=400 max=64 "
           f"conns=4 alpha=1.0 seed=1 duration={dur} verify=1 quiet=1 keepalive=0 "
           f"delay=5ms")
    args = ["run", "--image", HTTPD, "--vms", "12", "--args", "quiet=1"]
    for _ in range(nclients):
        args += ["--client", HTTPGEN, "--client-vms", str(vms), "--client-mem", "16M",
                 "--client-args", gen]
    return args + ["--max-time", max_time] + list(extra)


def run(args, env=None, timeout=600):
    p = subprocess.run(args, capture_output=True, timeout=timeout, env=env)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def no_host(out):
    return [l for l in out.splitlines() if not l.startswith("host time")]


def nompi():
    # Without MPI the launcher's variables make denali refuse: one line from rank 0,
    # nothing from the others, exit 2 on both.
    for rank in (0, 1):
        env = dict(os.environ, OMPI_COMM_WORLD_SIZE="2", OMPI_COMM_WORLD_RANK=str(rank))
        rc, out, err = run([DENALI] + web(nclients=1), env=env)
        lines = err.splitlines()
        if rank == 0:
            check("rank 0 of 2 without MPI: exit 2, one line",
                  rc == 2 and out == "" and len(lines) == 1 and "without MPI" in err,
                  f"rc {rc} out {out!r} err {err!r}")
        else:
            check("rank 1 of 2 without MPI: exit 2, silent", rc == 2 and out == "" and
                  err == "", f"rc {rc} out {out!r} err {err!r}")
    env = dict(os.environ, OMPI_COMM_WORLD_SIZE="2", OMPI_COMM_WORLD_RANK="0")
    rc, out, err = run([DENALI, "run", "--image", HTTPD, "--max-time", "1ms"], env=env)
    check("one machine as 2 MPI processes: exit 2, one line",
          rc == 2 and len(err.splitlines()) == 1 and "one machine" in err, err)
    env["OMPI_COMM_WORLD_RANK"] = "1"
    rc, out, err = run([DENALI, "run", "--help"], env=env)
    check("rank 1 prints no help", rc == 0 and out == "" and err == "", out[:200])
    # One process: --machine-ranks of all zeros is the default; any other rank is not.
    rc, out, err = run([DENALI] + web(nclients=1, extra=["--quiet"]))
    rc0, out0, _ = run([DENALI] + web(nclients=1, extra=["--quiet", "--machine-ranks", "0,0"]))
    check("--machine-ranks 0,0 in one process changes nothing", rc == rc0 == 0 and out == out0,
          f"{out!r} {out0!r}")
    rc, out, err = run([DENALI] + web(nclients=1, extra=["--machine-ranks", "0,1"]))
    check("--machine-ranks 0,1 in one process: exit 2, one line",
          rc == 2 and len(err.splitlines()) == 1 and "--machine-ranks" in err, err)


def mpi():
    mpirun = shutil.which("mpirun")
    if not mpirun:
        print("SKIP: mpirun is missing (Debian: openmpi-bin; scripts/setup installs it)")
        sys.exit(77)
    launch = [mpirun, "-q", "--oversubscribe"]
    if os.geteuid() == 0:
        launch.append("--allow-run-as-root")
    # Shared memory between the ranks of one host; no network probing.
    env = dict(os.environ, OMPI_MCA_btl="self,vader", OMPI_MCA_pml="ob1",
               OMPI_MCA_mtl="^ofi", OMPI_MCA_osc="^ucx")
    tmp = tempfile.mkdtemp(prefix="denali-mpi-")
    try:
        cases = [
            ("web, 4 clients", 2, [], []),
            ("web, 4 clients, --loss 3%", 2, ["--loss", "3%"], []),
            ("web, 4 clients, --loss 3%", 4, ["--loss", "3%"], []),
            ("web, --loss, client 2 captured, --machine-ranks, --machine-threads 2", 3,
             ["--loss", "2%", "--loss-seed", "7", "--pcap-machine", "2"],
             ["--machine-ranks", "0,1,0,2,1", "--machine-threads", "2"]),
        ]
        refs = {}
        for i, (name, k, flags, mpi_only) in enumerate(cases):
            key = tuple(flags)
            if key not in refs:
                d = os.path.join(tmp, f"ref{i}")
                rc, out, err = run([DENALI] + web(extra=flags + [
                    "--results", d, "--pcap-out", d + ".pcap", "--machine-threads", "1"]))
                check(f"{name}: one process exits 0", rc == 0, err[-500:])
                refs[key] = (rc, out, d)
            rc0, out0, d0 = refs[key]
            d = os.path.join(tmp, f"k{k}-{i}")
            rc, out, err = run(launch + ["-np", str(k), DENALI] + web(extra=flags + mpi_only + [
                "--results", d, "--pcap-out", d + ".pcap"]), env=env)
            check(f"{name}, mpirun -np {k}: exit {rc0}, nothing on stderr",
                  rc == rc0 and err == "", f"rc {rc} err {err[-800:]!r}")
            check(f"{name}, mpirun -np {k}: the same summary", no_host(out) == no_host(out0),
                  "\n".join(l for l in no_host(out) if l not in no_host(out0))[:800])
            same_json = False
            try:
                with open(os.path.join(d, "summary.json")) as f1, \
                        open(os.path.join(d0, "summary.json")) as f2:
                    j1, j2 = json.load(f1), json.load(f2)
                same_json = j1 == j2 and len(j1.get("machines", [])) == 5
            except (OSError, ValueError) as e:
                print(e)
            check(f"{name}, mpirun -np {k}: the same summary.json", same_json)
            check(f"{name}, mpirun -np {k}: the same capture bytes",
                  os.path.exists(d + ".pcap") and filecmp.cmp(d + ".pcap", d0 + ".pcap",
                                                               shallow=False))
            if "--loss" in flags:
                check(f"{name}: frames were lost", "frames lost" in out and
                      " 0 frames lost" not in out, out[-400:])
        # Clients stopped by --max-time: exit 1 everywhere, and the same output.
        flags = ["--quiet"]
        rc0, out0, _ = run([DENALI] + web(extra=flags, max_time="7ms"))
        rc, out, err = run(launch + ["-np", "2", DENALI] + web(extra=flags, max_time="7ms"),
                           env=env)
        check("clients stopped: exit 1 under mpirun too, the same digest",
              rc0 == 1 and rc == 1 and out == out0 and err == "", f"{rc0} {rc} {out!r} {err!r}")
        # Bad input: every rank exits 2, one line in all.
        bad = [
            ("6 processes for 5 machines", 6, web(), "at most one process"),
            ("one machine on 2 processes", 2,
             ["run", "--image", HTTPD, "--max-time", "1ms"], "one machine"),
            ("--machine-ranks with a rank that has no process", 2,
             web(extra=["--machine-ranks", "0,1,2,1,1"]), "--machine-ranks"),
            ("--machine-ranks leaving rank 1 without a machine", 2,
             web(extra=["--machine-ranks", "0,0,0,0,0"]), "no machine on rank 1"),
            ("--machine-ranks moving machine 0", 2,
             web(extra=["--machine-ranks", "1,0,0,0,0"]), "machine 0 runs on rank 0"),
            ("a bad client image", 2,
             web(extra=["--client", os.path.join(tmp, "none.elf")]), "none.elf"),
        ]
        for name, k, args, want in bad:
            rc, out, err = run(launch + ["-np", str(k), DENALI] + args, env=env)
            check(f"{name}: exit 2, one line", rc == 2 and len(err.splitlines()) == 1 and
                  want in err and out == "", f"rc {rc} out {out[:200]!r} err {err!r}")
        # Only rank 1 fails (its client image cannot be opened): rank 1 says so.
        rank1 = ["run", "--image", HTTPD, "--client", os.path.join(tmp, "rank1.elf")]
        rc, out, err = run(launch + ["-np", "1", DENALI] + web(nclients=1) +
                           [":", "-np", "1", DENALI] + rank1, env=env)
        check("only rank 1 fails: exit 2, its one line", rc == 2 and
              len(err.splitlines()) == 1 and "rank1.elf" in err, f"rc {rc} err {err!r}")
        # The same image path but other flags on rank 1.
        rc, out, err = run(launch + ["-np", "1", DENALI] + web(nclients=1) +
                           [":", "-np", "1", DENALI] + web(nclients=1, extra=["--loss", "1%"]),
                           env=env)
        check("ranks with different flags: exit 2, one line", rc == 2 and
              len(err.splitlines()) == 1 and "different flags" in err, f"rc {rc} err {err!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if MODE == "mpi":
    mpi()
else:
    nompi()
if failures:
    print(f"{len(failures)} failed: {', '.join(failures)}")
    sys.exit(1)
print("all passed")
