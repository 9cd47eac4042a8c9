# Generator-based coroutines and what they may yield (the 2.x protocol):
# `yield` / `yield None`, `yield n` (sleep n ms), `yield False` (park until
# loop.call_soon(coro)), `yield other_coro` (spawn; the child runs before the
# parent resumes), the syscall objects SleepMs, IORead, IOWrite, IOReadDone,
# IOWriteDone on a loopback TCP socket pair, and StopLoop(value).
import socket
import time
import uasyncio as asyncio
from uasyncio.core import SleepMs, IORead, IOWrite, IOReadDone, IOWriteDone, StopLoop

PORT = 18461


def tcp_pair(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    addr = socket.getaddrinfo("127.0.0.1", port)[0][-1]
    srv.bind(addr)
    srv.listen(1)
    a = socket.socket()
    a.connect(addr)
    b, _ = srv.accept()
    srv.close()
    a.setblocking(False)
    b.setblocking(False)
    return a, b


loop = asyncio.get_event_loop()
log = []


def ticker(name, n):
    for i in range(n):
        log.append(name + str(i))
        yield
    log.append(name + " end")


def child(name):
    log.append(name + " runs")
    yield
    log.append(name + " resumed")


def parent():
    log.append("parent before")
    yield child("child")
    log.append("parent after")
    yield None
    log.append("parent end")


def napper(name, ms):
    t0 = time.ticks_ms()
    yield ms
    log.append((name, time.ticks_diff(time.ticks_ms(), t0) >= ms))


def syscall_napper(ms):
    t0 = time.ticks_ms()
    yield SleepMs(ms)
    log.append(("SleepMs", time.ticks_diff(time.ticks_ms(), t0) >= ms))
    yield from asyncio.sleep_ms(ms)
    log.append(("yield from sleep_ms", time.ticks_diff(time.ticks_ms(), t0) >= 2 * ms))


def sub():
    yield 5
    return "sub result"


def caller():
    r = yield from sub()
    log.append(("yield from sub", r))


def parker():
    log.append("parked")
    yield False
    log.append("resumed by call_soon")
    yield False
    log.append("resumed again")


def io_reader(sock):
    log.append("reader waits")
    yield IORead(sock)
    log.append(("readable", sock.recv(100)))
    yield IOReadDone(sock)
    log.append("read done")
    # Parked: data arriving now must not resume this task.
    yield False
    log.append("resumed by call_soon")


def io_writer(sock):
    yield IOWrite(sock)
    log.append(("wrote", sock.send(b"pong")))
    yield IOWriteDone(sock)
    log.append("write done")


def main():
    global log
    # yield: round robin.
    loop.create_task(ticker("a", 3))
    loop.create_task(ticker("b", 3))
    yield 20
    print("yield:", log)

    log = []
    loop.create_task(parent())
    yield 20
    print("yield coro:", log)

    log = []
    loop.create_task(napper("slept 30", 30))
    loop.create_task(napper("slept 10", 10))
    loop.create_task(syscall_napper(10))
    loop.create_task(caller())
    yield 60
    print("yield n:", log)

    log = []
    p = parker()
    loop.create_task(p)
    yield 20
    print("yield False:", log)
    loop.call_soon(p)
    yield 10
    print("after call_soon:", log)
    loop.call_soon(p)
    yield 10
    print("after second call_soon:", log)

    log = []
    a, b = tcp_pair(PORT)
    r = io_reader(a)
    loop.create_task(r)
    yield 20
    print("IORead before data:", log)
    b.send(b"ping")
    yield 20
    print("IORead after data:", log)
    b.send(b"more")
    yield 20
    print("after IOReadDone, more data:", log)
    loop.call_soon(r)
    yield 10
    print("after call_soon:", log)
    print("data left for the next reader", a.recv(100))

    log = []
    loop.create_task(io_writer(a))
    yield 20
    print("IOWrite:", log, b.recv(100))
    a.close()
    b.close()
    yield StopLoop("stop value")
    print("not reached before the next run_forever")


loop.create_task(main())
print("run_forever returned", loop.run_forever())
