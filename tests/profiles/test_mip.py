#!/usr/bin/env python3
"""mip (micropython-lib's, unchanged) installs uaio's parts from their
package.json over HTTP on 127.0.0.1 (a local server of python/; no other
host): the lean package plus queues run on a lean firmware, as do the other
subpackages (none needs the 2.x layer); the 2.x layer on
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
           "asyncio.py uasyncio/__init__.py uasyncio/core.py uasyncio/queues.py uasyncio/stream.py")
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

# Every subpackage runs on the lean C module (none needs the 2.x layer).
with tempfile.TemporaryDirectory() as lib:
    install(lib, "package.json", "semaphore", "synchro", "udp", "websocket")
    out = run("""
import asyncio
from uasyncio.synchro import Lock
from uasyncio.websocket.server import WSReader, WSWriter, accept_key
import uasyncio.udp as udp
async def main():
    sem, lock, log = asyncio.BoundedSemaphore(1), Lock(), []
    async def worker(i):
        async with sem:
            async with lock:
                log.append((i, lock.locked))
            await asyncio.sleep_ms(1)
    await asyncio.gather(*[worker(i) for i in range(3)])
    import socket
    addr = socket.getaddrinfo("127.0.0.1", 18493)[0][-1]
    s = udp.socket()
    s.bind(addr)
    await udp.sendto(s, b"ping", addr)
    log.append((await udp.recvfrom(s, 10))[0])
    await udp.close(s)
    return log
print("subpackages", asyncio.run(main()), accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="))
""", lib)
    expect("subpackages on lean C", out,
           "subpackages [(0, True), (1, True), (2, True), b'ping'] b's3pPLMBiTxaQ9kYGzzhZRbK+xOo='")

with tempfile.TemporaryDirectory() as lib:
    install(lib, "package.json", "v2")
    out = run("import uasyncio", lib)
    expect("2.x layer on a lean C module", out,
           "ImportError: uaio: 2.x needs UAIO_PROFILE=default or full")

server.shutdown()
if failures:
    print("\n".join(failures))
    sys.exit(1)
