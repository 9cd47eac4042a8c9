# The C Stream (_uaio.StreamIO) where it differs from the Python one:
# argument checks at the call, the read-only attributes, an awrite() refused
# while write() data is buffered, and nothing allocated by a write() the
# socket takes whole, drain() after it, and readinto() of data that is
# there. What both Streams do is in stream_py.py (it runs on this one too).
# The C Stream is in UAIO_PROFILE=full only: skipped elsewhere.
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


async def main():
    # Bad arguments, and the read-only `s`.
    a, b = pair()
    ra, rb = asyncio.Stream(a), asyncio.Stream(b)
    show(rb.read, 1, 2)
    show(lambda: rb.read(x=1))
    show(lambda: rb.awrite())
    show(rb.awriteiter, 5)
    show(setattr, ra, "s", None)
    await ra.aclose()
    await rb.aclose()

    # With write() data buffered, an awrite() of a bad range is refused at
    # the call and appends nothing.
    a, b = pair(sndbuf=4096)
    wa, rb = asyncio.Stream(a), asyncio.Stream(b)
    wa.write(b"f" * 50000)  # more than the socket takes: the rest is buffered
    show(wa.awrite, b"abc", 4)

    async def close_after_drain():
        await wa.drain()
        await wa.aclose()

    t = asyncio.create_task(close_after_drain())
    print("buffered", len(await rb.read()))
    await t
    await rb.aclose()

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


asyncio.run(main())
