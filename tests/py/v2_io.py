# The 2.x loop's I/O registration: add_reader(obj, cb, *args),
# remove_reader(obj), add_writer(...), remove_writer(obj), with callbacks
# and with coroutines; after remove_*, readiness calls nothing and no
# registration is left behind.
import socket
import _uaio
import uasyncio as asyncio

PORT = 18521
loop = asyncio.get_event_loop()
log = []
reported = []


def handler(lp, context):
    reported.append(repr(context["exception"]))


loop.set_exception_handler(handler)


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


def recv(sock):
    try:
        return sock.recv(100)
    except OSError:
        return None  # nothing there


def on_readable(sock, tag):
    # Takes itself off first, so that one readiness is one call whatever
    # the registration's triggering.
    loop.remove_reader(sock)
    log.append((tag, sock.recv(100)))


def on_writable(sock, tag):
    loop.remove_writer(sock)
    log.append((tag, sock.send(b"via add_writer")))


def gen_reader(sock):
    # 2.x: a coroutine given to add_reader runs when the object is ready.
    loop.remove_reader(sock)
    log.append(("coroutine", sock.recv(100)))
    yield


async def main():
    global log
    a, b = tcp_pair(PORT)
    base = _uaio.counts()[2]

    # A callback with arguments, called once data is there.
    loop.add_reader(a, on_readable, a, "callback")
    await asyncio.sleep_ms(10)
    print("before data", log, "registered", _uaio.counts()[2] - base)
    b.send(b"one")
    await asyncio.sleep_ms(10)
    print(log, "registered", _uaio.counts()[2] - base)
    b.send(b"two")
    await asyncio.sleep_ms(10)
    print("removed: not called again", log, "left", recv(a))

    # remove_reader before any data: never called.
    log = []
    loop.add_reader(a, on_readable, a, "never")
    await asyncio.sleep_ms(5)
    loop.remove_reader(a)
    b.send(b"three")
    await asyncio.sleep_ms(10)
    print("removed before data", log, recv(a), "registered", _uaio.counts()[2] - base)

    # A coroutine.
    log = []
    loop.add_reader(a, gen_reader(a))
    b.send(b"four")
    await asyncio.sleep_ms(10)
    print(log, "registered", _uaio.counts()[2] - base)

    # add_writer.
    log = []
    loop.add_writer(a, on_writable, a, "writer")
    await asyncio.sleep_ms(10)
    print(log, recv(b), "registered", _uaio.counts()[2] - base)
    loop.add_writer(a, on_writable, a, "never")
    loop.remove_writer(a)
    await asyncio.sleep_ms(10)
    print("removed writer", log, "registered", _uaio.counts()[2] - base)
    a.close()
    b.close()


loop.run_until_complete(main())
print("nothing reported", reported)
