# Stream(s, e={}, poll=None) in Python, for a _uaio without the C one
# (UAIO_PROFILE lean and default): csrc/streamio.c's semantics, without its
# speed. Each read and write waits for readiness first (of `poll`, else of
# `s`), then calls the object's own method; None from it means "would
# block": wait again. What it returns is the result (a text stream's str
# stays str). The 2.x methods come from the 2.x layer (_v2stream.py).
import _uaio
from errno import EBADF

_READ = _uaio.READ
_WRITE = _uaio.WRITE


def _join(acc, part):
    return part if acc is None else acc + part


class Stream:
    def __init__(self, s, e=None, poll=None):
        self.s = s  # None once closed
        self.e = {} if e is None else e
        self._poll = s if poll is None else poll
        self._out = b""  # what write() could not send yet
        self._busy = False  # a drain()/awrite() is sending: write() queues behind it

    def get_extra_info(self, v):
        return self.e[v]

    def _open(self):
        # A closed stream's fd number may belong to a new socket already.
        if self.s is None:
            raise OSError(EBADF)
        return self.s

    async def _ready(self, rw):
        self._open()
        await _uaio.io_wait(self._poll, rw)
        return self._open()  # closed while it waited

    async def read(self, n=-1):
        acc = None
        while True:
            part = (await self._ready(_READ)).read(n)
            if part is None:
                continue
            if n >= 0:
                return part
            if not part:  # EOF
                return part if acc is None else acc
            acc = _join(acc, part)

    async def readinto(self, buf):
        while True:
            n = (await self._ready(_READ)).readinto(buf)
            if n is not None:
                return n

    async def readline(self):
        acc = None
        while True:
            part = (await self._ready(_READ)).readline()
            if part is None:
                continue
            acc = _join(acc, part)
            if not part or part[-1] in (10, "\n"):
                return acc

    async def readexactly(self, n):
        if n < 0:
            raise ValueError("size must be >= 0")
        acc = None
        while n:
            part = (await self._ready(_READ)).read(n)
            if part is None:
                continue
            if not part:
                raise EOFError
            acc = _join(acc, part)
            n -= len(part)
        return b"" if acc is None else acc

    def _write(self, s, buf, off):
        # One write of buf[off:] by the stream's own write(): the count taken.
        n = s.write(memoryview(buf)[off:] if off else buf)
        if n is None:
            return 0
        if not 0 <= n <= len(buf) - off:
            raise ValueError("write() returned a bad count")
        return n

    def write(self, buf):
        # Written at once when nothing is queued and the stream is writable;
        # the rest is copied (the caller may reuse buf) for drain().
        s = self._open()
        if self._out or self._busy:
            self._out += buf
            return
        n = self._write(s, buf, 0) if _uaio.writable(self._poll) else 0
        if n < len(buf):
            self._out = bytes(buf[n:])

    async def drain(self):
        if not self._out or self._busy:
            return await _uaio.sleep_ms(0)  # yield once, so write+drain loops let others run
        buf, self._out = self._out, b""
        self._busy = True
        try:
            off = 0
            while True:
                if off >= len(buf):
                    if not self._out:
                        return
                    buf, off, self._out = self._out, 0, b""  # queued meanwhile: after it
                off += self._write(await self._ready(_WRITE), buf, off)
        finally:
            self._busy = False  # also when it raises or is cancelled

    def close(self):
        pass  # wait_closed() closes

    async def wait_closed(self):
        # Closing twice is harmless; a task still waiting on the stream gets
        # OSError(EBADF).
        s = self.s
        if s is not None:
            self.s = None
            _uaio.io_close(self._poll)
            s.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.wait_closed()


try:
    from . import _v2stream  # noqa: F401  the 2.x methods (profiles default, full)
except ImportError:
    pass
