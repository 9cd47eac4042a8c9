#!/usr/bin/env python3
"""Measure uaio against stock MicroPython, side by side in one run.

usage: python3 bench/run.py --uaio BIN --stock BIN [--out FILE] [--quick] [--jobs N]

Runs the benchmark programs in bench/programs/ on both binaries (it builds
nothing), prints one table (metric, stock, uaio, ratio, target, met) and
writes every number, with the raw samples, as JSON to --out.

Methods (bench/README.md has the details):
  * instructions per operation: callgrind, differential method -- the same
    program at two work sizes, (Ir_large - Ir_small) / (ops_large - ops_small),
    so start-up and compilation cancel out. callgrind writes into a temporary
    directory (never /dev/null).
  * wall-clock rates: >= 5 runs per binary, alternating stock uaio stock uaio;
    each binary's value is the median of its runs, the ratio is the median of
    the per-pair ratios.
  * idle: CPU (user + system) of the whole process from wait4(2); wait
    syscalls counted by `strace -f -c`; `/usr/bin/time` once as a cross-check.

Exit status: 0 when every measurement ran (targets met or not), 1 when a
benchmark program failed on a binary (shown as an ERROR row), 2 on bad usage.
Standard library only.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
HEAP = ["-X", "heapsize=64M"]
WAIT_SYSCALLS = (
    "poll,ppoll,epoll_wait,epoll_pwait,epoll_pwait2,select,pselect6,nanosleep,clock_nanosleep"
)
BINS = ("stock", "uaio")

# Work sizes. "quick" shrinks them for a fast look; the full set is what
# `make bench` runs and stays well inside its 10-minute budget on 2 cores.
SIZES = {
    "full": {
        "reps": 5,  # wall-clock runs per binary (alternating)
        "idle_reps": 3,
        "ir_switch": (("1000", "1", "q"), ("1000", "11", "q"), 2000, 12000),
        "ir_pp_rounds": (500, 2500),
        "sw_k": 100,  # switch.py 1000 K q, wall clock
        "timers_r": 5,  # timers.py 10000 R
        "timers_r1": 1,  # timers.py 10000 1: one sleep per task
        "pp_rounds": 5000,  # pp.py stream ROUNDS 0
        # pp.py stream ROUNDS 0, then ROUNDS 1000, per binary (stock's m1000
        # is slow: ~2k rt/s; uaio's runs must be long enough to time well)
        "pp_rounds_idle": {"stock": 1000, "uaio": 20000},
        "acc_iter": 50,  # accuracy.py 100 ITER 10
        "tsf_run_s": 0.2,  # target duration of one switch_tsf.py run ...
        "tsf_k_max": 300,  # ... with K at most this
        "memtask_n": 10000,
    },
    "quick": {
        "reps": 5,
        "idle_reps": 1,
        "ir_switch": (("1000", "1", "q"), ("1000", "6", "q"), 2000, 7000),
        "ir_pp_rounds": (200, 1000),
        "sw_k": 30,
        "timers_r": 2,
        "timers_r1": 1,
        "pp_rounds": 2000,
        "pp_rounds_idle": {"stock": 300, "uaio": 5000},
        "acc_iter": 20,
        "tsf_run_s": 0.1,
        "tsf_k_max": 100,
        "memtask_n": 2000,
    },
}

TIMEOUT_RUN = 180  # seconds, one plain run
TIMEOUT_CG = 600  # seconds, one callgrind run


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    """A benchmark program failed on a binary; .detail holds its output."""

    def __init__(self, msg, detail=""):
        super().__init__(msg)
        self.detail = detail


def mpy_version(binary):
    """The MicroPython version a binary reports: "1.28.0" (None if it fails)."""
    code = ("import sys; v = sys.implementation.version; "
            "print('.'.join(str(x) for x in v[:3]) + ('-' + v[3] if len(v) > 3 and v[3] else ''))")
    try:
        r = subprocess.run([binary, "-c", code], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = r.stdout.strip()
    return out if r.returncode == 0 and re.match(r"^[0-9]+\.[0-9]+\.[0-9]+", out) else None


def tail(text, n=40):
    lines = text.rstrip().splitlines()
    return "\n".join(lines[-n:])


class Result:
    def __init__(self, stdout, stderr, rc, cpu_s, wall_s):
        self.stdout, self.stderr, self.rc = stdout, stderr, rc
        self.cpu_s, self.wall_s = cpu_s, wall_s


def run(cmd, timeout=TIMEOUT_RUN, cwd=PROGRAMS):
    """Run cmd; return its output, exit status and CPU time (wait4 rusage)."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                             start_new_session=True)
        timed_out = []

        def kill():
            timed_out.append(1)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out = fo.read().decode(errors="replace")
        err = fe.read().decode(errors="replace")
    if timed_out:
        raise BenchError("timed out after %d s: %s" % (timeout, " ".join(cmd)), tail(out + err))
    return Result(out, err, p.returncode, ru.ru_utime + ru.ru_stime, wall)


