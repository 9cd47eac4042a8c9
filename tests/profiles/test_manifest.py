#!/usr/bin/env python3
"""port/manifest.py's profiles and extras, read by MicroPython's own manifest
reader (tools/manifestfile.py of the tree given): which files each choice
freezes, the errors for a bad choice, and that each part's package.json
(mip) lists exactly that part's files. Usage: test_manifest.py MICROPY_DIR"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = os.path.join(ROOT, "python")
sys.path.insert(0, os.path.join(sys.argv[1], "tools"))
import manifestfile  # noqa: E402

LEAN = {"asyncio.py"} | {"uasyncio/" + f for f in ("__init__.py", "core.py", "stream.py")}
PARTS = {
    "v2": {"uasyncio/_v2.py"},
    "queues": {"uasyncio/queues.py"},
    "semaphore": {"uasyncio/semaphore.py"},
    "synchro": {"uasyncio/synchro.py"},
    "udp": {"uasyncio/udp.py"},
    "websocket": {"uasyncio/websocket/" + f for f in ("__init__.py", "server.py", "sha1.py")},
}
failures = []


def frozen(args):
    m = manifestfile.ManifestFile(manifestfile.MODE_FREEZE, {"MPY_LIB_DIR": None})
    m.execute('include(%r%s)' % (os.path.join(ROOT, "port", "manifest.py"), args))
    paths = [f.target_path for f in m.files()]
    if len(paths) != len(set(paths)):
        failures.append("%s: a file frozen twice: %s" % (args, sorted(paths)))
    return set(paths)


def check(args, want):
    got = frozen(args)
    print("%-45s %s" % (args or "(no options)", "ok" if got == want else "FAIL"))
    if got != want:
        failures.append("%s: got %s, want %s" % (args, sorted(got), sorted(want)))


def check_error(args, text):
    try:
        frozen(args)
        failures.append("%s: no error" % args)
        print("%-45s FAIL (no error)" % args)
    except manifestfile.ManifestFileError as e:
        ok = text in str(e)
        print("%-45s %s: %s" % (args, "ok" if ok else "FAIL", str(e).rsplit(": ", 1)[-1]))
        if not ok:
            failures.append("%s: %s" % (args, e))


everything = LEAN.union(*PARTS.values())
check("", LEAN | PARTS["v2"])
check(", profile='default'", LEAN | PARTS["v2"])
check(", profile='lean'", LEAN)
check(", profile='full'", everything)
check(", profile='lean', extras=('queues', 'websocket')", LEAN | PARTS["queues"] | PARTS["websocket"])
check(", profile='lean', extras='semaphore'", LEAN | PARTS["semaphore"])
check(", extras=('udp',)", LEAN | PARTS["v2"] | PARTS["udp"])
check(", profile='full', extras=('queues',)", everything)
check(", profile='lean', extras=('udp', 'udp')", LEAN | PARTS["udp"])
check_error(", profile='tiny'", "unknown profile 'tiny'")
check_error(", profile='lean', extras=('v2',)", "unknown subpackage 'v2'")
check_error(", extras=('queue',)", "unknown subpackage 'queue'")

# mip: each part's package.json installs exactly its files, by URLs
# relative to the package.json (no host named).
for part, files in [("", LEAN)] + sorted(PARTS.items()):
    with open(os.path.join(PY, part, "package.json")) as f:
        pkg = json.load(f)
    urls = pkg["urls"]
    ok = {t for t, _ in urls} == files and all(t == u for t, u in urls) and isinstance(pkg["version"], str)
    ok = ok and all(os.path.isfile(os.path.join(PY, part, u)) for _, u in urls)
    print("%-45s %s" % ("python/%spackage.json" % (part + "/" if part else ""), "ok" if ok else "FAIL"))
    if not ok:
        failures.append("python/%s/package.json: %s" % (part, urls))

if failures:
    print("\n".join(failures))
    sys.exit(1)
