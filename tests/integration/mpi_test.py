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
# different flags) ends every rank with exit 2 and exactly one line on stderr.
# Observation under mpirun (docs/machines.md "Over MPI", docs/observe.md): the console
# lines of machines on other ranks come after the run, the same lines in the same order
# per machine; stopped clients' status and wait lines are the same; --trace,
# --timeline, --stats-every and --console-dir are refused with one line; SIGINT to the
# ranks ends the run after the same round on every rank (INTERRUPTED, exit 130), and
# SIGINT to mpirun ends the job without a hang. Exits 77 when mpirun is missing.
# In a tree without MPI: denali started as an MPI rank (the launcher's variables set by
# hand) refuses with one line on rank 0 and silence elsewhere; DENALI_MPI=0 runs it.
# usage: mpi_test.py mpi|nompi path/to/denali path/to/httpd.elf path/to/httpgen.elf
#        path/to/hello.elf
import filecmp
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hangguard import describe, hang, wait_line  # noqa: E402  (tests/lib/hangguard.py)

MODE, DENALI, HTTPD, HTTPGEN, HELLO = sys.argv[1:6]
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


def run(args, env=None, timeout=hang(600)):
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
    # DENALI_MPI=0: a launcher's independent tasks (a sweep) each run on their own.
    env = dict(os.environ, OMPI_COMM_WORLD_SIZE="2", OMPI_COMM_WORLD_RANK="1", DENALI_MPI="0")
    rc, out, err = run([DENALI] + web(nclients=1, extra=["--quiet"]), env=env)
    rc1, out1, _ = run([DENALI] + web(nclients=1, extra=["--quiet"]))
    check("DENALI_MPI=0 ignores the launcher", rc == rc1 == 0 and out == out1 != "",
          f"{rc} {out!r} {err!r}")
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
    launch = [mpirun, "-q", "--oversubscribe", "--bind-to", "none"]
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
        # The same with the report: the clients' status lines and what each stopped VM
        # waited for (gathered from ranks 1 and 2) are the one-process run's.
        rc0, out0, _ = run([DENALI] + web(max_time="7ms"))
        rc, out, err = run(launch + ["-np", "3", DENALI] + web(max_time="7ms"), env=env)
        check("clients stopped, mpirun -np 3: the same report, wait lines included",
              rc == 1 and no_host(out) == no_host(out0) and "idle until" in out,
              "\n".join(l for l in no_host(out) if l not in no_host(out0))[:800])
        observe(launch, env, tmp)
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
        # A bad DENALI_MPI_SPIN_US (docs/machines.md): one line, before MPI starts.
        rc, out, err = run(launch + ["-x", "DENALI_MPI_SPIN_US", "-np", "2", DENALI] + web(),
                           env=dict(env, DENALI_MPI_SPIN_US="5x"))
        check("DENALI_MPI_SPIN_US=5x: exit 2, one line", rc == 2 and out == "" and
              len(err.splitlines()) == 1 and "DENALI_MPI_SPIN_US" in err, f"rc {rc} err {err!r}")
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


def observe(launch, env, tmp):
    # Console lines: machine 0's stream while the run goes; the other ranks' machines'
    # lines come from their outcomes after the run: the same lines, in the same order
    # for each machine, the report unchanged.
    args = ["run", "--image", HELLO, "--vms", "2", "--client", HELLO, "--client-vms", "2",
            "--client", HELLO, "--client-vms", "3", "--max-time", "1s"]
    rc0, out0, _ = run([DENALI] + args)
    rc, out, err = run(launch + ["-np", "3", DENALI] + args, env=env)

    def console(text, prefix):
        return [l for l in text.splitlines() if l.startswith(prefix)]

    same = all(console(out, p) == console(out0, p) and console(out0, p)
               for p in ("[vm ", "[m1 vm ", "[m2 vm "))
    lines = out.splitlines()
    after = max(i for i, l in enumerate(lines) if l.startswith("[vm "))
    check("console, mpirun -np 3: every machine's lines, in order, after machine 0's",
          rc == rc0 == 0 and err == "" and same and len(console(out, "[m")) == 5 and
          all(i > after for i, l in enumerate(lines) if l.startswith("[m")) and
          [l for l in no_host(out) if not l.startswith("[")] ==
          [l for l in no_host(out0) if not l.startswith("[")], out[-800:])
    # The instruments that follow every machine's events: refused, one line, exit 2.
    d = os.path.join(tmp, "watch")
    for flags in (["--trace", "sched"], ["--timeline", d + ".json"],
                  ["--results", d, "--stats-every", "1ms"], ["--console-dir", d + "-con"]):
        rc, out, err = run(launch + ["-np", "2", DENALI] + web(nclients=1, extra=flags),
                           env=env)
        check(f"{flags[-2]} under mpirun -np 2: exit 2, one line", rc == 2 and out == "" and
              len(err.splitlines()) == 1 and "under mpirun" in err and
              not os.path.exists(d) and not os.path.exists(d + ".json"),
              f"rc {rc} err {err!r}")
    # SIGINT: to the ranks (as Slurm's scancel signals every task), then to mpirun.
    for target in ("ranks", "mpirun"):
        p = subprocess.Popen(launch + ["-np", "2", DENALI] + web(
            nclients=2, dur="100s", max_time="100s", extra=["--progress-every", "1"]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
        # The first progress line: the rounds are going. Bounded: ranks that never
        # start (or hang before the first round) fail this check instead of hanging
        # the test until meson's timeout.
        first = wait_line(p.stderr, lambda l: l.startswith(b"denali:"), 120,
                          f"first progress line under mpirun -np 2 (SIGINT to {target})")
        if first is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            check(f"SIGINT to {target}: the run starts (a first progress line)", False,
                  f"no 'denali:' progress line on stderr within {describe(120)}, or the "
                  f"job ended first (exit {p.returncode})")
            continue
        started = True
        if target == "mpirun":
            p.send_signal(signal.SIGINT)
        else:
            ranks = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True,
                                   text=True).stdout.split()
            for pid in ranks:
                os.kill(int(pid), signal.SIGINT)
        try:
            out, _ = p.communicate(timeout=hang(120))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            check(f"SIGINT to {target}: the job ends", False, f"hung for {describe(120)}")
            continue
        out = out.decode(errors="replace")
        if target == "ranks":
            check("SIGINT to both ranks: exit 130, INTERRUPTED, every machine reported",
                  started and p.returncode == 130 and "INTERRUPTED by SIGINT" in out and
                  "machine 2 (client)" in out, f"rc {p.returncode} out {out[-600:]!r}")
        else:
            check("SIGINT to mpirun: the job ends, not as a success",
                  started and p.returncode != 0, f"rc {p.returncode}")


if MODE == "mpi":
    mpi()
else:
    nompi()
if failures:
    print(f"{len(failures)} failed: {', '.join(failures)}")
    sys.exit(1)
print("all passed")
