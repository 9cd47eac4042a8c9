# Streams over non-blocking sockets (or any stream object), servers and
# connections; both the modern interface (write/drain/close/wait_closed)
# and the 2.x one (awrite/awriteiter/aclose).
import _uaio
from errno import EBADF, EINPROGRESS
from . import core

_READ = _uaio.READ
_WRITE = _uaio.WRITE


# Stream(s, e={}, poll=None): read, readinto, readline, readexactly,
# write/drain, awrite/awriteiter, close/wait_closed/aclose, get_extra_info,
# `async with`, and the attributes `s` and `e`. In C (csrc/streamio.c:
# faster, waits allocate nothing) with UAIO_PROFILE=full; else this class,
# with the C one's semantics: each read and write waits for readiness first
# (of `poll`, else of `s`), then calls the object's own method; None from it
# means "would block": wait again. What it returns is the result (a text
# stream's str stays str).
class Stream:
    def __init__(self, s, e=None, poll=None):
        self.s = s  # None once closed
        self.e = {} if e is None else e
        self._poll = s if poll is None else poll
        self._out = b""  # what write() could not send yet
        self._busy = False  # a drain()/awrite() is sending: write() queues behind it

    def get_extra_info(self, name):
        return self.e[name]

    def _open(self):
        # A closed stream's fd number may belong to a new socket already.
        if self.s is None:
            raise OSError(EBADF)
        return self.s

    async def _io(self, flags, name, *args):
        # The stream's own method `name`(*args) after a wait for readiness,
        # until it answers.
        while True:
            self._open()
            await _uaio.io_wait(self._poll, flags)
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

    def _sent(self, n, buf):
        # What the stream's write(buf) answered, as a count.
        if n is None:
            return 0
        if not 0 <= n <= len(buf):
            raise ValueError("write() returned a bad count")
        return n

    def write(self, buf):
        # Written at once when nothing is queued and the stream is writable;
        # the rest is copied (the caller may reuse buf) for drain(). Nothing
        # is allocated when it all goes, or when bytes are all queued.
        s = self._open()
        n = 0
        if not (self._out or self._busy) and _uaio.writable(self._poll):
            n = self._sent(s.write(buf), buf)
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
                off += self._sent(await self._io(_WRITE, "write", part), part)
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
    Stream = _uaio.StreamIO
except AttributeError:
    try:
        from ._v2 import _v2_stream  # the 2.x layer (profiles default, full)

        _v2_stream(Stream)
    except ImportError:
        pass


# The 2.x and CPython names of the one Stream class.
StreamReader = Stream
StreamWriter = Stream


async def open_connection(host, port, ssl=None, server_hostname=None):
    import socket

    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    s = socket.socket(ai[0], ai[1], ai[2])
    s.setblocking(False)
    try:
        s.connect(ai[-1])
    except OSError as er:
        if er.errno != EINPROGRESS:
            s.close()
            raise
    try:
        await _uaio.io_wait(s, _WRITE)  # connected, or failed: the first I/O says which
    except BaseException:
        s.close()
        raise
    if ssl:
        raise NotImplementedError("TLS is not in this build")
    ss = Stream(s, {"peername": ai[-1]})
    return ss, ss


class Server:
    # Accepts connections in a task of its own; close() stops it,
    # wait_closed() waits for that (and raises only if the task awaiting it
    # is cancelled, not because of close()).
    def __init__(self, s, cb):
        self.s = s
        self._closing = False
        self.task = core.create_task(self._serve(cb))

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        self.close()
        await self.wait_closed()

    def close(self):
        if not self._closing:
            self._closing = True
            self.task.cancel()

    async def wait_closed(self):
        try:
            await self.task
        except core.CancelledError:
            if not self._closing:
                raise
        finally:
            self.s.close()  # also when the task was cancelled before it ran

    async def _serve(self, cb):
        s = self.s
        try:
            while True:
                await _uaio.io_wait(s, _READ)
                try:
                    s2, addr = s.accept()
                except OSError:
                    continue  # the client went away before accept
                s2.setblocking(False)
                stream = Stream(s2, {"peername": addr})
                core.create_task(cb(stream, stream))
        finally:
            s.close()


async def start_server(cb, host, port, backlog=10, ssl=None):
    # Awaited (modern: returns the Server) or scheduled as a task (2.x).
    import socket

    if ssl:
        raise NotImplementedError("TLS is not in this build")
    ai = socket.getaddrinfo(host, port)[0]
    s = socket.socket()
    s.setblocking(False)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(ai[-1])
        s.listen(backlog)
    except BaseException:
        s.close()
        raise
    return Server(s, cb)
