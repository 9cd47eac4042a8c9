# Streams over non-blocking sockets (or any stream object), servers and
# connections; both the modern interface (write/drain/close/wait_closed)
# and the 2.x one (awrite/awriteiter/aclose).
import _uaio
from errno import EINPROGRESS
from . import core

_READ = _uaio.READ
_WRITE = _uaio.WRITE


# Stream(s, e={}, poll=None): read, readinto, readline, readexactly,
# write/drain, awrite/awriteiter, close/wait_closed/aclose, get_extra_info,
# `async with`, and the attributes `s` and `e`. In C (csrc/streamio.c) with
# UAIO_PROFILE=full, else in Python (pystream.py).
try:
    Stream = _uaio.StreamIO
except AttributeError:
    from .pystream import Stream


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
