#!/usr/bin/env python3
"""The MicroPython version matrix (mk/versions.mk, `make test-versions`).

    matrix.py run --version V --mpy DIR --uaio BIN --stock BIN --out DIR
                  [--multi-instance ARGS] [--project-tests FILE...] [--since EPOCH]
    matrix.py summary DIR...

`run` runs one MicroPython version's own asyncio suites (extmod, net_hosted,
and multi_net on two instances in a network namespace that has only
loopback) on the uaio firmware and on stock MicroPython built from the same
tree, plus the project's tests (tests/py) on uaio, with that tree's test
runners. It prints the runners' output, then the version's closing lines
(`matrix V uaio: N passed, N failed, N skipped`, the same for stock), and
writes them to DIR/matrix.json. A skip counts only when the build lacks the
feature the test needs (SKIP_REASONS, checked on the binary itself); any
other skip fails the run, as a failure does.

`summary` prints one table over the versions' matrix.json files and exits
nonzero if any version failed.
"""
import argparse
import difflib
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

# Skips that are allowed: a test name pattern, a statement that fails on a
# binary that lacks the feature, and the reason printed beside the skip.
SKIP_REASONS = [
    (
        re.compile(r"(^|/)asyncio_tls_"),
        "import ssl",
        "no ssl module: built with MICROPY_PY_SSL=0 (the sources here ship no lib/mbedtls or lib/axtls)",
    ),
    (
        re.compile(r"(^|/)irq_wake(\.py)?$"),  # 1.25's runner names it without .py
        "from machine import Timer; Timer(-1)",
        "no machine.Timer (an IRQ source) on the unix port: the test runs on rp2 (make rp2-test)",
    ),
    (
        re.compile(r"(^|/)stream_fileno_nofd(\.py)?$"),
        "import sys; assert sys.platform not in ('linux', 'darwin', 'freebsd')",
        "a port with poll(2) waits on a driver's fileno 0 as an fd: the test is for bare metal"
        " (make qemu-test, rp2-test, stm32-test)",
    ),
]


def lacks(binary, statement):
    """True if `statement` raises on the binary (the feature is missing)."""
    r = subprocess.run([binary, "-c", statement], capture_output=True, timeout=30)
    return r.returncode != 0


def parse_summary(output):
    """Passed count and the skipped and failed test names, from the summary
    lines that every version's run-tests.py / run-multitests.py prints."""
    passed, skipped, failed = 0, [], []
    for line in output.splitlines():
        m = re.match(r"(\d+) tests passed$", line)
        if m:
            passed = int(m.group(1))
        m = re.match(r"\d+ tests skipped: (.*)$", line)
        if m:
            skipped += m.group(1).split()
        # Failures, and known-flaky failures that 1.28+ reclassify as ignored:
        # both count as failed here.
        m = re.match(r"\d+ tests (?:failed|had known-flaky failures \(ignored\)): (.*)$", line)
        if m:
            failed += re.sub(r"\[[^]]*\]", "", m.group(1)).split()
    return passed, skipped, failed


