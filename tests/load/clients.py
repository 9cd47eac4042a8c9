#!/usr/bin/env python3
# Load test clients (CPython 3): many concurrent TCP connections to the echo
# server, each sending messages of random size and content and checking that
# every byte comes back, in order, and nothing more.
#
#   clients.py --micropython build/unix/micropython   # starts the server too
#   clients.py --port P                                # against a running server
#
# With --micropython, the server (tests/load/echo_server.py) runs in its own
# process on a free loopback port; its memory figures are checked too. Exits
# nonzero on any mismatch, lost or extra byte, server error, or a memory
# difference above the tolerance.
import argparse
import asyncio
import os
import random
import resource
import socket
import subprocess
import sys
import time
from itertools import islice

HOST = "127.0.0.1"
SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "echo_server.py")


class Failure(Exception):
    pass


def messages(i, args):
    # Connection i's messages; the same sequence each time it is asked for.
    rng = random.Random("%d-%d" % (args.seed, i))
    for _ in range(args.messages):
        yield rng.randbytes(rng.randint(1, args.max_size))


async def client(i, args, stats):
    # Client i's messages, over `reconnect` connections one after the other
    # (a closed socket's fd number then serves a new one).
    wmsgs, rmsgs = messages(i, args), messages(i, args)
    for c in range(args.reconnect):
        n = args.messages // args.reconnect + (1 if c < args.messages % args.reconnect else 0)
        await connection("conn %d.%d" % (i, c), islice(wmsgs, n), islice(rmsgs, n), args, stats)


async def connection(name, wmsgs, rmsgs, args, stats):
    r, w = await asyncio.open_connection(HOST, args.port)
    writer = None
    try:
        if args.pipeline:
            # Everything written without waiting for the echoes; reading
            # starts late, so that the server's writes fill up and block.
            async def write_all():
                for msg in wmsgs:
                    w.write(msg)
                    await w.drain()
            writer = asyncio.create_task(write_all())
            await asyncio.sleep(random.Random(name).random() * 0.1)
        for k, msg in enumerate(rmsgs):
            if writer is None:
                w.write(next(wmsgs))
            try:
                got = await r.readexactly(len(msg))
            except asyncio.IncompleteReadError as e:
                raise Failure("%s msg %d: EOF after %d of %d bytes" % (name, k, len(e.partial), len(msg)))
            if got != msg:
                at = next(j for j in range(len(msg)) if got[j] != msg[j])
                raise Failure("%s msg %d: byte %d of %d differs" % (name, k, at, len(msg)))
            stats[0] += 1
            stats[1] += len(msg)
        if writer is not None:
            await writer
        # Nothing more may come back: after our EOF the server's is next.
        w.write_eof()
        extra = await r.read()
        if extra:
            raise Failure("%s: %d extra bytes after the last message" % (name, len(extra)))
    finally:
        if writer is not None:
            writer.cancel()
        w.close()
        try:
            await w.wait_closed()
        except OSError:
            pass


async def run_clients(args, stats):
    results = await asyncio.gather(*(client(i, args, stats) for i in range(args.conns)), return_exceptions=True)
    return [e for e in results if e is not None]


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        new = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        if new < need:
            sys.exit("need %d file descriptors, the hard limit is %d" % (need, hard))


def main():
    ap = argparse.ArgumentParser(description="Load test clients for the uaio echo server")
    ap.add_argument("--micropython", help="start the echo server with this binary")
    ap.add_argument("--server", default=SERVER, help="the server script (default: %(default)s)")
    ap.add_argument("--port", type=int, help="port of a running server (default: a free one)")
    ap.add_argument("--conns", type=int, default=200)
    ap.add_argument("--messages", type=int, default=500)
    ap.add_argument("--max-size", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reconnect", type=int, default=1, help="connections per client, one after the other")
    ap.add_argument("--pipeline", action="store_true", help="write all messages without waiting for echoes")
    ap.add_argument("--server-sndbuf", type=int, default=0, help="SO_SNDBUF of the server's sockets (0: default)")
    ap.add_argument("--mem-tolerance", type=float, default=5.0, help="percent")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds, for the whole run")
    args = ap.parse_args()
    raise_fd_limit(max(512, 2 * args.conns + 64))  # clients here, server (a child) too

    server = None
    if args.micropython:
        args.port = args.port or free_port()
        server = subprocess.Popen([args.micropython, args.server, str(args.port), str(args.conns * args.reconnect),
                                   str(args.server_sndbuf)],
                                  stdout=subprocess.PIPE, text=True)
        line = server.stdout.readline()
        if line.strip() != "READY":
            server.kill()
            sys.exit("server did not start: %r" % line)
    elif not args.port:
        sys.exit("give --micropython or --port")

    print("%d concurrent clients x %d messages of 1..%d random bytes, seed %d, port %d%s%s"
          % (args.conns, args.messages, args.max_size, args.seed, args.port,
             ", %d connections each" % args.reconnect if args.reconnect > 1 else "",
             ", pipelined" if args.pipeline else ""))
    failed = []
    stats = [0, 0]  # messages, bytes echoed
    t0 = time.monotonic()
    try:
        errors = asyncio.run(asyncio.wait_for(run_clients(args, stats), args.timeout))
    except asyncio.TimeoutError:
        errors = ["timed out after %.0f s" % args.timeout]
    elapsed = time.monotonic() - t0
    for e in errors[:10]:
        failed.append("client: %s" % (e,))
    if len(errors) > 10:
        failed.append("... %d client errors in all" % len(errors))
    expected = args.conns * args.messages
    if stats[0] != expected:
        failed.append("%d of %d messages echoed" % (stats[0], expected))
    print("messages: %d in %.2f s: %.0f messages/s, %.2f MB/s echoed (%.0f bytes/s)"
          % (stats[0], elapsed, stats[0] / elapsed, stats[1] / elapsed / 1e6, stats[1] / elapsed))

    if server is not None:
        try:
            out, _ = server.communicate(timeout=10 if not errors else 1)
        except subprocess.TimeoutExpired:
            server.kill()
            out, _ = server.communicate()
            failed.append("server did not finish")
        report = {}
        for line in out.splitlines():
            words = line.split()
            if words and words[0] in ("MEM", "SERVED"):
                report[words[0]] = [int(w) for w in words[1:]]
            else:
                print("server:", line)
        if server.returncode:
            failed.append("server exited with %d" % server.returncode)
        if "SERVED" in report:
            conns, nbytes, errs = report["SERVED"]
            print("server: %d connections served, %d bytes echoed, %d handler errors" % (conns, nbytes, errs))
            if errs or conns != args.conns * args.reconnect or nbytes != stats[1]:
                failed.append("server served %d connections, %d bytes, %d errors" % (conns, nbytes, errs))
        if "MEM" in report:
            before, after = report["MEM"]
            diff = 100.0 * (after - before) / before
            print("server gc.mem_free(): before %d, after %d (%+.2f %%)" % (before, after, diff))
            if abs(diff) > args.mem_tolerance:
                failed.append("server memory differs by %.2f %% (> %.1f %%)" % (diff, args.mem_tolerance))
        else:
            failed.append("no memory figures from the server")

    for f in failed:
        print("FAIL:", f)
    if failed:
        sys.exit(1)
    print("load: OK")


if __name__ == "__main__":
    main()
