"""Part 1: MicroPython's own stream tests of asyncio, run by its run-tests.py:
tests/micropython/ringio_async.py, every tests/extmod/asyncio_*.py that uses
streams, and net_hosted/asyncio_*.py (TCP streams on loopback)."""

import glob
import json
import os
import re
import subprocess

from harness import FAIL, PASS, SKIP, Outcome, tail

TIMEOUT = 100
_STREAM_WORDS = re.compile(r"Stream|open_connection|start_server|RingIO")


def selected_tests(tests_dir):
    """The test files, relative to TESTS_DIR (chosen by content, so a newer
    MicroPython's new stream tests are picked up)."""
    chosen = ["micropython/ringio_async.py"]
    for path in sorted(glob.glob(os.path.join(tests_dir, "extmod", "asyncio_*.py"))):
        with open(path) as f:
            if _STREAM_WORDS.search(f.read()):
                chosen.append(os.path.relpath(path, tests_dir))
    chosen += sorted(os.path.relpath(p, tests_dir)
                     for p in glob.glob(os.path.join(tests_dir, "net_hosted", "asyncio_*.py")))
    return [t for t in chosen if os.path.exists(os.path.join(tests_dir, t))]


def run(binary, label, ctx):
    tests_dir = os.path.join(ctx.mpy_dir, "tests")
    tests = selected_tests(tests_dir)
    result_dir = os.path.join(ctx.work, "results", label, "mpytests")
    env = dict(os.environ, MICROPY_MICROPYTHON=os.path.abspath(binary))
    env.pop("MICROPYPATH", None)
    try:
        p = subprocess.run(
            ["python3", "./run-tests.py", "--result-dir", result_dir] + tests,
            cwd=tests_dir, env=env, timeout=TIMEOUT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        log = p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return {t: Outcome(FAIL, "run-tests.py timed out after %d s" % TIMEOUT) for t in tests}
    try:
        with open(os.path.join(result_dir, "_results.json")) as f:
            results = json.load(f)["results"]
    except (OSError, ValueError, KeyError):
        # MicroPython before 1.26 lists failures only there: read the log.
        results = [(m.group(2), m.group(1).lower(), "")
                   for m in re.finditer(r"^(pass|FAIL|skip) +(\S+)", log, re.M)]
    outcomes = {}
    for name, status, reason in results:
        name = os.path.relpath(os.path.join(tests_dir, name), tests_dir)
        if status == "pass":
            outcomes[name] = Outcome(PASS)
        elif status == "skip":
            outcomes[name] = Outcome(SKIP, reason or "skipped by the test (it printed SKIP)")
        else:
            outcomes[name] = Outcome(FAIL, reason or _diff_summary(result_dir, name))
    for t in tests:
        outcomes.setdefault(t, Outcome(FAIL, "no result from run-tests.py: " + tail(log, 3)))
    return outcomes


def _diff_summary(result_dir, name):
    """What the failed test printed that it should not have (its .out vs .exp)."""
    base = os.path.join(result_dir, name.replace("/", "_"))
    try:
        with open(base + ".out", errors="replace") as f:
            out = f.read().splitlines()
        with open(base + ".exp", errors="replace") as f:
            exp = f.read().splitlines()
    except OSError:
        return "output differs from the expected"
    for i, (o, e) in enumerate(zip(out, exp)):
        if o != e:
            return "line %d: got %r, expected %r" % (i + 1, o[:100], e[:100])
    return "got %d lines, expected %d; last: %r" % (len(out), len(exp), (out or [""])[-1][:100])