LINE = re.compile(r"^(\S+) (-?[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf|-inf) (\S+)$")


def parse(out):
    vals = {}
    for line in out.splitlines():
        m = LINE.match(line.strip())
        if m:
            vals[m.group(1)] = float(m.group(2))
    return vals


def mpy(binary, script, args, want):
    """Run a bench program; return its printed metrics; BenchError if it failed."""
    cmd = [binary] + HEAP + [script] + [str(a) for a in args]
    r = run(cmd)
    vals = parse(r.stdout)
    missing = [k for k in want if k not in vals]
    if r.rc != 0 or missing:
        why = "exit status %d" % r.rc if r.rc != 0 else "no %s in its output" % ", ".join(missing)
        raise BenchError("%s %s: %s" % (script, " ".join(map(str, args)), why),
                         tail(r.stdout + "\n" + r.stderr))
    vals["_cpu_s"] = r.cpu_s
    vals["_wall_s"] = r.wall_s
    return vals


def callgrind_ir(binary, script, args, want):
    """Total instructions (Ir) of one run of a bench program under callgrind."""
    tmp = tempfile.mkdtemp(prefix="uaio-bench-cg-")
    try:
        out = os.path.join(tmp, "cg.out")
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
               "--log-file=" + os.path.join(tmp, "vg.log"), binary] + HEAP + [script] + list(args)
        r = run(cmd, timeout=TIMEOUT_CG)
        vals = parse(r.stdout)
        missing = [k for k in want if k not in vals]
        if r.rc != 0 or missing:
            why = "exit status %d" % r.rc if r.rc != 0 else "no %s in its output" % ", ".join(missing)
            vg = ""
            if os.path.exists(os.path.join(tmp, "vg.log")):
                with open(os.path.join(tmp, "vg.log")) as f:
                    vg = f.read()
            raise BenchError("callgrind %s %s: %s" % (script, " ".join(args), why),
                             tail(r.stdout + "\n" + r.stderr + "\n" + tail(vg, 15)))
        ir = None
        with open(out) as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):
                    ir = int(line.split()[1])
        if ir is None:
            raise BenchError("callgrind %s: no summary line in its output file" % script)
        return ir
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def strace_waits(binary, script):
    """Wait syscalls of one run, by `strace -f -c`: {syscall: calls, 'total': calls}."""
    tmp = tempfile.mkdtemp(prefix="uaio-bench-st-")
    try:
        out = os.path.join(tmp, "strace.txt")
        cmd = ["strace", "-f", "-c", "-o", out, "-e", "trace=" + WAIT_SYSCALLS,
               binary] + HEAP + [script]
        r = run(cmd)
        if r.rc != 0:
            raise BenchError("strace %s: exit status %d" % (script, r.rc),
                             tail(r.stdout + "\n" + r.stderr))
        calls = {}
        with open(out) as f:
            for line in f:
                parts = line.split()
                # % time, seconds, usecs/call, calls, [errors], syscall
                if len(parts) >= 5 and re.match(r"^[0-9.]+$", parts[0]):
                    calls[parts[-1]] = int(parts[3])
        calls.setdefault("total", sum(v for k, v in calls.items() if k != "total"))
        return calls
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def usr_bin_time(binary, script):
    """`/usr/bin/time -f "%U %S"`: user + system CPU in ms (10 ms resolution)."""
    tmp = tempfile.mkdtemp(prefix="uaio-bench-tm-")
    try:
        out = os.path.join(tmp, "time.txt")
        r = run(["/usr/bin/time", "-f", "%U %S", "-o", out, binary] + HEAP + [script])
        if r.rc != 0:
            raise BenchError("/usr/bin/time %s: exit status %d" % (script, r.rc),
                             tail(r.stdout + "\n" + r.stderr))
        with open(out) as f:
            u, s = f.read().split()[-2:]
        return (float(u) + float(s)) * 1e3
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------
# Collected data: samples[bin][key] = list of values; errors[bin][key] = text.