def run_suite(name, cmd, retry_cmd, cwd, env, log_dir):
    """Run one suite; its output goes to stdout and to LOG_DIR/NAME.log.
    Tests that fail are run once more, one at a time (RETRY_CMD(failed)):
    the timing tests are sensitive to a loaded machine. A test that passes
    then is counted as passed and named as flaky."""
    print("--- {}: {}".format(name, " ".join(cmd)), flush=True)
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = r.stdout
    sys.stdout.write(output)
    passed, skipped, failed = parse_summary(output)
    flaky = []
    if r.returncode != 0 and not failed:
        # The runner itself failed (bad option, crash): no summary to trust.
        failed = ["{} (runner exited {})".format(name, r.returncode)]
    elif failed:
        again = retry_cmd(failed)
        print("--- {} again, one at a time: {}".format(name, " ".join(again)), flush=True)
        r2 = subprocess.run(again, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output += r2.stdout
        sys.stdout.write(r2.stdout)
        passed2, _, failed2 = parse_summary(r2.stdout)
        if r2.returncode != 0 and not failed2:
            failed2 = failed
        flaky = [t for t in failed if t not in failed2]
        passed += len(flaky)
        failed = failed2
    with open(os.path.join(log_dir, name + ".log"), "w") as f:
        f.write(output)
    return passed, skipped, failed, flaky


def print_diffs(result_dir):
    """What the failed tests printed against what they should have."""
    for out in sorted(glob.glob(os.path.join(result_dir, "*.out"))):
        exp = out[:-4] + ".exp"
        if os.path.exists(exp):
            with open(exp) as a, open(out) as b:
                diff = list(difflib.unified_diff(a.read().splitlines(), b.read().splitlines(),
                                                 "expected", os.path.basename(out), lineterm=""))
            print("\n".join(diff[:40] + (["..."] if len(diff) > 40 else [])))


def netns_prefix():
    """A network namespace with only loopback up, where unshare is allowed."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    return None


def run_firmware(label, binary, args, suites_dir, log_dir):
    """Every suite on one firmware; returns its counts and named skips/failures."""
    env = dict(os.environ, MICROPY_MICROPYTHON=binary)
    tests = os.path.join(args.mpy, "tests")
    py = sys.executable
    suites = [
        ("extmod", [py, "./run-tests.py", "--result-dir", os.path.join(suites_dir, "extmod"), "-d", "extmod", "-i", "asyncio"]),
        ("net_hosted", [py, "./run-tests.py", "--result-dir", os.path.join(suites_dir, "net_hosted")]
         + sorted(os.path.relpath(p, tests) for p in glob.glob(os.path.join(tests, "net_hosted", "asyncio_*.py")))),
    ]
    netns = netns_prefix()
    multi = sorted(os.path.relpath(p, tests) for p in glob.glob(os.path.join(tests, "multi_net", "asyncio_*.py")))
    notes = []
    if netns:
        suites.append(("multi_net", netns + [py, "./run-multitests.py"] + args.multi_instance.split() + multi))
    if label == "uaio" and args.project_tests:
        suites.append(("py", [py, "./run-tests.py", "--result-dir", os.path.join(suites_dir, "py")]
                       + [os.path.abspath(p) for p in args.project_tests]))
    total = {"passed": 0, "failed": [], "skipped": [], "flaky": []}
    for name, cmd in suites:
        if name == "multi_net":
            retry = lambda failed: netns + [py, "./run-multitests.py"] + args.multi_instance.split() + failed
        else:
            result_dir = cmd[cmd.index("--result-dir") + 1]
            retry = lambda failed, d=result_dir: [py, "./run-tests.py", "--result-dir", d, "--run-failures", "-j", "1"]
        passed, skipped, failed, flaky = run_suite(label + "-" + name, cmd, retry, tests, env, log_dir)
        if failed and name != "multi_net":
            print_diffs(cmd[cmd.index("--result-dir") + 1])
        total["passed"] += passed
        total["failed"] += failed
        total["skipped"] += skipped
        total["flaky"] += flaky
    if not netns:
        # Not a lack of the build: the machine forbids namespaces. Said, and failed.
        total["failed"] += ["multi_net (unshare -n not permitted: not run)"]
    # Each skip needs a reason that holds for this binary.
    explained = []
    for test in total["skipped"]:
        reason = next((why for pat, stmt, why in SKIP_REASONS if pat.search(test) and lacks(binary, stmt)), None)
        if reason is None:
            total["failed"].append(test + " (skipped without a known reason)")
        else:
            explained.append([test, reason])
    total["skipped"] = explained
    return total


def cmd_run(args):
    out = os.path.abspath(args.out)
    log_dir = os.path.join(out, "logs")
    os.makedirs(log_dir, exist_ok=True)
    began = time.time()
    result = {"version": args.version, "firmware": {}}
    for label, binary in (("uaio", args.uaio), ("stock", args.stock)):
        binary = os.path.abspath(binary)
        result["firmware"][label] = run_firmware(label, binary, args, os.path.join(out, label), log_dir)
    now = time.time()
    result["test_seconds"] = round(now - began)
    result["seconds"] = round(now - (args.since or began))
    with open(os.path.join(out, "matrix.json"), "w") as f:
        json.dump(result, f, indent=1)
    print_closing(result)
    return 0 if ok(result) else 1


def ok(result):
    return all(not fw["failed"] for fw in result["firmware"].values())


def print_closing(result):
    v = result["version"]
    print()
    for label, fw in result["firmware"].items():
        for test in fw["failed"]:
            print("matrix {} {}: FAILED {}".format(v, label, test))
        for test in fw["flaky"]:
            print("matrix {} {}: flaky {} (failed, then passed when run alone)".format(v, label, test))
        for test, why in fw["skipped"]:
            print("matrix {} {}: skipped {}: {}".format(v, label, test, why))
    for label, fw in result["firmware"].items():
        print("matrix {} {}: {} passed, {} failed, {} skipped".format(
            v, label, fw["passed"], len(fw["failed"]), len(fw["skipped"])))
    print("matrix {}: {} in {} s (tests {} s)".format(
        v, "OK" if ok(result) else "FAILED", result["seconds"], result["test_seconds"]))


def cmd_summary(args):
    rows, good = [], True
    for d in args.dirs:
        path = os.path.join(d, "matrix.json")
        if not os.path.exists(path):
            rows.append((d, "no result (build failed?)", "", "", "", "FAILED"))
            good = False
            continue
        with open(path) as f:
            r = json.load(f)
        good &= ok(r)
        cells = ["{}/{}/{}".format(fw["passed"], len(fw["failed"]), len(fw["skipped"]))
                 for fw in (r["firmware"]["uaio"], r["firmware"]["stock"])]
        rows.append((r["version"], cells[0], cells[1], "{} s".format(r["seconds"]),
                     "{} s".format(r["test_seconds"]), "OK" if ok(r) else "FAILED"))
    print("\nMicroPython version matrix (passed/failed/skipped; time: build and tests, tests alone)")
    fmt = "{:<10} {:>14} {:>14} {:>8} {:>8}  {}"
    print(fmt.format("version", "uaio", "stock", "time", "tests", "result"))
    for row in rows:
        print(fmt.format(*row))
    return 0 if good else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--version", required=True)
    r.add_argument("--mpy", required=True, help="the MicroPython tree (its tests/ and runners)")
    r.add_argument("--uaio", required=True)
    r.add_argument("--stock", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--multi-instance", default="-t unix -t unix",
                   help="run-multitests.py's instance options for two unix instances")
    r.add_argument("--project-tests", nargs="*", default=[])
    r.add_argument("--since", type=float, help="when the version's build began (epoch s)")
    s = sub.add_parser("summary")
    s.add_argument("dirs", nargs="+")
    args = p.parse_args()
    sys.exit(cmd_run(args) if args.cmd == "run" else cmd_summary(args))


if __name__ == "__main__":
    main()
