# Streams over loopback TCP: start_server awaited (modern) and scheduled
# with loop.create_task (2.x); open_connection; read(n), read()/read(-1) to
# EOF, readline (partial tail at EOF, then b""), readexactly (EOFError),
# readinto, awrite(buf, off, sz), awriteiter, write/drain, get_extra_info,
# aclose/close/wait_closed (twice is harmless); a task cancelled or timed out
# while reading leaves no stale registration behind.
import time
import _uaio
import uasyncio as asyncio

HOST = "127.0.0.1"
PORT = 18471
PORT_2X = 18472
PORT_BACKLOG = 18473
BIG = 200000

go = asyncio.Event()


async def handler(reader, writer):
    cmd = (await reader.readline()).strip()
    if cmd == b"echo":
        await writer.awrite(await reader.readline())
    elif cmd == b"lines":
        await writer.awrite(b"line1\nline2\npartial")
    elif cmd == b"chunks":
        for part in (b"one ", b"two ", b"three"):
            writer.write(part)
            await writer.drain()
            await asyncio.sleep_ms(10)
    elif cmd == b"split":
        for part in (b"spl", b"it\nnext", b" line\n"):
            await writer.awrite(part)
            await asyncio.sleep_ms(10)
    elif cmd == b"short":
        await writer.awrite(b"abc")
    elif cmd == b"digits":
        await writer.awrite(b"0123456789")
    elif cmd == b"awrite":
        await writer.awrite(b"0123456789", 2, 3)
        await writer.awrite(b"0123456789", 7)
        await writer.awrite(b"0123456789", 0, 1)
        await writer.awrite(b"|")
        await writer.awriteiter([b"a", b"bc", b"", b"d"])
    elif cmd == b"peer":
        await writer.awrite(b"yes\n" if writer.get_extra_info("peername") is not None else b"no\n")
    elif cmd == b"upload":
        data = await reader.readexactly(BIG)
        await writer.awrite(str(len(data)).encode() + (b" ok\n" if data == b"u" * BIG else b" bad\n"))
    elif cmd == b"download":
        await writer.awrite(b"d" * BIG)
    elif cmd == b"late":
        await go.wait()
        await writer.awrite(b"late data")
    await writer.aclose()
    await writer.aclose()  # twice is harmless


async def connect(cmd, port=PORT):
    reader, writer = await asyncio.open_connection(HOST, port)
    await writer.awrite(cmd + b"\n")
    return reader, writer


async def close(reader, writer):
    writer.close()
    await writer.wait_closed()
    await writer.wait_closed()
    await reader.aclose()


