#!/usr/bin/env python3
"""The .mpy bytes each part of the uasyncio package freezes, and each profile's
sum: a proxy for the flash the frozen Python takes (the real images are
measured by `make size`). Usage: profile_sizes.py MPY_CROSS [--json OUT]"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = os.path.join(ROOT, "python")
ARCHS = ("armv7emsp", "armv6m")
# As port/manifest.py: the lean package, then the parts each profile adds.
PARTS = ("uasyncio", "v2", "queues", "semaphore", "synchro", "udp", "websocket")
PROFILES = {"lean": ("uasyncio",), "default": ("uasyncio", "v2"), "full": PARTS}


def sources(part):
    # (file to compile, its name in the package) for one part.
    base = PY if part == "uasyncio" else os.path.join(PY, part)
    out = [(os.path.join(PY, "asyncio.py"), "asyncio.py")] if part == "uasyncio" else []
    for d, _, files in sorted(os.walk(os.path.join(base, "uasyncio"))):
        if part == "uasyncio" and d != os.path.join(base, "uasyncio"):
            continue
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(d, f)
                out.append((path, os.path.relpath(path, base)))
    return out


def mpy_size(mpy_cross, path, name, arch):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "m.mpy")
        subprocess.run([mpy_cross, "-O3", "-march=" + arch, "-s", name, "-o", out, path], check=True)
        return os.path.getsize(out)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    mpy_cross = sys.argv[1]
    files, parts = {}, {}
    for part in PARTS:
        parts[part] = {a: 0 for a in ARCHS}
        for path, name in sources(part):
            sizes = {a: mpy_size(mpy_cross, path, name, a) for a in ARCHS}
            files[part + ":" + name] = sizes
            for a in ARCHS:
                parts[part][a] += sizes[a]
    profiles = {p: {a: sum(parts[x][a] for x in ps) for a in ARCHS} for p, ps in PROFILES.items()}
    print("%-36s %10s %8s" % ("file (.mpy bytes, -O3)", ARCHS[0], ARCHS[1]))
    for k, v in files.items():
        print("%-36s %10d %8d" % (k, v[ARCHS[0]], v[ARCHS[1]]))
    print()
    for k, v in parts.items():
        print("%-36s %10d %8d" % ("part " + k, v[ARCHS[0]], v[ARCHS[1]]))
    print()
    for k, v in profiles.items():
        print("%-36s %10d %8d" % ("profile " + k, v[ARCHS[0]], v[ARCHS[1]]))
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            json.dump({"files": files, "parts": parts, "profiles": profiles}, f, indent=1)


main()
