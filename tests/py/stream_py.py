# The Stream API as both Streams give it (the C one of UAIO_PROFILE=full,
# the Python one of lean and default: uasyncio/stream.py), with one expected
# output: bad arguments, a closed stream, write() buffering (a mutable
# buffer is copied; what write() buffered goes before a later awrite()), a
# write() that returns a bad count, an object without the stream protocol,
# readexactly(0), keywords, read() to EOF, a reset while reading, `async
# with`, a subclass. Errors are shown whether the call or the await raises
# (the C Stream checks some at the call).
import socket
import struct
import time
import uasyncio as asyncio

_uid = time.ticks_us()


def pair(sndbuf=None):
    # A connected AF_UNIX pair (as bench/programs/pp.py makes it).
    addr = struct.pack("<H", socket.AF_UNIX) + b"\x00uaio-stream-py-%d" % _uid
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(addr)
    ls.listen(1)
    a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if sndbuf:
        a.setsockopt(socket.SOL_SOCKET, 7, sndbuf)  # SO_SNDBUF (Linux)
    a.connect(addr)
    b, _ = ls.accept()
    ls.close()
    a.setblocking(False)
    b.setblocking(False)
    return a, b


async def show(f, *args):
    # f(*args), awaited if it gives an awaitable.
    try:
        r = f(*args)
        if r is not None:
            r = await r
        print("ok", r)
    except Exception as e:
        print(type(e).__name__, e)


class PyStream:
    # Not a stream object: write() says how much it took (None: blocked).
    def __init__(self, ret):
        self.ret = ret

    def write(self, buf):
        return self.ret


class Wrap:
    # Reads and writes through a socket it wraps (as a protocol layer's
    # Stream does): its readiness is the socket's, given as `poll`.
    def __init__(self, s):
        self.sock = s

    def read(self, n=-1):
        return self.sock.read(n)

    def write(self, buf):
        return self.sock.write(buf)

    def close(self):
        print("Wrap.close")
        self.sock.close()


class MyStream(asyncio.Stream):
    def twice(self):
        return self.s, self.e


async def main():
    a, b = pair()
    ra, rb = asyncio.Stream(a, {"name": "a"}), asyncio.Stream(b)
    await show(rb.readexactly, -1)
    await show(rb.awrite, b"abc", 4)  # offset past the end
    await show(rb.awrite, b"abc", -1)
    await show(rb.get_extra_info, "peername")
    print("get_extra_info", ra.get_extra_info("name"))
    print("s", ra.s is a, "e", ra.e, asyncio.Stream(a).e)

    print("readexactly(0)", await rb.readexactly(0))
    ra.write(b"abc")
    await ra.drain()
    print("readexactly(3)", await rb.readexactly(3))
    await ra.awrite(buf=b"0123456789", off=1, sz=2)
    await ra.awrite(b"0123456789", sz=1)
    print("keywords", await rb.readexactly(n=2), await rb.read(n=1))
    await ra.awriteiter([b"i", bytearray(b"t"), memoryview(b"er")])
    print("awriteiter", await rb.readexactly(4))
    ra.write(b"x" * 3000)
    ra.write(b"yz")
    await ra.drain()
    await ra.wait_closed()
    data = await rb.read()
    print("read() to EOF", len(data), data[-3:])
    await rb.wait_closed()

    # Closed: every operation raises OSError(EBADF); closing again is harmless.
    for f, args in (
        (ra.write, (b"x",)),
        (ra.read, (1,)),
        (ra.readinto, (bytearray(1),)),
        (ra.awrite, (b"x",)),
        (ra.readline, ()),
        (ra.read, ()),
        (ra.readexactly, (1,)),
    ):
        await show(f, *args)
    await ra.aclose()
    ra.close()
    print("s after close", ra.s)

    # A buffered mutable buffer is copied; awrite() after a blocked write()
    # sends what write() buffered first.
    a, b = pair(sndbuf=4096)
    wa, rb = asyncio.Stream(a), asyncio.Stream(b)
    big = bytearray(b"f" * 50000)
    wa.write(big)  # more than the socket takes: the rest is copied and buffered
    big[-1] = ord("!")
    buf = bytearray(b"mutable")
    wa.write(buf)  # appended to what is buffered
    buf[:] = b"CHANGED"

    async def drain_then_awrite():
        await wa.awrite(b"0123456789", 2, 3)
        await wa.aclose()

    t = asyncio.create_task(drain_then_awrite())
    data = await rb.read()
    await t
    print("buffered", len(data), data[len(big) - 1 :])
    await rb.aclose()

    # A reset while reading to EOF: OSError (ECONNRESET).
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    addr = socket.getaddrinfo("127.0.0.1", 18532)[0][-1]
    srv.bind(addr)
    srv.listen(1)
    c = socket.socket()
    c.connect(addr)
    s, _ = srv.accept()
    srv.close()
    s.setblocking(False)
    c.send(b"partial")
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()  # RST
    await asyncio.sleep_ms(20)
    rs = asyncio.Stream(s)
    try:
        print("read() after a reset", await rs.read())
    except OSError as e:
        print("read() after a reset: OSError", e.errno == 104)
    await rs.aclose()

    # Not a stream object: write() works through its write() method; a bad
    # count from it is an error; reading waits for readiness first, which
    # needs the stream protocol (TypeError).
    await show(asyncio.Stream(PyStream(2)).write, b"ab")
    await show(asyncio.Stream(PyStream(5)).write, b"ab")
    await show(asyncio.Stream(PyStream(-1)).write, b"ab")
    w = asyncio.Stream(PyStream(None))
    await show(w.write, b"ab")
    await show(w.write, b"cd")  # appended to what is buffered
    await show(w.write, "ef")  # a str, as bytes
    await show(asyncio.Stream(PyStream(0)).read)
    await show(asyncio.Stream(PyStream(0)).read, 1)

    # `poll`: readiness of another object than the stream's own.
    a, b = pair()
    wa, ws = asyncio.Stream(a), asyncio.Stream(Wrap(b), {}, poll=b)

    async def read2():
        return await ws.read(2)

    t = asyncio.create_task(read2())
    await asyncio.sleep_ms(5)
    print("poll: waits", not t.done())
    wa.write(b"hi")
    print("poll: read", await t)
    ws.write(b"yo")
    await ws.drain()
    print("poll: wrote", await wa.read(2))
    await ws.wait_closed()
    print("poll: closed", ws.s)
    await wa.aclose()

    # `async with`, and a subclass.
    a, b = pair()
    async with asyncio.Stream(a) as st:
        print("async with", st.s is a)
        await st.awrite(b"with")
    print("closed by __aexit__", st.s)
    rb = asyncio.Stream(b)
    print("read", await rb.read())
    await rb.aclose()
    a, b = pair()
    ms = MyStream(a, {"k": 1})
    print("subclass", type(ms).__name__, ms.twice() == (a, {"k": 1}))
    ms.write(b"sub")
    await ms.drain()
    await ms.wait_closed()
    rb = asyncio.Stream(b)
    print("subclass wrote", await rb.read(), ms.s)
    await rb.aclose()


asyncio.run(main())
