# difftest prelude: the same text heads every generated program, so that a
# program file runs alone on uaio, stock MicroPython and CPython 3. It hides
# only what the three spell differently (making a stream, naming an
# exception); the program itself is the same text everywhere.
import sys
import socket
import asyncio

MPY = sys.implementation.name == "micropython"


def pair():
    # A connected TCP pair on loopback: the unix ports have no socketpair()
    # and no getsockname(), so the listener tries random ports (bounded).
    import random

    for _ in range(100):
        port = 20000 + random.getrandbits(15)
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        addr = socket.getaddrinfo("127.0.0.1", port)[0][-1]
        try:
            ls.bind(addr)
            ls.listen(1)
            break
        except OSError:
            ls.close()
    else:
        raise OSError("difftest: no free loopback port")
    a = socket.socket()
    a.connect(addr)
    b = ls.accept()[0]
    ls.close()
    return a, b


async def streams(sock):
    # (reader, writer) over a connected socket.
    if MPY:
        sock.setblocking(False)
        s = asyncio.StreamReader(sock)
        return s, s
    return await asyncio.open_connection(sock=sock)


def ename(e):
    # The name of an exception as all three spell it (CPython's
    # IncompleteReadError is an EOFError); arguments only for our own.
    if isinstance(e, EOFError):
        return "EOFError"
    if isinstance(e, asyncio.CancelledError):
        return "CancelledError"
    if isinstance(e, asyncio.TimeoutError) or type(e).__name__ == "TimeoutError":
        return "TimeoutError"
    if isinstance(e, (ValueError, KeyError)):
        return "%s%r" % (type(e).__name__, e.args)
    return type(e).__name__


def show(x):
    # A result list, with exceptions by name.
    if isinstance(x, list):
        return [show(v) for v in x]
    if isinstance(x, BaseException):
        return ename(x)
    return x


if MPY:
    import io

    class _PipeBuf:
        def __init__(self, cap):
            self.buf = bytearray()
            self.cap = cap
            self.eof = False  # the write end is closed

    class BarePipeEnd(io.IOBase):
        # One end of a byte pipe without fd that holds `cap` bytes at most:
        # readiness only through ioctl(MP_STREAM_POLL), and read/write
        # return None when they would block (as machine.UART and drivers on
        # io.IOBase do). Two objects, as the two fds of os.pipe(): closing
        # the write end is what the read end sees as EOF.
        # The ends are separate objects: closing a Stream makes another
        # task's wait on the same object raise EBADF in uaio, where stock
        # reads the EOF it reports (DIFFERENCES.md, "Closing a stream").
        def __init__(self, p, reading):
            self.p = p
            self.reading = reading

        def ioctl(self, req, arg):
            p = self.p
            if req == 3:  # MP_STREAM_POLL
                if self.reading:
                    return arg & 1 if p.buf or p.eof else 0
                return arg & 4 if len(p.buf) < p.cap else 0
            if req == 4:  # MP_STREAM_CLOSE
                self.close()
            return 0

        def close(self):
            if not self.reading:
                self.p.eof = True

        def _take(self, n):
            p = self.p
            if not p.buf:
                return b"" if p.eof else None
            if n < 0 or n > len(p.buf):
                n = len(p.buf)
            r = bytes(p.buf[:n])
            p.buf = p.buf[n:]
            return r

        def read(self, n=-1):
            return self._take(n)

        def readline(self):
            i = self.p.buf.find(b"\n")
            return self._take(-1 if i < 0 else i + 1)

        def write(self, b):
            p = self.p
            n = min(len(b), p.cap - len(p.buf))
            if n == 0:
                return None
            p.buf += b[:n]
            return n

    class PipeEnd(BarePipeEnd):
        # BarePipeEnd has no readinto, as many drivers: stock reads with
        # read(n) only.
        def readinto(self, b):
            r = self._take(len(b))
            if r is None:
                return None
            b[: len(r)] = r
            return len(r)

    def pipe(cap, bare=False):
        # (read end, write end)
        p = _PipeBuf(cap)
        cls = BarePipeEnd if bare else PipeEnd
        return cls(p, True), cls(p, False)


def run(main):
    try:
        r = main()
        r = asyncio.run(r)
        if r is not None:
            print("main returned", r)
    except BaseException as e:
        print("main raised", ename(e))
    if MPY:
        # Nothing carries over to the next program of a batch.
        asyncio.new_event_loop()
        asyncio.get_event_loop().set_exception_handler(None)
