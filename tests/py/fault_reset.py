# Fault: the peer resets the connection (SO_LINGER 0, then close: an RST)
# while a task reads. Every way of reading (read(n), readinto, readline,
# readexactly, read() to EOF), with no timeout and inside a long wait_for,
# ends at once with OSError(ECONNRESET), well under 1 s after the reset;
# writing to the reset connection raises OSError too. The same again with
# more than 32 fds waiting, where the core waits through epoll, not ppoll.
import errno
import struct
import time
import _uaio
import uasyncio as asyncio

try:
    import socket
except ImportError:
    print("SKIP")
    raise SystemExit

HOST = "127.0.0.1"
PORT = 18611
SO_LINGER = getattr(socket, "SO_LINGER", 13)  # Linux's value
EPOLL_FROM = 32  # armed fds from which the core waits through epoll
PROMPT_MS = 1000
EPIPE = getattr(errno, "EPIPE", 32)  # Linux's value


def listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(socket.getaddrinfo(HOST, PORT)[0][-1])
    s.listen(4)
    return s


def reset(sock):
    sock.setsockopt(socket.SOL_SOCKET, SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


async def connected(srv):
    # A stream, and the raw socket of its peer.
    reader, writer = await asyncio.open_connection(HOST, PORT)
    peer, _ = srv.accept()
    return reader, peer


reset_at = [0]
slowest = [0]


async def reset_later(peer, ms):
    await asyncio.sleep_ms(ms)
    reset_at[0] = time.ticks_ms()
    reset(peer)


async def read_n(r):
    return await r.read(100)


async def read_into(r):
    return await r.readinto(bytearray(100))


async def read_line(r):
    return await r.readline()


async def read_exactly(r):
    return await r.readexactly(10)


async def read_all(r):
    return await r.read()


async def case(srv, name, op, timeout=None):
    reader, peer = await connected(srv)
    asyncio.create_task(reset_later(peer, 50))
    try:
        if timeout is None:
            got = await op(reader)
        else:
            got = await asyncio.wait_for(op(reader), timeout)
        print(name, "returned", got)
    except OSError as e:
        dt = time.ticks_diff(time.ticks_ms(), reset_at[0])
        slowest[0] = max(slowest[0], dt)
        print(name, "OSError", errno.errorcode.get(e.errno, e.errno), "within 1 s:", dt < PROMPT_MS)
    await reader.wait_closed()


async def write_after_reset(srv):
    reader, peer = await connected(srv)
    reset(peer)
    await asyncio.sleep_ms(20)  # the RST has arrived
    try:
        for _ in range(3):  # the first send may still be accepted locally
            reader.write(b"x" * 100)
            await reader.drain()
        print("write after reset: no error")
    except OSError as e:
        print("write after reset OSError", e.errno in (errno.ECONNRESET, EPIPE))
    await reader.wait_closed()


async def flag_waiter(flag):
    await flag.wait()


async def suite(label):
    srv = listener()
    print("--", label)
    await case(srv, "read(n)", read_n)
    await case(srv, "readinto", read_into)
    await case(srv, "readline", read_line)
    await case(srv, "readexactly", read_exactly)
    await case(srv, "read() to EOF", read_all)
    await case(srv, "read(n) in wait_for(10 s)", read_n, 10)
    await case(srv, "readline in wait_for(10 s)", read_line, 10)
    await write_after_reset(srv)
    srv.close()


async def main():
    base = _uaio.counts()[2]
    await suite("ppoll")
    print("registrations left", _uaio.counts()[2] - base)

    # Enough other fds waiting (ThreadSafeFlags have one each) that the
    # core's wait switches to epoll.
    flags = [asyncio.ThreadSafeFlag() for _ in range(EPOLL_FROM + 8)]
    waiters = [asyncio.create_task(flag_waiter(f)) for f in flags]
    await asyncio.sleep_ms(10)
    print("fds waiting", _uaio.counts()[2] - base)
    await suite("epoll")
    for f in flags:
        f.set()
    await asyncio.gather(*waiters)
    print("registrations left", _uaio.counts()[2] - base)


asyncio.run(main())
print("slowest detection under", PROMPT_MS, "ms:", slowest[0] < PROMPT_MS)
