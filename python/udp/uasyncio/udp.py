# uasyncio.udp (2.x): datagram sockets with awaitable operations.
import socket as _socket
import _uaio


def socket(af=_socket.AF_INET):
    s = _socket.socket(af, _socket.SOCK_DGRAM)
    s.setblocking(False)
    return s


async def recv(s, n):
    await _uaio.io_wait(s, _uaio.READ)
    return s.recv(n)


async def recvfrom(s, n):
    await _uaio.io_wait(s, _uaio.READ)
    return s.recvfrom(n)


async def sendto(s, buf, addr):
    await _uaio.io_wait(s, _uaio.WRITE)
    return s.sendto(buf, addr)


async def close(s):
    s.close()