async def main():
    server = await asyncio.start_server(handler, HOST, PORT, backlog=64)

    # write/drain, read(n), then b"" at EOF; close twice, after EOF.
    reader, writer = await asyncio.open_connection(HOST, PORT)
    writer.write(b"echo\n")
    writer.write(b"hello\n")
    await writer.drain()
    print("read(100)", await reader.read(100))
    print("read(100) at EOF", await reader.read(100), await reader.read(100))
    await close(reader, writer)

    # readline: lines, the partial tail at EOF, then b"".
    reader, writer = await connect(b"lines")
    lines = []
    for i in range(5):
        lines.append(await reader.readline())
    print("readline", lines)
    await close(reader, writer)

    # Lines that arrive in pieces.
    reader, writer = await connect(b"split")
    lines = []
    for i in range(3):
        lines.append(await reader.readline())
    print("readline across writes", lines)
    await close(reader, writer)

    # read() and read(-1): everything up to EOF, across several writes.
    reader, writer = await connect(b"chunks")
    print("read()", await reader.read())
    await close(reader, writer)
    reader, writer = await connect(b"chunks")
    print("read(-1)", await reader.read(-1))
    await close(reader, writer)

    # readexactly: exact, then EOFError when EOF comes first.
    reader, writer = await connect(b"short")
    print("readexactly(2)", await reader.readexactly(2))
    try:
        print("readexactly(5)", await reader.readexactly(5))
    except EOFError:
        print("readexactly(5) EOFError")
    await close(reader, writer)

    # read(n) returns what is available up to n; readinto.
    reader, writer = await connect(b"digits")
    await asyncio.sleep_ms(20)  # all ten bytes have arrived
    print("read(3)", await reader.read(3))
    buf = bytearray(4)
    n = await reader.readinto(buf)
    print("readinto", n, buf)
    print("rest", await reader.read(100))
    await close(reader, writer)

    # awrite(buf, off, sz) and awriteiter.
    reader, writer = await connect(b"awrite")
    print("awrite/awriteiter", await reader.read())
    await close(reader, writer)

    # get_extra_info("peername") on both sides.
    reader, writer = await connect(b"peer")
    print("server peername", await reader.readline(), "client peername", writer.get_extra_info("peername") is not None)
    await close(reader, writer)

    # More than a socket buffer, both ways.
    reader, writer = await connect(b"upload")
    await writer.awrite(b"u" * BIG)
    print("upload", await reader.readline())
    await close(reader, writer)
    reader, writer = await connect(b"download")
    data = await reader.read()
    print("download", len(data), data == b"d" * BIG)
    await close(reader, writer)

    # Many connections at once (no fixed capacity for I/O waits).
    async def one(i):
        reader, writer = await connect(b"echo")
        await asyncio.sleep_ms(5)
        await writer.awrite(b"client %d\n" % i)
        line = await reader.readline()
        await close(reader, writer)
        return line == b"client %d\n" % i

    results = await asyncio.gather(*[one(i) for i in range(40)])
    print("40 concurrent connections", results.count(True))

    # No stale registration after a cancelled or timed-out read.
    reader, writer = await connect(b"late")
    await asyncio.sleep_ms(20)
    base = _uaio.counts()[2]
    ev = asyncio.Event()
    state = []

    async def reads_then_waits():
        try:
            state.append(("read returned", await reader.read(100)))
        except asyncio.CancelledError:
            state.append("read cancelled")
        await ev.wait()
        state.append(("woke, event set:", ev.is_set()))

    t = asyncio.create_task(reads_then_waits())
    await asyncio.sleep_ms(10)
    waiting = _uaio.counts()[2] - base
    t.cancel()
    await asyncio.sleep_ms(10)
    print("I/O registrations: while reading", waiting, "after cancel", _uaio.counts()[2] - base)
    try:
        await asyncio.wait_for_ms(reader.read(100), 20)
    except asyncio.TimeoutError:
        print("read timed out")
    await asyncio.sleep_ms(10)
    print("after the timeout", _uaio.counts()[2] - base)
    go.set()  # the server now sends
    t0 = time.ticks_ms()
    await asyncio.sleep_ms(30)
    print("readiness woke nobody", state, time.ticks_diff(time.ticks_ms(), t0) >= 30)
    print("the data is still there", await reader.read(100), await reader.read(100))
    ev.set()
    await asyncio.sleep_ms(10)
    print(state)
    await close(reader, writer)

    server.close()
    await server.wait_closed()
    await asyncio.sleep_ms(10)
    print("all clear", _uaio.counts())

    # 2.x: start_server scheduled with loop.create_task.
    loop = asyncio.get_event_loop()
    loop.create_task(asyncio.start_server(handler, HOST, PORT_2X))
    await asyncio.sleep_ms(20)
    reader, writer = await connect(b"echo", PORT_2X)
    await writer.awrite(b"2.x style\n")
    print("2.x server", await reader.readline())
    await reader.aclose()
    await writer.aclose()

    # The default backlog is 10: ten connections made while the server's task
    # cannot run all complete (Linux holds backlog + 1 before any accept).
    import select
    import socket

    server = await asyncio.start_server(handler, HOST, PORT_BACKLOG)
    await asyncio.sleep_ms(5)
    addr = socket.getaddrinfo(HOST, PORT_BACKLOG)[0][-1]
    socks = []
    poller = select.poll()
    for i in range(10):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(addr)
        except OSError:
            pass
        socks.append(s)
        poller.register(s, select.POLLOUT)
    connected = set()
    t0 = time.ticks_ms()
    while len(connected) < 10 and time.ticks_diff(time.ticks_ms(), t0) < 200:
        for s, ev in poller.poll(20):
            if ev & select.POLLOUT:
                connected.add(id(s))
                poller.unregister(s)
    print("default backlog: connected before any accept", len(connected))
    for s in socks:
        s.close()
    server.close()
    await server.wait_closed()
    print("StreamReader/StreamWriter names", hasattr(asyncio, "StreamReader"), hasattr(asyncio, "StreamWriter"))


asyncio.run(main())
