#!/usr/bin/env python3
# Differential tester: random asyncio programs (gen.py) run on uaio, on stock
# MicroPython and, where they use only what both share, on CPython 3; the
# outputs must be the same. Many programs run in one interpreter process
# (each in a fresh namespace, with its own asyncio.run), separated by marker
# lines on stdout and stderr.
#
#   python3 tests/difftest/difftest.py --seed 1 --n 2000
#
# A divergence prints the seed and the program's index and leaves the
# program, which runs alone on any of the three, in --out.
import argparse
import concurrent.futures
import difflib
import os
import random
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402

MARK = "#### difftest "

BATCH_DRIVER = """\
import sys
for path in %r:
    print(%r + path)
    sys.stderr.write(%r + path + "\\n")
    try:
        f = open(path)
        src = f.read()
        f.close()
        exec(src, {"__name__": "__main__"})
    except BaseException as e:
        print("HARNESS ERROR", type(e).__name__, e)
"""


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=None, help="default: from the clock (printed)")
    ap.add_argument("--n", type=int, default=2000, help="number of programs")
    ap.add_argument("--batch", type=int, default=100, help="programs per interpreter process")
    ap.add_argument("--jobs", type=int, default=4, help="interpreter processes at once")
    ap.add_argument("--hang", type=float, default=10, help="seconds without output before a program counts as hung")
    ap.add_argument("--uaio", default="build/unix/micropython")
    ap.add_argument("--stock", default="build/stock/micropython")
    ap.add_argument("--python", default="python3")
    ap.add_argument("--heap", default="8M", help="MicroPython heap size: room for a batch, so memory is not what differs")
    ap.add_argument("--out", default="build/difftest", help="where failing programs are written")
    ap.add_argument("--only", default=None, help="run only the programs of these indexes (comma-separated)")
    ap.add_argument("--scenes", default=None, help="comma-separated scene functions to draw from (default: all)")
    ap.add_argument("--max-report", type=int, default=10, help="divergences shown in full")
    return ap.parse_args(argv)


def make_programs(seed, n, only, allowed):
    prelude = open(os.path.join(HERE, "prelude.py")).read()
    progs = {}
    for i in range(n):
        # Each program has a generator of its own: index i is the same
        # program whatever --n, so it can be replayed alone.
        rng = random.Random("%d/%d" % (seed, i))
        if only is None or i in only:
            progs[i] = gen.generate(rng, prelude, seed, i, allowed=allowed)
    return progs


def run_batch(interp, paths, workdir, hang):
    # Returns {path: (stdout, stderr)}. A program that prints nothing for
    # `hang` seconds is killed and gets "HANG"; one that ends the
    # interpreter gets "EXIT <status>"; the rest of its batch runs again
    # without it.
    results = {}
    todo = list(paths)
    while todo:
        fd, driver = tempfile.mkstemp(suffix=".py", dir=workdir)
        with os.fdopen(fd, "w") as f:
            f.write(BATCH_DRIVER % (todo, MARK, MARK))
        out, err, status = watch(interp + [driver], workdir, hang)
        os.unlink(driver)
        outs = split(out.decode("utf-8", "replace"))
        errs = split(err.decode("utf-8", "replace"))
        done = [p for p in todo if p in outs]
        for path in done:
            results[path] = (outs[path], errs.get(path, ""))
        if len(done) == len(todo) and status == 0:
            break
        if not done:
            # Not even the first program started: the interpreter is broken.
            tail = err.decode("utf-8", "replace")[-2000:]
            for path in todo:
                results[path] = ("NOT RUN (interpreter: %s)\n%s" % (status, tail), "")
            break
        last = done[-1]
        results[last] = (outs[last] + ("HANG\n" if status == "hang" else "EXIT %s\n" % status), errs.get(last, ""))
        todo = todo[len(done) :]
    return results


def watch(cmd, cwd, hang):
    # Runs cmd; kills it once neither stdout nor stderr has moved for
    # `hang` seconds. Returns (stdout, stderr, exit status or "hang").
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out_fd, err_fd = p.stdout.fileno(), p.stderr.fileno()
    bufs = {out_fd: bytearray(), err_fd: bytearray()}
    open_fds = set(bufs)
    status = None
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], hang)
        if not ready:
            p.kill()
            status = "hang"
            break
        for fd in ready:
            chunk = os.read(fd, 65536)
            if chunk:
                bufs[fd] += chunk
            else:
                open_fds.discard(fd)
    rc = p.wait()
    p.stdout.close()
    p.stderr.close()
    return bytes(bufs[out_fd]), bytes(bufs[err_fd]), status if status else rc