class Data:
    def __init__(self, bins):
        self.bins = bins  # {"stock": path, "uaio": path}
        self.samples = {b: {} for b in BINS}
        self.errors = {b: {} for b in BINS}

    def add(self, b, key, value):
        self.samples[b].setdefault(key, []).append(value)

    def fail(self, b, key, e):
        if key not in self.errors[b]:
            msg = str(e)
            detail = getattr(e, "detail", "")
            self.errors[b][key] = msg + ("\n" + detail if detail else "")
            log("ERROR on %s: %s" % (b, msg))
            if detail:
                for line in detail.splitlines():
                    log("    " + line)

    def ok(self, b, key):
        return key not in self.errors[b]

    def get(self, b, key):
        return self.samples[b].get(key, [])


def alternate(data, keys, reps, fn):
    """For rep in reps: stock, uaio, each running fn(bin, path) -> {key: value}.

    A binary that failed once on a key is not run again for it."""
    for i in range(reps):
        for b in BINS:
            if not all(data.ok(b, k) for k in keys):
                continue
            try:
                vals = fn(b, data.bins[b])
            except BenchError as e:
                for k in keys:
                    data.fail(b, k, e)
                continue
            for k in keys:
                data.add(b, k, vals[k])


def med(xs):
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------------------
# Phases


def phase_probe(data, sz):
    """Size switch_tsf runs per binary: stock's pending flag costs ~1 ms a switch."""
    ks = {}
    for b in BINS:
        try:
            v = mpy(data.bins[b], "switch_tsf.py", [1000, 1, "q"], ["switch_tsf.n1000"])
            rate = v["switch_tsf.n1000"]
            k = int(sz["tsf_run_s"] * rate / 1000) - 1
            ks[b] = max(1, min(sz["tsf_k_max"], k))
            data.add(b, "tsf_probe_rate", rate)
        except BenchError as e:
            data.fail(b, "tsf_wall", e)
            data.fail(b, "tsf_ir", e)
    return ks


def phase_callgrind(data, sz, ks, jobs):
    """Instruction counts, differential method; stock and uaio run in parallel."""
    a1, a2, o1, o2 = sz["ir_switch"]
    r1, r2 = sz["ir_pp_rounds"]
    work = []  # (key, bin, script, args_small, args_large, ops_small, ops_large, want)
    for b in BINS:
        work.append(("ir_switch", b, "switch.py", a1, a2, o1, o2, ["switch.n1000"]))
        work.append(("ir_pp_stream", b, "pp.py", ("stream", str(r1), "0"), ("stream", str(r2), "0"),
                     r1, r2, ["pp_stream.m0"]))
        work.append(("ir_pp_floor", b, "pp.py", ("floor", str(r1), "0"), ("floor", str(r2), "0"),
                     r1, r2, ["pp_floor.m0"]))
        if b in ks:
            # stock sleeps ~1 ms per switch with the flag pending: keep its run short
            kl = 11 if ks[b] >= 10 else 3
            work.append(("ir_switch_tsf", b, "switch_tsf.py", ("1000", "1", "q"),
                         ("1000", str(kl), "q"), 2000, 1000 * (kl + 1), ["switch_tsf.n1000"]))

    def one(w):
        key, b, script, sa, la, so, lo, want = w
        t0 = time.monotonic()
        i1 = callgrind_ir(data.bins[b], script, sa, want)
        i2 = callgrind_ir(data.bins[b], script, la, want)
        log("callgrind %-14s %-5s %.1f Ir/op (%.0f s)" % (key, b, (i2 - i1) / (lo - so),
                                                        time.monotonic() - t0))
        return {"ir_small": i1, "ir_large": i2, "ops_small": so, "ops_large": lo,
                "args_small": " ".join(sa), "args_large": " ".join(la),
                "per_op": (i2 - i1) / (lo - so)}

    with ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = [(w, ex.submit(one, w)) for w in work]
        for w, f in futs:
            key, b = w[0], w[1]
            try:
                data.add(b, key, f.result())
            except BenchError as e:
                data.fail(b, key, e)
                if key == "ir_switch_tsf":
                    data.fail(b, "tsf_ir", e)


