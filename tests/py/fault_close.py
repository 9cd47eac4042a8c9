# Fault: a socket is closed by another task while a task waits on it.
#
# What is guaranteed, whether the core waits through ppoll or (with 32 or
# more fds waiting) epoll:
# - Stream API: a task waiting in read(n), readinto, readline, readexactly,
#   read() to EOF or drain() gets OSError(EBADF) at once when another task
#   closes the stream (wait_closed(), aclose()).
# - 2.x, raw socket: a task waiting in `yield IORead(sock)` gets
#   OSError(EBADF) at once when another task takes the registration away
#   before closing (`yield IOReadDone(sock)` or loop.remove_reader(sock),
#   then sock.close(): the 2.x way to close); an add_reader callback is
#   never called after remove_reader.
# - A raw sock.close() behind the loop's back cannot be seen by the loop:
#   with ppoll the kernel reports the closed fd (POLLNVAL), so the waiter
#   wakes at once and its next operation raises OSError(EBADF); with epoll
#   the kernel forgets the fd silently, so the waiter waits until its own
#   deadline (here wait_for), which still ends it.
import errno
import time
import _uaio
import uasyncio as asyncio
from uasyncio.core import IORead, IOReadDone

try:
    import socket
except ImportError:
    print("SKIP")
    raise SystemExit

HOST = "127.0.0.1"
PORT = 18621
EPOLL_FROM = 32  # armed fds from which the core waits through epoll
PROMPT_MS = 1000
CHUNK = 16384
MAX_CHUNKS = 4096  # 64 MB: far more than the socket buffers hold

loop = asyncio.get_event_loop()
closed_at = [0]
slowest = [0]


def since_close():
    dt = time.ticks_diff(time.ticks_ms(), closed_at[0])
    slowest[0] = max(slowest[0], dt)
    return dt


def listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(socket.getaddrinfo(HOST, PORT)[0][-1])
    s.listen(4)
    return s


def raw_pair(srv):
    a = socket.socket()
    a.connect(socket.getaddrinfo(HOST, PORT)[0][-1])
    b, _ = srv.accept()
    a.setblocking(False)
    b.setblocking(False)
    return a, b


def name(e):
    return errno.errorcode.get(e.errno, e.errno)


# Stream API ------------------------------------------------------------------


async def stream_case(srv, label, op, how="wait_closed"):
    stream, _ = await asyncio.open_connection(HOST, PORT)
    peer, _ = srv.accept()  # stays silent

    async def closer():
        await asyncio.sleep_ms(50)
        closed_at[0] = time.ticks_ms()
        if how == "aclose":
            await stream.aclose()
        else:
            stream.close()
            await stream.wait_closed()

    asyncio.create_task(closer())
    try:
        got = await op(stream)
        print(label, "returned", got)
    except OSError as e:
        print(label, "OSError", name(e), "within 1 s:", since_close() < PROMPT_MS)
    # Closed: the next operation fails at once, too.
    try:
        await stream.read(1)
    except OSError as e:
        print("  then read:", name(e))
    peer.close()


async def read_n(s):
    return await s.read(100)


async def read_into(s):
    return await s.readinto(bytearray(100))


async def read_line(s):
    return await s.readline()


async def read_exactly(s):
    return await s.readexactly(10)


async def read_all(s):
    return await s.read()


async def drain_big(s):
    # The peer reads nothing: the socket buffers fill, then drain() waits.
    buf = bytearray(CHUNK)
    for _ in range(MAX_CHUNKS):
        s.write(buf)
        await s.drain()
    return "drained"


# 2.x, raw sockets ------------------------------------------------------------


def raw_reader(sock, log):
    try:
        yield IORead(sock)
        log.append(("recv", sock.recv(100)))
    except OSError as e:
        log.append(("OSError", name(e), since_close() < PROMPT_MS))


def close_with_ioreaddone(sock):
    yield IOReadDone(sock)
    sock.close()


def close_with_remove_reader(sock):
    loop.remove_reader(sock)
    sock.close()
    return
    yield


def close_raw(sock):
    sock.close()
    return
    yield


async def raw_case(srv, label, closing, deadline_ms=None):
    a, b = raw_pair(srv)
    log = []
    reader = raw_reader(a, log)
    t0 = time.ticks_ms()
    t = asyncio.create_task(reader if deadline_ms is None else asyncio.wait_for_ms(reader, deadline_ms))
    await asyncio.sleep_ms(50)
    closed_at[0] = time.ticks_ms()
    await asyncio.create_task(closing(a))
    try:
        await t
    except asyncio.TimeoutError:
        dt = time.ticks_diff(time.ticks_ms(), t0)
        log.append(("TimeoutError at its deadline", deadline_ms <= dt < deadline_ms + PROMPT_MS))
    print(label, log)
    loop.remove_reader(a)  # (the 2.x cleanup; harmless when already gone)
    b.close()


async def callback_case(srv):
    a, b = raw_pair(srv)
    calls = []
    loop.add_reader(a, calls.append, "called")
    await asyncio.sleep_ms(20)
    loop.remove_reader(a)
    a.close()
    b.send(b"data")
    await asyncio.sleep_ms(20)
    print("add_reader callback after remove_reader + close:", calls)
    b.close()


# -----------------------------------------------------------------------------


async def flag_waiter(flag):
    await flag.wait()


async def suite(label):
    print("--", label)
    base = _uaio.counts()[2]
    srv = listener()
    await stream_case(srv, "read(n)", read_n)
    await stream_case(srv, "readinto", read_into)
    await stream_case(srv, "readline", read_line)
    await stream_case(srv, "readexactly", read_exactly)
    await stream_case(srv, "read() to EOF", read_all)
    await stream_case(srv, "read(n), closed by aclose()", read_n, "aclose")
    await stream_case(srv, "drain()", drain_big)
    await raw_case(srv, "IORead, closer IOReadDone+close:", close_with_ioreaddone)
    await raw_case(srv, "IORead, closer remove_reader+close:", close_with_remove_reader)
    await callback_case(srv)
    if label == "ppoll":
        await raw_case(srv, "IORead, raw close (POLLNVAL):", close_raw)
    else:
        await raw_case(srv, "IORead, raw close (unseen), wait_for 300 ms:", close_raw, 300)
    srv.close()
    print("registrations left", _uaio.counts()[2] - base)


async def main():
    await suite("ppoll")
    # Enough other fds waiting (ThreadSafeFlags have one each) that the
    # core's wait switches to epoll.
    flags = [asyncio.ThreadSafeFlag() for _ in range(EPOLL_FROM + 8)]
    waiters = [asyncio.create_task(flag_waiter(f)) for f in flags]
    await asyncio.sleep_ms(10)
    await suite("epoll")
    for f in flags:
        f.set()
    await asyncio.gather(*waiters)


asyncio.run(main())
print("slowest wake under", PROMPT_MS, "ms:", slowest[0] < PROMPT_MS)
