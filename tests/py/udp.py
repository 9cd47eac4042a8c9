# uasyncio.udp (2.x): socket(), sendto, recvfrom, recv, close on loopback;
# a receiver waits (without blocking the loop) until a datagram arrives.
import socket
import _uaio
import uasyncio as asyncio
import uasyncio.udp as udp

PORT = 18481
log = []


async def server(s):
    for i in range(3):
        data, addr = await udp.recvfrom(s, 100)
        log.append(("server got", data))
        await udp.sendto(s, data.upper(), addr)


async def ticker():
    # Keeps running while the receivers wait: they do not block the loop.
    for i in range(5):
        log.append("tick")
        await asyncio.sleep_ms(5)


async def main():
    addr = socket.getaddrinfo("127.0.0.1", PORT)[0][-1]
    s = udp.socket()
    s.bind(addr)
    c = udp.socket(socket.AF_INET)
    srv = asyncio.create_task(server(s))
    await asyncio.create_task(ticker())
    print("server waiting, loop running", log, srv.done())
    log.clear()
    for msg in (b"one", b"two", b"three"):
        n = await udp.sendto(c, msg, addr)
        print("sent", n, "reply", await udp.recv(c, 100))
    await srv
    print(log)
    # recvfrom: the data and the sender's address.
    await udp.sendto(c, b"hi", addr)
    data, frm = await udp.recvfrom(s, 100)
    print("recvfrom", data, frm is not None)
    await udp.close(s)
    await udp.close(c)
    print("closed; I/O registrations", _uaio.counts()[2])


asyncio.run(main())
