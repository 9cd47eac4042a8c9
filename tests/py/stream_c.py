# The C Stream (_uaio.StreamIO): what streams.py does not reach. Its error
# paths (bad arguments, a closed stream, a reset while reading to EOF, a
# stream object without the stream protocol, a write() that returns a bad
# count); write() buffering (a mutable buffer is copied; awrite after a
# blocked write() keeps the order; nothing allocated when the socket takes
# it all); readexactly(0); `async with`; the read-only attributes; keyword
# arguments; a subclass. The C Stream is in UAIO_PROFILE=full only (the
# Python Stream of lean and default: stream_py.py): skipped elsewhere.
import _uaio
import micropython
import socket
import struct
import time
import uasyncio as asyncio

if not hasattr(_uaio, "StreamIO"):
    print("SKIP")
    raise SystemExit

_uid = time.ticks_us()


def pair(sndbuf=None):
    # A connected AF_UNIX pair (as bench/programs/pp.py makes it).
    addr = struct.pack("<H", socket.AF_UNIX) + b"\x00uaio-stream-c-%d" % _uid
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


def show(f, *args):
    try:
        r = f(*args)
        print("ok", r)
    except Exception as e:
        print(type(e).__name__, e)


async def ashow(aw):
    try:
        print("ok", await aw)
    except Exception as e:
        print(type(e).__name__, e)


class PyStream:
    # Not a stream object: write() says how much it took (None: blocked).
    def __init__(self, ret):
        self.ret = ret

    def write(self, buf):
        return self.ret


class MyStream(asyncio.Stream):
    def twice(self):
        return self.s, self.e


async def main():
    # Bad arguments.
    a, b = pair()
    ra, rb = asyncio.Stream(a, {"name": "a"}), asyncio.Stream(b)
    show(rb.readexactly, -1)
    show(rb.read, 1, 2)
    show(lambda: rb.read(x=1))
    show(lambda: rb.awrite())
    show(rb.awriteiter, 5)
    show(rb.awrite, b"abc", 4)  # offset past the end
    show(rb.awrite, b"abc", -1)
    show(rb.get_extra_info, "peername")
    print("get_extra_info", ra.get_extra_info("name"))
    show(setattr, ra, "s", None)
    print("s", ra.s is a, "e", ra.e)

    # readexactly(0), readexactly across writes, and read() to EOF of more
    # than one chunk.
    print("readexactly(0)", await rb.readexactly(0))
    ra.write(b"abc")
    await ra.drain()
    print("readexactly(3)", await rb.readexactly(3))
    await ra.awrite(buf=b"0123456789", off=1, sz=2)
    await ra.awrite(b"0123456789", sz=1)
    print("keywords", await rb.readexactly(n=2), await rb.read(n=1))
    ra.write(b"x" * 3000)
    ra.write(b"yz")
    await ra.drain()
    await ra.wait_closed()
    data = await rb.read()
    print("read() to EOF", len(data), data[-3:])
    await rb.wait_closed()

    # Closed: every operation raises OSError(EBADF).
    show(ra.write, b"x")
    show(ra.read, 1)
    show(ra.readinto, bytearray(1))
    show(ra.awrite, b"x")
    for aw in (ra.readline(), ra.read(), ra.readexactly(1)):
        await ashow(aw)
    await ra.aclose()  # closing twice is harmless
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
    show(wa.awrite, b"abc", 4)  # with data buffered: refused, nothing appended

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
    addr = socket.getaddrinfo("127.0.0.1", 18531)[0][-1]
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
    show(asyncio.Stream(PyStream(2)).write, b"ab")
    show(asyncio.Stream(PyStream(5)).write, b"ab")
    show(asyncio.Stream(PyStream(-1)).write, b"ab")
    w = asyncio.Stream(PyStream(None))
    show(w.write, b"ab")
    show(w.write, b"cd")  # appended to what is buffered
    await ashow(asyncio.Stream(PyStream(0)).read())
    await ashow(asyncio.Stream(PyStream(0)).read(1))

    # write() that the socket takes whole, drain() after it and readinto()
    # of data that is there allocate nothing.
    a, b = pair()
    wa, rb = asyncio.Stream(a), asyncio.Stream(b)
    buf = bytearray(2)
    got = []
    micropython.heap_lock()
    try:
        for i in range(3):
            wa.write(b"xy")
            await wa.drain()
            got.append(await rb.readinto(buf))
    finally:
        micropython.heap_unlock()
    print("no allocation", got, buf)
    await wa.aclose()
    await rb.aclose()

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
