# Streams over objects without a file descriptor (micropython.RingIO, Python
# drivers on io.IOBase): readiness comes only from ioctl(MP_STREAM_POLL), so
# each read and write must wait for it first, call the object's own method
# and return what it returns. One case per failure reported in uaio issue 11;
# only the API shared with stock MicroPython, whose output is the .exp.
import io
import time
import asyncio

try:
    from micropython import RingIO
except ImportError:
    RingIO = None

MP_STREAM_POLL = 3
POLL_RD = 1
POLL_WR = 4


class OneByteUart(io.IOBase):
    # A UART with a one-byte FIFO: write() takes one byte; until it is sent
    # the device is not writable, and a write meanwhile overwrites the FIFO
    # (as a TX data register does). A byte goes out between two polls.
    def __init__(self):
        self.fifo = None
        self.sent = b""

    def write(self, buf):
        self.fifo = bytes(buf[:1])
        return 1

    def ioctl(self, req, arg):
        if req != MP_STREAM_POLL:
            return -22  # EINVAL
        if self.fifo is not None:
            self.sent += self.fifo  # sent now; writable at the next poll
            self.fifo = None
            return 0
        return arg & POLL_WR


class Adc(io.IOBase):
    # read() always answers (the last sample); only ioctl says when a new
    # sample is there.
    def __init__(self):
        self.sample = 0
        self.fresh = False

    def read(self, n=-1):
        self.fresh = False
        return b"s%d" % self.sample

    def readinto(self, buf):
        d = self.read()
        buf[: len(d)] = d
        return len(d)

    def ioctl(self, req, arg):
        if req != MP_STREAM_POLL:
            return -22
        return arg & POLL_RD if self.fresh else 0

    def new_sample(self):
        self.sample += 1
        self.fresh = True


class ReadOnly(io.IOBase):
    # Defines read() only (no readinto).
    def __init__(self, data):
        self.data = data

    def read(self, n=-1):
        if n < 0:
            n = len(self.data)
        d, self.data = self.data[:n], self.data[n:]
        return d

    def ioctl(self, req, arg):
        return arg & POLL_RD if req == MP_STREAM_POLL else -22


class TextDev(io.IOBase):
    # A text stream: read() and readline() give str.
    def __init__(self, text):
        self.text = text

    def read(self, n=-1):
        if n < 0:
            n = len(self.text)
        d, self.text = self.text[:n], self.text[n:]
        return d

    def readinto(self, buf):
        d = self.read(len(buf)).encode()
        buf[: len(d)] = d
        return len(d)

    def ioctl(self, req, arg):
        return arg & POLL_RD if req == MP_STREAM_POLL else -22


class Sink(io.IOBase):
    # Always writable, takes everything (stdout, a fast UART).
    def __init__(self):
        self.n = 0

    def write(self, buf):
        self.n += len(buf)
        return len(buf)

    def ioctl(self, req, arg):
        return arg & POLL_WR if req == MP_STREAM_POLL else -22


class Later(io.IOBase):
    # Readable once `ms` have passed; nothing else wakes the loop.
    def __init__(self, ms):
        self.at = time.ticks_add(time.ticks_ms(), ms)
        self.polls = 0

    def read(self, n=-1):
        return b"late"

    def ioctl(self, req, arg):
        if req != MP_STREAM_POLL:
            return -22
        self.polls += 1
        return arg & POLL_RD if time.ticks_diff(time.ticks_ms(), self.at) >= 0 else 0


async def waits(aw, feed):
    # Runs `aw` as a task: has it finished before `feed()` made data
    # available? Then its result.
    out = []

    async def run():
        out.append(await aw)

    t = asyncio.create_task(run())
    await asyncio.sleep_ms(20)
    print(" waited for data:", not out)
    feed()
    await asyncio.wait_for(t, 1)
    return out[0]


async def lost_bytes():
    print("bytes not lost: write() then drain() on a one-byte FIFO")
    u = OneByteUart()
    w = asyncio.StreamWriter(u, {})
    w.write(b"Hello\n")
    await asyncio.wait_for(w.drain(), 1)
    await asyncio.sleep_ms(5)
    print(" sent", u.sent + (u.fifo or b""))
    u = OneByteUart()
    w = asyncio.StreamWriter(u, {})
    await asyncio.wait_for(w.awrite(b"Hello\n"), 1)
    await asyncio.sleep_ms(5)
    print(" awrite sent", u.sent + (u.fifo or b""))


