# Stream(s, e={}, poll=None) in Python, for a _uaio without the C one
# (UAIO_PROFILE lean and default): csrc/streamio.c's semantics, without its
# speed. Each read and write waits for readiness first (of `poll`, else of
# `s`), then calls the object's own method; None from it means "would
# block": wait again. What it returns is the result (a text stream's str
# stays str). The 2.x methods come with the 2.x layer (_v2stream.py).
import _uaio
from errno import EBADF

_READ = _uaio.READ
_WRITE = _uaio.WRITE


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

    async def _io(self, rw, name, *args):
        # The stream's own method `name`(*args) after a wait for readiness,
        # until it answers.
        while True:
            self._open()
            await _uaio.io_wait(self._poll, rw)
            r = getattr(self._open(), name)(*args)  # closed while it waited: EBADF
            if r is not None:
                return r

    # The accumulators start as b"" and take the type of the first part: a
    # text stream's str stays str.
    async def read(self, n=-1):
        acc = b""
        while True:
            part = await self._io(_READ, "read", n)
            if n >= 0:
                return part
            if not part:  # EOF
                return acc or part
            acc = acc + part if acc else part

    def readinto(self, buf):
        return self._io(_READ, "readinto", buf)

    async def readline(self):
        acc = b""
        while True:
            part = await self._io(_READ, "readline")
            acc = acc + part if acc else part
            if not part or part[-1] in (10, "\n"):
                return acc

    async def readexactly(self, n):
        if n < 0:
            raise ValueError("size must be >= 0")
        acc = b""
        while n:
            part = await self._io(_READ, "read", n)
            if not part:
                raise EOFError
            acc = acc + part if acc else part
            n -= len(part)
        return acc

    def _sent(self, n, size):
        # What the stream's write() of `size` bytes answered, as a count.
        if n is None:
            return 0
        if not 0 <= n <= size:
            raise ValueError("write() returned a bad count")
        return n

    def write(self, buf):
        # Written at once when nothing is queued and the stream is writable;
        # the rest is copied (the caller may reuse buf) for drain(). Nothing
        # is allocated when it all goes, or when bytes are all queued.
        s = self._open()
        n = 0
        if not (self._out or self._busy) and _uaio.writable(self._poll):
            n = self._sent(s.write(buf), len(buf))
        if n < len(buf):
            self._out += buf[n:] if n else buf

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
                part = memoryview(buf)[off:] if off else buf
                off += self._sent(await self._io(_WRITE, "write", part), len(part))
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

    def __aexit__(self, *exc):
        return self.wait_closed()


try:
    from ._v2stream import *  # noqa: F401,F403  adds the 2.x methods (profiles default, full)
except ImportError:
    pass