def phase_wall(data, sz, ks):
    reps = sz["reps"]
    k = sz["sw_k"]
    log("wall clock: switch.py 1000 %d q" % k)
    alternate(data, ["switch_rate"], reps, lambda b, p: {
        "switch_rate": mpy(p, "switch.py", [1000, k, "q"], ["switch.n1000"])["switch.n1000"]})

    for key, r in (("timers", sz["timers_r"]), ("timers_r1", sz["timers_r1"])):
        log("wall clock: timers.py 10000 %d" % r)
        tag = "timers.n10000r%d" % r

        def timers(b, p, key=key, r=r, tag=tag):
            v = mpy(p, "timers.py", [10000, r], [tag + "_ops_rate"])
            return {key + "_rate": v[tag + "_ops_rate"], key + "_detail": {
                k2[len(tag) + 1:]: v2 for k2, v2 in v.items() if k2.startswith(tag)}}

        alternate(data, [key + "_rate", key + "_detail"], reps, timers)

    n = sz["pp_rounds"]
    log("wall clock: pp.py stream %d 0" % n)
    alternate(data, ["pp_m0_rate"], reps, lambda b, p: {
        "pp_m0_rate": mpy(p, "pp.py", ["stream", n, 0], ["pp_stream.m0"])["pp_stream.m0"]})
    n2 = sz["pp_rounds_idle"]
    log("wall clock: pp.py stream R 0 and stream R 1000 back to back (R %s)" %
        ", ".join("%s=%d" % kv for kv in sorted(n2.items())))
    pairs = {b: 0 for b in BINS}

    def pp_m(b, p):
        # A pair: m0 and m1000 back to back, same ROUNDS; which goes first
        # alternates, so that a drift of the machine's load cancels out.
        def one(m):
            tag = "pp_stream.m%d" % m
            return mpy(p, "pp.py", ["stream", n2[b], m], [tag])[tag]

        first_m0 = pairs[b] % 2 == 0
        pairs[b] += 1
        if first_m0:
            v0 = one(0)
            v1 = one(1000)
        else:
            v1 = one(1000)
            v0 = one(0)
        return {"pp_m1000_rate": v1, "pp_m1000_cost": v0 / v1}

    alternate(data, ["pp_m1000_rate", "pp_m1000_cost"], reps, pp_m)

    it = sz["acc_iter"]
    log("wall clock: accuracy.py 100 %d 10" % it)
    tag = "accuracy.n100p10"
    akeys = ["acc_min", "acc_p50", "acc_p99", "acc_max"]

    def acc(b, p):
        v = mpy(p, "accuracy.py", [100, it, 10], [tag + s for s in ("_min", "_p50", "_p99", "_max")])
        return {"acc_min": v[tag + "_min"], "acc_p50": v[tag + "_p50"],
                "acc_p99": v[tag + "_p99"], "acc_max": v[tag + "_max"]}

    alternate(data, akeys, reps, acc)

    log("wall clock: switch_tsf.py vs switch.py, 1000 tasks, K %s" %
        ", ".join("%s=%d" % kv for kv in sorted(ks.items())))

    def tsf(b, p):
        kb = ks[b]
        s = mpy(p, "switch.py", [1000, kb, "q"], ["switch.n1000"])["switch.n1000"]
        t = mpy(p, "switch_tsf.py", [1000, kb, "q"], ["switch_tsf.n1000"])["switch_tsf.n1000"]
        return {"tsf_wall": {"k": kb, "switch": s, "switch_tsf": t, "added": s / t - 1}}

    alternate(data, ["tsf_wall"], reps, tsf)

    log("wall clock: tsf_latency.py")
    alternate(data, ["tsf_latency"], reps, lambda b, p: {
        "tsf_latency": mpy(p, "tsf_latency.py", [], ["tsf_latency_p50"])["tsf_latency_p50"]})

    nm = sz["memtask_n"]
    log("memtask.py %d" % nm)

    def mem(b, p):
        v = mpy(p, "memtask.py", [nm], ["memtask_parked"])
        return {"memtask": v["memtask_parked"], "memtask_detail": {
            k2: v2 for k2, v2 in v.items() if k2.startswith("memtask")}}

    alternate(data, ["memtask", "memtask_detail"], 3, mem)


