# Streams over non-blocking sockets (or any stream object), servers and
# connections; both the modern interface (write/drain/close/wait_closed)
# and the 2.x one (awrite/awriteiter/aclose).
import _uaio
from errno import EINPROGRESS
from . import core

_READ = _uaio.READ
_WRITE = _uaio.WRITE


class Stream:
    def __init__(self, s, e={}, poll=None):
        self.s = s
        self.e = e
        self.p = poll  # what to wait on, when not `s` itself
        self.out_buf = b""
        self.out_off = 0
        # Awaitable readinto/write of an existing buffer: no allocation.
        self._rd = _uaio.StreamIO(s, poll)
        self._wr = _uaio.StreamIO(s, poll)

    def get_extra_info(self, v):
        return self.e[v]

    def close(self):
        pass

    async def wait_closed(self):
        # Closing twice, or after EOF, is harmless.
        s = self.s
        if s is not None:
            self.s = None
            self._rd.close()
            self._wr.close()
            _uaio.io_close(self.p or s)  # a task still waiting on it gets OSError
            s.close()

    async def aclose(self):
        await self.wait_closed()

    def _sock(self):
        if self.s is None:
            raise OSError(9)  # EBADF: the stream is closed
        return self.s

    def read(self, n=-1):
        # n >= 0: whatever is available, up to n (b"" at EOF), in C;
        # n < 0: everything up to EOF.
        if n >= 0:
            return self._rd.read(n)
        return self._read_all()

    async def _read_all(self):
        n = -1
        chunks = b""
        while True:
            s = self._sock()
            await _uaio.io_wait(self.p or s, _READ)
            data = s.read(n)
            if data is None:
                continue
            if n >= 0:
                return data
            if not data:
                return chunks
            chunks += data

    def readinto(self, buf):
        return self._rd.readinto(buf)

    async def readexactly(self, n):
        r = b""
        while n:
            data = await self.read(n)
            if not data:
                raise EOFError
            r += data
            n -= len(data)
        return r

    async def readline(self):
        # A line with its b"\n"; the partial tail at EOF, then b"".
        line = b""
        while True:
            s = self._sock()
            await _uaio.io_wait(self.p or s, _READ)
            part = s.readline()
            if part is None:
                continue
            line += part
            if not part or line[-1:] == b"\n":
                return line

    def write(self, buf):
        # Buffered; drain() sends. Tried at once when nothing is queued, so
        # an unblocked stream needs no buffer.
        if not self.out_buf:
            n = self._wr.write_now(buf)
            if n == len(buf):
                return
            if type(buf) is not bytes:
                buf = bytes(buf)  # the caller may reuse a mutable buffer
            self.out_buf, self.out_off = buf, n or 0
        else:
            self.out_buf = self.out_buf[self.out_off :] + buf
            self.out_off = 0

    def drain(self):
        buf = self.out_buf
        if not buf:
            return _uaio.done_none
        self.out_buf = b""
        return self._wr.write(buf, self.out_off)

    def awrite(self, buf, off=0, sz=-1):
        # Waits until buf[off:off+sz] is written; the buffer stays the
        # caller's, so nothing is copied or allocated.
        if self.out_buf:
            return self._awrite_after_drain(buf, off, sz)
        return self._wr.write(buf, off, -1 if sz < 0 else off + sz)

    async def _awrite_after_drain(self, buf, off, sz):
        await self.drain()
        await self.awrite(buf, off, sz)

    async def awriteiter(self, iterable):
        for buf in iterable:
            await self.awrite(buf)

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await self.aclose()


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
