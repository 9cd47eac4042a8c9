"""The external-programs suite: programs and test suites we did not write,
run on the uaio firmware and on stock MicroPython of the same version, side
by side. It passes when uaio passes every case stock passes; a case that
fails on stock too is listed with both failures, not counted.

Usage: run.py --uaio BIN --stock BIN --mpy MICROPYTHON_TREE --microdot DIR
              --mpylib DIR --work DIR [--parts a,b]
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mpylib  # noqa: E402
import part_aioespnow  # noqa: E402
import part_aiohttp  # noqa: E402
import part_aiorepl  # noqa: E402
import part_microdot  # noqa: E402
import part_mpytests  # noqa: E402
from harness import FAIL, PASS, SKIP  # noqa: E402

# Why a case fails on stock MicroPython as well (shown next to the failure;
# never used to decide a result).
KNOWN_ON_STOCK = {}


def _microdot_suite(binary, label, ctx):
    return part_microdot.run_suite(binary, ctx)


def _microdot_load(binary, label, ctx):
    cases, rate = part_microdot.run_load(binary, ctx)
    ctx.rates[label] = rate
    return cases


PARTS = [
    ("mpytests", "MicroPython's stream tests (run-tests.py)", part_mpytests.run),
    ("microdot", "Microdot's test suite", _microdot_suite),
    ("microdot-load", "Microdot app, %d requests / %d connections"
     % (part_microdot.REQUESTS, part_microdot.CONCURRENCY), _microdot_load),
    ("aiorepl", "aiorepl through a pty", part_aiorepl.run),
    ("aioespnow", "aioespnow on a stand-in espnow", part_aioespnow.run),
    ("aiohttp", "aiohttp client vs a CPython server", part_aiohttp.run),
]


class Context:
    def __init__(self, args):
        self.mpy_dir = os.path.abspath(args.mpy)
        self.microdot = os.path.abspath(args.microdot)
        self.work = os.path.abspath(args.work)
        self.lib = os.path.join(self.work, "lib")
        self.rates = {}


def version(binary):
    code = "import sys; print('%d.%d.%d' % sys.implementation.version[:3], sys.version)"
    p = subprocess.run([binary, "-c", code],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    return p.stdout.decode(errors="replace").strip()


def counts(cases):
    return tuple(sum(1 for o in cases.values() if o.status == s) for s in (PASS, FAIL, SKIP))


def compare(uaio, stock):
    """(regressions, both_fail, only_stock_fails): lists of (case, uaio, stock).
    A case that stock never reported counts as passed on stock."""
    regressions, both, better = [], [], []
    missing = None
    for name in list(stock) + [n for n in uaio if n not in stock]:
        u, s = uaio.get(name, missing), stock.get(name, missing)
        u_ok = u is not None and u.status == PASS
        s_ok = s is None or s.status == PASS
        if s_ok and not u_ok:
            regressions.append((name, u, s))
        elif not s_ok and not u_ok and not (u and s and u.status == s.status == SKIP):
            both.append((name, u, s))
        elif u_ok and not s_ok:
            better.append((name, u, s))
    return regressions, both, better


def _why(o):
    if o is None:
        return "not run"
    return "%s%s" % (o.status, (": " + o.detail) if o.detail else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uaio", required=True)
    ap.add_argument("--stock", required=True)
    ap.add_argument("--mpy", required=True, help="the MicroPython tree both were built from")
    ap.add_argument("--microdot", required=True, help="Microdot's unpacked source")
    ap.add_argument("--mpylib", required=True, help="micropython-lib's unpacked source")
    ap.add_argument("--work", required=True, help="a build folder for results")
    ap.add_argument("--parts", default=",".join(p[0] for p in PARTS))
    args = ap.parse_args()
    ctx = Context(args)
    mpylib.assemble(os.path.abspath(args.mpylib), ctx.lib)
    binaries = [("uaio", os.path.abspath(args.uaio)), ("stock", os.path.abspath(args.stock))]
    wanted = args.parts.split(",")
    unknown = [w for w in wanted if w not in [p[0] for p in PARTS]]
    if unknown:
        ap.error("unknown part(s) %s; parts: %s" % (unknown, ", ".join(p[0] for p in PARTS)))

    for label, binary in binaries:
        print("%-5s %s: %s" % (label, os.path.relpath(binary), version(binary)))
    results = {}
    for key, title, run in PARTS:
        if key not in wanted:
            continue
        results[key] = {}
        for label, binary in binaries:
            t0 = time.monotonic()
            results[key][label] = run(binary, label, ctx)
            print("  %-13s %-5s %5.1f s" % (key, label, time.monotonic() - t0), flush=True)

    print("\nCases per suite (each program's clean end, 'exit' or '(run)', is a case too):")
    print("%-60s %-18s %-18s" % ("suite", "uaio pass/fail/skip", "stock pass/fail/skip"))
    verdict = []
    report = {}
    for key, title, _ in PARTS:
        if key not in results:
            continue
        u, s = results[key]["uaio"], results[key]["stock"]
        cu, cs = "%d/%d/%d" % counts(u), "%d/%d/%d" % counts(s)
        if key == "microdot-load":
            cu += _rate(ctx.rates.get("uaio"))
            cs += _rate(ctx.rates.get("stock"))
        print("%-60s %-18s %-18s" % ("%s: %s" % (key, title), cu, cs))
        regressions, both, better = compare(u, s)
        verdict.append((key, regressions, both, better))
        report[key] = {label: {n: [o.status, o.detail] for n, o in r.items()}
                       for label, r in results[key].items()}

    n_reg = sum(len(r) for _, r, _, _ in verdict)
    print("\nFails on uaio, passes on stock (counts against uaio): %d" % n_reg)
    for key, regressions, _, _ in verdict:
        for name, u, s in regressions:
            print("  %s %s: uaio %s" % (key, name, _why(u)))
    print("\nFails on both (not counted against uaio): %d" % sum(len(b) for _, _, b, _ in verdict))
    for key, _, both, _ in verdict:
        for name, u, s in both:
            known = KNOWN_ON_STOCK.get((key, name))
            print("  %s %s:\n      stock %s\n      uaio  %s%s" % (
                key, name, _why(s), _why(u), ("\n      why: " + known) if known else ""))
    skipped = [(key, name, results[key]["stock"][name].detail)
               for key in results for name, o in results[key]["uaio"].items()
               if o.status == SKIP and results[key]["stock"].get(name, o).status == SKIP]
    print("\nSkipped on both (the test's own reason): %d" % len(skipped))
    for key, name, why in skipped:
        print("  %s %s: %s" % (key, name, why))
    print("\nPasses on uaio, fails on stock: %d" % sum(len(b) for _, _, _, b in verdict))
    for key, _, _, better in verdict:
        for name, u, s in better:
            print("  %s %s: stock %s" % (key, name, _why(s)))

    os.makedirs(ctx.work, exist_ok=True)
    with open(os.path.join(ctx.work, "results.json"), "w") as f:
        json.dump({"results": report, "requests_per_s": ctx.rates}, f, indent=1)
    where = os.path.relpath(os.path.join(ctx.work, "results.json"))
    print("\nexternal: %s (%d case(s) pass on stock but not on uaio; details in %s)"
          % ("PASS" if n_reg == 0 else "FAIL", n_reg, where))
    return 0 if n_reg == 0 else 1


def _rate(r):
    return ", %.0f req/s" % r if r else ""


if __name__ == "__main__":
    sys.exit(main())