def phase_idle(data, sz):
    log("idle.py: CPU (wait4) x%d, /usr/bin/time x1, strace x1" % sz["idle_reps"])

    # idle.py prints "idle done" (not a metric line): check for it explicitly
    def cpu_checked(b, p):
        r = run([p] + HEAP + ["idle.py"])
        if r.rc != 0 or "idle done" not in r.stdout:
            raise BenchError("idle.py: exit status %d" % r.rc, tail(r.stdout + "\n" + r.stderr))
        return {"idle_cpu": r.cpu_s * 1e3}

    alternate(data, ["idle_cpu"], sz["idle_reps"], cpu_checked)
    alternate(data, ["idle_time_cpu"], 1, lambda b, p: {
        "idle_time_cpu": usr_bin_time(p, "idle.py")})
    alternate(data, ["idle_waits"], 1, lambda b, p: {"idle_waits": strace_waits(p, "idle.py")})


# ---------------------------------------------------------------------------
# The table


def fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    a = abs(v)
    if unit not in ("%", "x") and a < 1000 and v == int(v):
        s = "%d" % v
    elif unit == "%":
        s = "%.1f%%" % (v * 100)
    elif unit == "x":
        s = "%.2fx" % v
    elif a >= 1000:
        s = "{:,.0f}".format(v)
    elif a >= 100:
        s = "%.0f" % v
    elif a >= 10:
        s = "%.1f" % v
    else:
        s = "%.2f" % v
    return s if unit in ("", "%", "x") else s + " " + unit


