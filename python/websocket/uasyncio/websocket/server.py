# uasyncio.websocket.server (2.x): the server side of the websocket
# handshake, then streams that speak websocket frames over the connection.
import binascii
import websocket
from ..stream import Stream

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

try:
    from hashlib import sha1 as _hashlib_sha1

    def _sha1(data):
        return _hashlib_sha1(data).digest()

except ImportError:
    from .sha1 import sha1 as _sha1


def accept_key(key):
    # Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455).
    return binascii.b2a_base64(_sha1(key + _GUID))[:-1]


async def WSReader(reader, writer):
    key = None
    while True:
        line = await reader.readline()
        if not line:
            raise ValueError("connection closed during the websocket handshake")
        if line == b"\r\n":
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            key = value.strip()
    if key is None:
        raise ValueError("not a websocket handshake")
    writer.write(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept_key(key) + b"\r\n\r\n"
    )
    await writer.drain()
    return Stream(websocket.websocket(reader.s, True), reader.e, poll=reader.s)


def WSWriter(reader, writer):
    return Stream(websocket.websocket(writer.s, True), writer.e, poll=writer.s)
