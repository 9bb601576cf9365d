# SPDX-License-Identifier: MIT
# Checks the files `denali run` writes while watching a run (docs/observe.md) against
# their formats' rules; used by tests/integration/observe_test.py and usable alone:
#   python3 tests/lib/tracecheck.py timeline FILE.json
#   python3 tests/lib/tracecheck.py jsonl FILE.jsonl
# A timeline must be a Chrome trace-event document (the JSON Object Format of the Trace
# Event Format spec that chrome://tracing and Perfetto read): an object with a
# "traceEvents" list; each event has "ph", "pid" and "name" (E may omit the name) and,
# except metadata (M), a numeric "ts"; thread events a "tid". Per track (pid, tid) the
# B/E pairs nest properly and close by the end, and B/E/X/i timestamps never go
# backwards; counters (C) per (pid, name) likewise; X has dur >= 0; every flow that
# starts (s) ends (f) exactly once, not before it starts, and vice versa; async spans
# (b/e) per (cat, id, name) balance. Each check returns a list of problems (empty: ok).
import collections
import json
import sys

TRACK_PHASES = "BEXi"


def check_timeline(path, max_problems=20):
    problems = []

    def bad(msg):
        if len(problems) < max_problems:
            problems.append(msg)

    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        return ["%s: not JSON: %s" % (path, e)]
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        return ["%s: no traceEvents list" % path]
    stacks = collections.defaultdict(list)
    last_ts = {}
    counter_ts = {}
    flows = {}
    asyncs = collections.Counter()
    for n, ev in enumerate(doc["traceEvents"]):
        where = "event %d %s" % (n, json.dumps(ev)[:120])
        if not isinstance(ev, dict):
            bad(where + ": not an object")
            continue
        ph = ev.get("ph")
        if not isinstance(ph, str) or len(ph) != 1:
            bad(where + ": no phase")
            continue
        if "pid" not in ev:
            bad(where + ": no pid")
        if ph != "E" and not isinstance(ev.get("name"), str):
            bad(where + ": no name")
        if ph == "M":
            continue
        ts = ev.get("ts")
        if not isinstance(ts, (int, float)):
            bad(where + ": no numeric ts")
            continue
        if ph in "BEXisfbe" and "tid" not in ev and ph not in "be":
            bad(where + ": no tid")
        track = (ev.get("pid"), ev.get("tid"))
        if ph in TRACK_PHASES:
            if track in last_ts and ts < last_ts[track]:
                bad(where + ": timestamp goes back on track %s (%s after %s)" %
                    (track, ts, last_ts[track]))
            last_ts[track] = ts
        if ph == "B":
            stacks[track].append(ev.get("name"))
        elif ph == "E":
            if not stacks[track]:
                bad(where + ": E without B on track %s" % (track,))
            else:
                top = stacks[track].pop()
                if "name" in ev and ev["name"] != top:
                    bad(where + ": E %r closes B %r" % (ev["name"], top))
        elif ph == "X":
            if not isinstance(ev.get("dur"), (int, float)) or ev["dur"] < 0:
                bad(where + ": X without dur >= 0")
        elif ph == "C":
            key = (ev.get("pid"), ev.get("name"))
            if key in counter_ts and ts < counter_ts[key]:
                bad(where + ": counter goes back in time")
            counter_ts[key] = ts
            if not isinstance(ev.get("args"), dict):
                bad(where + ": counter without args")
        elif ph in "sf":
            fid = ev.get("id")
            st = flows.setdefault(fid, {})
            if ph in st:
                bad(where + ": flow %r has two %s events" % (fid, ph))
            st[ph] = ts
        elif ph in "be":
            key = (ev.get("cat"), ev.get("id"), ev.get("name"))
            asyncs[key] += 1 if ph == "b" else -1
            if asyncs[key] < 0:
                bad(where + ": async end without begin")
    for track, st in stacks.items():
        if st:
            bad("track %s: %d slices never end (%s)" % (track, len(st), st[-1]))
    for fid, st in flows.items():
        if set(st) != {"s", "f"}:
            bad("flow %r: has %s only" % (fid, sorted(st)))
        elif st["f"] < st["s"]:
            bad("flow %r ends before it starts" % (fid,))
    for key, v in asyncs.items():
        if v:
            bad("async span %r never ends" % (key,))
    return problems


def check_jsonl(path, max_problems=20):
    problems = []
    last = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                ev = json.loads(line)
            except ValueError as e:
                problems.append("%s:%d: not JSON: %s" % (path, n, e))
                if len(problems) >= max_problems:
                    break
                continue
            if ev.get("truncated"):
                continue
            for key in ("t_ns", "cycles", "machine", "cat", "ev"):
                if key not in ev:
                    problems.append("%s:%d: no %s" % (path, n, key))
            m = ev.get("machine")
            t = ev.get("t_ns", 0)
            if m in last and t < last[m]:
                problems.append("%s:%d: time goes back on machine %s" % (path, n, m))
            last[m] = t
            if len(problems) >= max_problems:
                break
    return problems


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("timeline", "jsonl"):
        print("usage: tracecheck.py timeline|jsonl FILE", file=sys.stderr)
        return 2
    probs = (check_timeline if sys.argv[1] == "timeline" else check_jsonl)(sys.argv[2])
    for p in probs:
        print(p)
    print("%s: %s" % (sys.argv[2], "ok" if not probs else "%d problems" % len(probs)))
    return 1 if probs else 0


if __name__ == "__main__":
    sys.exit(main())