def build_rows(data, sz):
    S, U = "stock", "uaio"
    rows = []
    # Work sizes, named in each row's metric.
    a1, a2 = sz["ir_switch"][0], sz["ir_switch"][1]
    ir_sw = "n=%s k=%s,%s" % (a1[0], a1[1], a2[1])
    r1, r2 = sz["ir_pp_rounds"]
    ri = sz["pp_rounds_idle"]
    ri_s = "%d" % ri[U] if ri[U] == ri[S] else "%d|%d" % (ri[S], ri[U])

    def err(keys, bins=BINS):
        e = {}
        for b in bins:
            for k in keys:
                if k in data.errors[b]:
                    e[b] = data.errors[b][k]
                    break
        return e

    def row(key, metric, unit, stock, uaio, ratio, ratio_unit, target, met, keys, detail=None,
            need=BINS):
        e = err(keys, need)
        # a value the row's verdict does not need is shown as ERROR but does not decide it
        e_all = err(keys)
        r = {"key": key, "metric": metric, "unit": unit,
             "stock": None if S in e_all else stock, "uaio": None if U in e_all else uaio,
             "ratio": None if e_all else ratio, "ratio_unit": ratio_unit, "target": target,
             "met": None if e else met, "errors": e_all, "detail": detail or {}}
        rows.append(r)
        return r

    def pair_ratio(key, f=lambda s, u: u / s):
        s, u = data.get(S, key), data.get(U, key)
        n = min(len(s), len(u))
        return med([f(s[i], u[i]) for i in range(n)]) if n else None

    # -- task switch, instructions
    ir = {b: (data.get(b, "ir_switch") or [None])[0] for b in BINS}
    ps = {b: ir[b]["per_op"] if ir[b] else None for b in BINS}
    ratio = ps[S] / ps[U] if ps[S] and ps[U] else None
    row("switch_ir", "switch.py %s q (callgrind): Ir/switch" % ir_sw, "Ir", ps[S], ps[U], ratio, "x fewer",
        ">= 5x fewer", ratio is not None and ratio >= 5, ["ir_switch"], ir)

    # -- task switch, wall clock
    s, u = med(data.get(S, "switch_rate")), med(data.get(U, "switch_rate"))
    ratio = pair_ratio("switch_rate")
    row("switch_rate", "switch.py n=1000 k=%d q: switches/s" % sz["sw_k"], "/s", s, u, ratio, "x", ">= 4x stock",
        ratio is not None and ratio >= 4, ["switch_rate"],
        {b: data.get(b, "switch_rate") for b in BINS} | {"args": "1000 %d q" % sz["sw_k"]})

    # -- timers: several sleeps per task, and one (task start and end in each op)
    for key, r in (("timers", sz["timers_r"]), ("timers_r1", sz["timers_r1"])):
        s, u = med(data.get(S, key + "_rate")), med(data.get(U, key + "_rate"))
        ratio = pair_ratio(key + "_rate")
        row(key + "_rate", "timers.py n=10000 k=%d: timer ops/s" % r, "op/s", s, u, ratio, "x",
            ">= 5x stock", ratio is not None and ratio >= 5, [key + "_rate"],
            {b: data.get(b, key + "_detail") for b in BINS} | {"args": "10000 %d" % r})

    # -- stream ping-pong, instructions
    fl = {b: (data.get(b, "ir_pp_floor") or [None])[0] for b in BINS}
    st = {b: (data.get(b, "ir_pp_stream") or [None])[0] for b in BINS}
    fp = {b: fl[b]["per_op"] if fl[b] else None for b in BINS}
    sp = {b: st[b]["per_op"] if st[b] else None for b in BINS}
    row("pp_floor_ir", "pp.py floor rounds=%d,%d m=0 (callgrind): Ir/rt" % (r1, r2), "Ir", fp[S], fp[U],
        fp[U] / fp[S] if fp[S] and fp[U] else None, "x", "(reference)", None, ["ir_pp_floor"], fl)
    ratio = sp[S] / sp[U] if sp[S] and sp[U] else None
    row("pp_stream_ir", "pp.py stream rounds=%d,%d m=0 (callgrind): Ir/rt" % (r1, r2), "Ir", sp[S], sp[U], ratio, "x fewer",
        "(reference)", None, ["ir_pp_stream"], st)
    over = {b: sp[b] / fp[b] if sp[b] and fp[b] else None for b in BINS}
    row("pp_stream_vs_floor", "pp.py stream / floor m=0: Ir/rt", "x", over[S], over[U],
        None, "", "uaio <= 3x floor", over[U] is not None and over[U] <= 3,
        ["ir_pp_stream", "ir_pp_floor"], need=(U,))

    # -- stream ping-pong, wall clock
    s, u = med(data.get(S, "pp_m0_rate")), med(data.get(U, "pp_m0_rate"))
    ratio = pair_ratio("pp_m0_rate")
    row("pp_rate", "pp.py stream rounds=%d m=0: round trips/s" % sz["pp_rounds"], "rt/s", s, u, ratio, "x", ">= 1.8x stock",
        ratio is not None and ratio >= 1.8, ["pp_m0_rate"],
        {b: data.get(b, "pp_m0_rate") for b in BINS} | {"args": "stream %d 0" % sz["pp_rounds"]})
    s, u = med(data.get(S, "pp_m1000_rate")), med(data.get(U, "pp_m1000_rate"))
    row("pp_m1000_rate", "pp.py stream rounds=%s m=1000: round trips/s" % ri_s, "rt/s", s, u,
        pair_ratio("pp_m1000_rate"), "x", "(reference)", None, ["pp_m1000_rate"],
        {b: data.get(b, "pp_m1000_rate") for b in BINS}
        | {"args": {b: "stream %d 1000" % ri[b] for b in BINS}})
    s, u = med(data.get(S, "pp_m1000_cost")), med(data.get(U, "pp_m1000_cost"))
    row("pp_idle_sockets", "1000 idle sockets: time/rt m=1000 / m=0, rounds=%s paired" % ri_s,
        "x", s, u, None, "", "uaio <= 1.2x", u is not None and u <= 1.2, ["pp_m1000_cost"],
        {b: data.get(b, "pp_m1000_cost") for b in BINS}
        | {"args": {b: "stream %d 0 | stream %d 1000" % (ri[b], ri[b]) for b in BINS}},
        need=(U,))

    # -- accuracy
    acc = {b: {k: data.get(b, k) for k in ("acc_min", "acc_p50", "acc_p99", "acc_max")}
           for b in BINS}
    akeys = ["acc_min"]
    mins = {b: min(data.get(b, "acc_min")) if data.get(b, "acc_min") else None for b in BINS}
    row("acc_min", "accuracy.py n=100 iter=%d p=10: min lateness (all runs)" % sz["acc_iter"], "us", mins[S], mins[U], None, "",
        "uaio >= 0 us", mins[U] is not None and mins[U] >= 0, akeys,
        acc | {"args": "100 %d 10" % sz["acc_iter"]}, need=(U,))
    for k, lim, name in (("acc_p50", 100, "p50"), ("acc_p99", 500, "p99")):
        s, u = med(data.get(S, k)), med(data.get(U, k))
        row(k, "accuracy.py n=100 iter=%d p=10: %s lateness (median)" % (sz["acc_iter"], name), "us", s, u, None, "",
            "uaio <= %d us" % lim, u is not None and u <= lim, [k], need=(U,))
    s, u = (max(data.get(b, "acc_max")) if data.get(b, "acc_max") else None for b in BINS)
    row("acc_max", "accuracy.py n=100 iter=%d p=10: max lateness (all runs)" % sz["acc_iter"], "us", s, u, None, "",
        "(reference)", None, ["acc_max"])

    # -- ThreadSafeFlag
    ti = {b: (data.get(b, "ir_switch_tsf") or [None])[0] for b in BINS}
    tk = {b: "%s,%s" % (ti[b]["args_small"].split()[1], ti[b]["args_large"].split()[1])
          for b in BINS if ti[b]}
    tsf_ir_k = tk.get(U, "?") if tk.get(S) == tk.get(U) else "%s|%s" % (tk.get(S, "?"),
                                                                       tk.get(U, "?"))
    added = {}
    for b in BINS:
        added[b] = (ti[b]["per_op"] / ps[b] - 1) if ti[b] and ps[b] else None
    row("tsf_ir", "switch_tsf.py n=1000 k=%s q vs switch.py (callgrind): added Ir/switch"
        % tsf_ir_k, "%", added[S], added[U],
        None, "", "uaio < 10%", added[U] is not None and added[U] < 0.10,
        ["ir_switch_tsf", "tsf_ir", "ir_switch"], ti, need=(U,))
    tw = {b: data.get(b, "tsf_wall") for b in BINS}
    ks = {b: tw[b][0]["k"] for b in BINS if tw[b]}
    tsf_k = "|".join(str(ks.get(b, "?")) for b in BINS)
    aw = {b: med([x["added"] for x in tw[b]]) if tw[b] else None for b in BINS}
    row("tsf_wall", "switch_tsf.py vs switch.py n=1000 k=%s q: added time/switch" % tsf_k, "%", aw[S], aw[U], None, "",
        "uaio < 10%", aw[U] is not None and aw[U] < 0.10, ["tsf_wall"], tw, need=(U,))
    s, u = med(data.get(S, "tsf_latency")), med(data.get(U, "tsf_latency"))
    row("tsf_latency", "tsf_latency.py (flag set every 10 ms): p50 wake latency", "us", s, u, None, "",
        "uaio < 100 us", u is not None and u < 100, ["tsf_latency"],
        {b: data.get(b, "tsf_latency") for b in BINS}, need=(U,))

    # -- idle
    s, u = med(data.get(S, "idle_cpu")), med(data.get(U, "idle_cpu"))
    row("idle_cpu", "idle.py (10 tasks sleep 2 s): CPU ms, start-up incl.", "ms", s, u, None, "",
        "uaio < 5 ms", u is not None and u < 5, ["idle_cpu"],
        {b: {"wait4_ms": data.get(b, "idle_cpu"), "usr_bin_time_ms": data.get(b, "idle_time_cpu")}
         for b in BINS}, need=(U,))
    w = {b: data.get(b, "idle_waits") for b in BINS}
    wt = {b: med([x["total"] for x in w[b]]) if w[b] else None for b in BINS}
    row("idle_waits", "idle.py (10 tasks sleep 2 s): wait syscalls (strace)", "", wt[S], wt[U], None, "",
        "uaio <= 10", wt[U] is not None and wt[U] <= 10, ["idle_waits"], w, need=(U,))

    # -- memory per task
    s, u = med(data.get(S, "memtask")), med(data.get(U, "memtask"))
    row("memtask", "memtask.py n=%d: bytes per parked task" % sz["memtask_n"], "B", s, u, u / s if s and u else None,
        "x", "uaio <= stock", s is not None and u is not None and u <= s, ["memtask"],
        {b: data.get(b, "memtask_detail") for b in BINS} | {"n": sz["memtask_n"]})
    return rows


