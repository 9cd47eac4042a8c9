# Streams over objects without a file descriptor: what uaio does beyond
# (or unlike) stock MicroPython, so the expected output is reasoned, not
# taken from stock (docs/DIFFERENCES.md, "Streams without a file
# descriptor"). 2.x IORead/IOWrite wait through the same readiness path;
# readline/readexactly/read() of a text stream give str (stock: bytes, or
# TypeError); readinto() answering None waits again (stock returns None);
# write() on a busy device buffers it all (stock writes at once); write()
# while a write is in flight waits behind it (stock can lose it);
# a cancel ends an awrite() (write() then goes at once again); the error
# paths of the slow path (no allocation on the RingIO paths:
# heaplock_stream_nofd.py).
import io
import time
import uasyncio as asyncio
from uasyncio.core import IORead, IOWrite

MP_STREAM_POLL = 3
POLL_RD = 1
POLL_WR = 4


class Dev(io.IOBase):
    # Readiness is whatever the test sets; read()/write() log their calls.
    def __init__(self, text=False):
        self.rd = self.wr = False
        self.got = b""
        self.chunks = ["ab", "c\n", "de", "f", ""] if text else None

    def ioctl(self, req, arg):
        if req != MP_STREAM_POLL:
            return -22
        return (arg & POLL_RD if self.rd else 0) | (arg & POLL_WR if self.wr else 0)

    def read(self, n=-1):
        return self.chunks.pop(0) if self.chunks else ""

    def readline(self):
        return self.read()

    def write(self, buf):
        self.got += bytes(buf[:1])  # one byte at a time
        return 1


class NoneThenData(io.IOBase):
    # readinto() says "would block" (None) the first time.
    def __init__(self):
        self.calls = 0

    def ioctl(self, req, arg):
        return arg & POLL_RD if req == MP_STREAM_POLL else -22

    def readinto(self, buf):
        self.calls += 1
        if self.calls == 1:
            return None
        buf[0] = 0x41
        return 1


class Bad(io.IOBase):
    # Always ready; its read and write misbehave.
    def __init__(self, wret=None, exc=None):
        self.wret, self.exc = wret, exc

    def ioctl(self, req, arg):
        return arg & (POLL_RD | POLL_WR) if req == MP_STREAM_POLL else -22

    def read(self, n=-1):
        if self.exc:
            raise self.exc
        return b""

    def write(self, buf):
        if self.exc:
            raise self.exc
        return self.wret


async def awrite(w, data):
    await w.awrite(data)


async def show(aw):
    try:
        print(" ok", await asyncio.wait_for(aw, 1))
    except Exception as e:
        print(" " + type(e).__name__, e)


def v2_waits(d, rw, log):
    # 2.x: yield IORead / IOWrite
    yield (IORead if rw == "r" else IOWrite)(d)
    log.append(rw)


async def main():
    print("2.x IORead / IOWrite wait for ioctl readiness")
    d = Dev()
    log = []
    loop = asyncio.get_event_loop()
    loop.create_task(v2_waits(d, "r", log))
    loop.create_task(v2_waits(d, "w", log))
    await asyncio.sleep_ms(20)
    print(" before ready", log)
    d.wr = True
    await asyncio.sleep_ms(10)
    d.rd = True
    await asyncio.sleep_ms(10)
    print(" after", log)

    print("a text stream: readline, readexactly, read() to EOF give str")
    d = Dev(text=True)
    d.rd = True
    r = asyncio.StreamReader(d)
    print(" readline", repr(await r.readline()))
    d = Dev(text=True)
    d.rd = True
    print(" readexactly(4)", repr(await asyncio.StreamReader(d).readexactly(4)))
    d = Dev(text=True)
    d.rd = True
    print(" read()", repr(await asyncio.StreamReader(d).read()))

    print("readinto() answering None waits again")
    nd = NoneThenData()
    buf = bytearray(2)
    print(" readinto", await asyncio.StreamReader(nd).readinto(buf), buf, "calls", nd.calls)

    print("write() while an awrite() is in flight waits behind it")
    d = Dev()
    w = asyncio.StreamWriter(d, {})
    t = asyncio.create_task(awrite(w, b"abc"))
    await asyncio.sleep_ms(5)  # t waits: not writable
    w.write(b"XYZ")
    print(" queued, not written", d.got)
    await w.drain()  # yields once: the awrite in flight sends it
    d.wr = True
    await asyncio.wait_for(t, 1)
    print(" sent", d.got)

    print("write() on a busy device buffers all of it")
    d = Dev()
    w = asyncio.StreamWriter(d, {})
    w.write(b"ab")
    print(" written at once", d.got)
    d.wr = True
    await asyncio.wait_for(w.drain(), 1)
    print(" after drain", d.got)

    print("a cancelled awrite() is not in flight any more")
    d = Dev()
    w = asyncio.StreamWriter(d, {})
    t = asyncio.create_task(awrite(w, b"abc"))
    await asyncio.sleep_ms(5)
    t.cancel()
    await asyncio.sleep_ms(5)
    d.wr = True
    w.write(b"Q")
    print(" write() went at once", d.got)

    print("error paths of the slow path")
    await show(asyncio.StreamReader(Bad()).readexactly(3))  # EOF first
    await show(asyncio.StreamReader(Bad(exc=OSError(5))).read(1))
    await show(asyncio.StreamReader(Bad(exc=OSError(5))).readexactly(2))
    w = asyncio.StreamWriter(Bad(wret=7), {})
    await show(w.awrite(b"ab"))  # a count over what it was given
    w = asyncio.StreamWriter(Bad(wret=-1), {})
    await show(w.awrite(b"ab"))
    w = asyncio.StreamWriter(Bad(exc=OSError(5)), {})
    await show(w.awrite(b"ab"))
    try:
        w.write(b"x")  # the failed awrite is not in flight: tried at once
    except OSError as e:
        print(" write() tried at once:", e)


asyncio.run(main())