async def ioctl_only():
    print("a driver that signals readiness only through ioctl")
    adc = Adc()
    r = asyncio.StreamReader(adc)
    print(" read", await waits(r.read(4), adc.new_sample))
    print(" read", await waits(r.read(4), adc.new_sample))


async def read_only():
    print("an IOBase with read() only")
    r = asyncio.StreamReader(ReadOnly(b"abcdef"))
    print(" read(2)", await r.read(2))
    print(" readexactly(3)", await r.readexactly(3))
    print(" read()", await r.read())


async def text():
    print("a text stream gives str")
    r = asyncio.StreamReader(TextDev("hi\nthere\n"))
    cmd = ""
    cmd += await r.read(1)  # as micropython-lib's aiorepl does
    cmd += await r.read(1)
    print(" read(1) twice", repr(cmd))
    print(" read(3)", repr(await r.read(3)))
    name = "/tmp/uaio_stream_nofd_%d.txt" % time.ticks_us()
    with open(name, "w") as f:
        f.write("line 1\nline 2\n")
    f = open(name, "r")
    r = asyncio.StreamReader(f)
    print(" file read(4)", repr(await r.read(4)))
    print(" file read(3)", repr(await r.read(3)))
    f.close()
    import os

    os.remove(name)


async def drain_yields():
    print("write() + drain() on an always-writable stream lets others run")
    others = [0]

    async def other():
        while True:
            others[0] += 1
            await asyncio.sleep_ms(0)

    t = asyncio.create_task(other())
    sink = Sink()
    w = asyncio.StreamWriter(sink, {})
    for _ in range(20):
        w.write(b"0123456789")
        await w.drain()
    t.cancel()
    print(" wrote", sink.n, "other task ran", others[0] >= 10)


async def polled():
    print("an fd-less object that turns ready with time alone")
    late = Later(30)
    t0 = time.ticks_ms()
    got = await asyncio.wait_for(asyncio.StreamReader(late).read(4), 2)
    dt = time.ticks_diff(time.ticks_ms(), t0)
    print(" read", got, "after >= 30 ms", dt >= 30, "polled, not spun", 2 <= late.polls < 1000)


async def ringio_empty():
    print("empty RingIO: read, readinto, readexactly wait for data")
    rb = RingIO(32)
    s = asyncio.StreamReader(rb)
    print(" read", await waits(s.read(2), lambda: rb.write(b"ab")))
    buf = bytearray(4)
    print(" readinto", await waits(s.readinto(buf), lambda: rb.write(b"cd")), buf)
    print(" readexactly", await waits(s.readexactly(3), lambda: rb.write(b"efg")))


async def ringio_full():
    print("drain() on a full RingIO")
    rb = RingIO(8)
    w = asyncio.StreamWriter(rb, {})
    data = b"0123456789abcdefghij"

    async def writer():
        w.write(data)
        await w.drain()

    t = asyncio.create_task(writer())
    got = b""
    while len(got) < len(data):
        await asyncio.sleep_ms(2)
        got += rb.read()
    await asyncio.wait_for(t, 1)
    print(" all through", got == data)


async def blocking_socket():
    # A socket left blocking: read at once, it would block the whole loop.
    print("a blocking socket is waited for, not read at once")
    import socket, struct

    addr = struct.pack("<H", socket.AF_UNIX) + b"\x00uaio-nofd-%d" % time.ticks_us()
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(addr)
    ls.listen(1)
    a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    a.connect(addr)
    b, _ = ls.accept()
    ls.close()
    ran = []

    async def writer():
        ran.append(1)
        await asyncio.sleep_ms(10)
        a.write(b"ping")

    t = asyncio.create_task(writer())
    got = await asyncio.wait_for(asyncio.StreamReader(b).read(4), 1)
    print(" read", got, "the writer ran", bool(ran))
    a.close()
    b.close()


async def main():
    cases = [lost_bytes, ioctl_only, read_only, text, drain_yields, polled]
    if RingIO is not None:
        cases += [ringio_empty, ringio_full]  # the last one hung at 100 % CPU
    cases.append(blocking_socket)  # it blocked the loop forever
    for case in cases:
        try:
            await case()
        except Exception as e:
            print(" FAILED:", type(e).__name__, e)


asyncio.run(main())
print("done")