def print_table(rows, out=sys.stdout):
    head = ("metric", "stock", "uaio", "ratio", "target", "met")
    lines = []
    for r in rows:
        u = r["unit"]
        cell = {}
        for b in BINS:
            cell[b] = "ERROR" if b in r["errors"] else fmt(r[b], u)
        if r["ratio"] is None:
            ratio = "-"
        else:
            ratio = fmt(r["ratio"], "x") + (" fewer" if r["ratio_unit"] == "x fewer" else "")
        met = {True: "yes", False: "no", None: "-"}[r["met"]]
        if r["met"] is None and r["errors"] and r["target"] != "(reference)":
            met = "ERROR"
        lines.append((r["metric"], cell["stock"], cell["uaio"], ratio, r["target"], met))
    w = [max(len(x[i]) for x in lines + [head]) for i in range(len(head))]
    sep = "  "

    def fmt_line(x):
        return sep.join(
            x[i].ljust(w[i]) if i in (0, 4, 5) else x[i].rjust(w[i]) for i in range(len(x))).rstrip()

    print(fmt_line(head), file=out)
    print(sep.join("-" * n for n in w), file=out)
    for x in lines:
        print(fmt_line(x), file=out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--uaio", required=True, help="the uaio MicroPython binary")
    ap.add_argument("--stock", required=True, help="the stock MicroPython binary")
    ap.add_argument("--out", default="build/bench/results.json", help="JSON results file")
    ap.add_argument("--quick", action="store_true", help="smaller work sizes, for a fast look")
    ap.add_argument("--jobs", type=int, default=2, help="parallel callgrind runs (default 2)")
    ap.add_argument("--any-versions", action="store_true",
                    help="compare binaries of different MicroPython versions")
    a = ap.parse_args()

    bins = {"stock": os.path.abspath(a.stock), "uaio": os.path.abspath(a.uaio)}
    for b, p in bins.items():
        if not (os.path.isfile(p) and os.access(p, os.X_OK)):
            print("bench: %s binary %s does not exist (build it: make %s)" %
                  (b, p, "unix" if b == "uaio" else "stock"), file=sys.stderr)
            return 2
    for tool in ("valgrind", "strace", "/usr/bin/time"):
        if shutil.which(tool) is None:
            print("bench: %s is not installed (make deps)" % tool, file=sys.stderr)
            return 2

    versions = {b: mpy_version(p) for b, p in bins.items()}
    for b, v in versions.items():
        if v is None:
            print("bench: the %s binary %s does not run or report its version" % (b, bins[b]),
                  file=sys.stderr)
            return 2
    if versions["stock"] != versions["uaio"] and not a.any_versions:
        print("bench: stock is MicroPython %s but uaio is %s: build both from one tree "
              "(make unix stock), or pass --any-versions" % (versions["stock"], versions["uaio"]),
              file=sys.stderr)
        return 2

    sz = SIZES["quick" if a.quick else "full"]
    data = Data(bins)
    t0 = time.monotonic()
    log("stock=%s uaio=%s (%s)" % (bins["stock"], bins["uaio"], "quick" if a.quick else "full"))
    ks = phase_probe(data, sz)
    phase_callgrind(data, sz, ks, max(1, a.jobs))
    phase_wall(data, sz, ks)
    phase_idle(data, sz)
    elapsed = time.monotonic() - t0
    rows = build_rows(data, sz)

    print()
    same = versions["stock"] == versions["uaio"]
    print("uaio (MicroPython %s) vs stock MicroPython %s%s: %s sizes, %d wall-clock runs per "
          "binary, %.0f s" % (versions["uaio"], versions["stock"], "" if same else " (DIFFERENT)",
                             "quick" if a.quick else "full", sz["reps"], elapsed))
    print_table(rows)
    failed = sorted({b for r in rows for b in r["errors"]})
    met = sum(1 for r in rows if r["met"] is True)
    judged = sum(1 for r in rows if r["target"] != "(reference)")
    print("\ntargets met: %d of %d" % (met, judged), flush=True)

    try:
        valgrind = subprocess.run(["valgrind", "--version"], capture_output=True,
                                  text=True).stdout.strip()
    except OSError:
        valgrind = None
    doc = {
        "meta": {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "host": platform.node(), "machine": platform.machine(), "cpus": os.cpu_count(),
                 "stock": bins["stock"], "uaio": bins["uaio"],
                 "micropython_version": versions,
                 "mode": "quick" if a.quick else "full", "sizes": sz, "tsf_k": ks,
                 "elapsed_s": round(elapsed, 1), "valgrind": valgrind,
                 "heap": " ".join(HEAP), "programs": PROGRAMS},
        "rows": rows,
        "targets_met": met, "targets": judged,
        "errors": {b: data.errors[b] for b in BINS if data.errors[b]},
    }
    out = os.path.abspath(a.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, default=str)
        f.write("\n")
    print("results: %s" % a.out)
    if failed:
        for b in BINS:
            seen = {}
            for k, e in data.errors[b].items():
                seen.setdefault(e, []).append(k)
            for e, keys in seen.items():
                print("\nERROR %s (%s): %s" % (b, ", ".join(keys), e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
