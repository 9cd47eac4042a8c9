#!/usr/bin/env python3
"""mip (micropython-lib's, unchanged) installs uaio's parts from their
package.json over HTTP on 127.0.0.1 (a local server of python/; no other
host): the lean package plus queues run on a lean firmware; the 2.x layer on
a lean C module is refused at import with an ImportError that says why.
Usage: test_mip.py LEAN_MICROPYTHON MICROPYTHON_LIB_DIR"""
import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
upy, mplib = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
failures = []


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


handler = functools.partial(Quiet, directory=os.path.join(ROOT, "python"))
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = "http://127.0.0.1:%d" % server.server_address[1]


def run(code, cwd):
    # cwd: '' (the current directory) comes before .frozen in the unix port's
    # sys.path, so the installed package is the one imported.
    r = subprocess.run([upy, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=60)
    return (r.stdout + r.stderr).strip()


def install(target, *parts):
    code = "import sys\nsys.path[:0] = [%r, %r]\nimport mip\n" % (
        os.path.join(mplib, "micropython", "mip"), os.path.join(mplib, "python-ecosys", "requests"))
    for p in parts:
        code += "mip.install(%r, target=%r)\n" % (base + "/" + p, target)
    out = run(code, target)
    if out.count("Done") != len(parts):
        failures.append("install %s: %s" % (parts, out))
    return out


def expect(name, out, want):
    ok = want in out
    print("%-40s %s" % (name, "ok" if ok else "FAIL"))
    if not ok:
        failures.append("%s: want %r in:\n%s" % (name, want, out))


with tempfile.TemporaryDirectory() as lib:
    install(lib, "package.json", "queues")
    expect("installed files", " ".join(sorted(os.path.relpath(os.path.join(d, f), lib)
                                              for d, _, fs in os.walk(lib) for f in fs)),
           "asyncio.py uasyncio/__init__.py uasyncio/core.py uasyncio/event.py uasyncio/funcs.py "
           "uasyncio/lock.py uasyncio/queues.py uasyncio/stream.py")
    out = run("""
import asyncio, uasyncio
from uasyncio.queues import Queue
print("from", uasyncio.__path__, asyncio.Queue is Queue)
async def main():
    q = Queue(1)
    async def producer():
        for i in range(3):
            await q.put(i)
    asyncio.create_task(producer())
    got = []
    for _ in range(3):
        got.append(await q.get())
    return got
print("got", asyncio.run(main()))
try:
    import uasyncio.synchro
except ImportError as e:
    print("ImportError", e)
""", lib)
    expect("queues from the filesystem", out, "from uasyncio True")
    expect("queues work", out, "got [0, 1, 2]")
    expect("a part not installed", out, "ImportError no module named 'uasyncio.synchro'")

with tempfile.TemporaryDirectory() as lib:
    install(lib, "package.json", "v2")
    out = run("import uasyncio", lib)
    expect("2.x layer on a lean C module", out,
           "ImportError: uaio: the 2.x layer needs _uaio built with UAIO_PROFILE=default or full")

server.shutdown()
if failures:
    print("\n".join(failures))
    sys.exit(1)