def split(text):
    # Output per program, by the marker lines.
    parts = {}
    cur = None
    for line in text.splitlines(keepends=True):
        if line.startswith(MARK):
            cur = line[len(MARK) :].rstrip("\n")
            parts[cur] = ""
        elif cur is not None:
            parts[cur] += line
    return parts


ADDR = re.compile(r"(0x)?[0-9a-f]{6,}")


def norm_stderr(text):
    # What an unretrieved exception reports: the message and the exception;
    # not the traceback's frames or object addresses (each build's own).
    keep = []
    for line in text.splitlines():
        if line.startswith(("Traceback", "  ")):
            continue
        keep.append(ADDR.sub("0x?", line))
    return "\n".join(keep)


def main(argv=None):
    a = parse_args(argv)
    seed = a.seed if a.seed is not None else int(time.time()) % 100000
    allowed = set(a.scenes.split(",")) if a.scenes else None
    t0 = time.time()
    only = set(int(x) for x in a.only.split(",")) if a.only else None
    progs = make_programs(seed, a.n, only, allowed)
    os.makedirs(a.out, exist_ok=True)
    workdir = os.path.abspath(tempfile.mkdtemp(prefix="run-%d-" % seed, dir=a.out))
    paths = {}
    for i, p in progs.items():
        paths[i] = os.path.join(workdir, "p%05d.py" % i)
        with open(paths[i], "w") as f:
            f.write(p.source)

    impls = {
        "uaio": ([os.path.abspath(a.uaio), "-X", "heapsize=" + a.heap], [i for i in progs]),
        "stock": ([os.path.abspath(a.stock), "-X", "heapsize=" + a.heap], [i for i, p in progs.items() if p.on_stock]),
        "cpython": ([a.python, "-u"], [i for i, p in progs.items() if p.on_cpython]),
    }
    for name, (interp, _) in impls.items():
        if name != "cpython" and not os.path.exists(interp[0]):
            sys.exit("difftest: %s not found (make unix stock)" % interp[0])
    jobs = []
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        for name, (interp, idxs) in impls.items():
            for k in range(0, len(idxs), a.batch):
                chunk = [paths[i] for i in idxs[k : k + a.batch]]
                jobs.append((name, ex.submit(run_batch, interp, chunk, workdir, a.hang)))
        results = {name: {} for name in impls}
        for name, fut in jobs:
            results[name].update(fut.result())
    elapsed = time.time() - t0

    failures = []
    for i in sorted(progs):
        u = results["uaio"][paths[i]]
        for other in ("stock", "cpython"):
            if paths[i] not in results[other]:
                continue
            o = results[other][paths[i]]
            if u[0] != o[0]:
                failures.append((i, other, "stdout", o[0], u[0]))
            elif other == "stock" and norm_stderr(u[1]) != norm_stderr(o[1]):
                failures.append((i, other, "stderr", norm_stderr(o[1]), norm_stderr(u[1])))
        if "HANG" in u[0] or "HARNESS ERROR" in u[0] or "NOT RUN" in u[0]:
            if not any(f[0] == i for f in failures):
                failures.append((i, "-", "stdout", "", u[0]))

    counts = {name: len(idxs) for name, (_, idxs) in impls.items()}
    print(
        "difftest: seed %d: %d programs (%d on stock MicroPython, %d on CPython) in %.1f s; %d divergence(s)"
        % (seed, len(progs), counts["stock"], counts["cpython"], elapsed, len(failures))
    )
    for n, (i, other, stream, exp, got) in enumerate(failures):
        fail_path = os.path.join(a.out, "fail-%d-%d.py" % (seed, i))
        shutil.copy(paths[i], fail_path)
        if n >= a.max_report:
            print("  seed %d index %d: %s differs from %s (%s)" % (seed, i, stream, other, fail_path))
            continue
        print("\n=== seed %d, program %d: uaio's %s differs from %s's" % (seed, i, stream, other))
        print("program: %s  (replay: %s -X heapsize=%s %s)" % (fail_path, a.uaio, a.heap, fail_path))
        diff = difflib.unified_diff(exp.splitlines(), got.splitlines(), other, "uaio", lineterm="", n=2)
        for line in list(diff)[:40]:
            print("  " + line)
    if not failures:
        shutil.rmtree(workdir)
    else:
        print("\n(all programs of the run: %s)" % workdir)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
