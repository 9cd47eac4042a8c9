# uasyncio.websocket.server: a server whose client handler calls
# WSReader(reader, writer) completes the RFC 6455 handshake (the RFC's own
# example key and accept value), then one frame each way; and the SHA-1
# the handshake uses, against known vectors.
import binascii
import uasyncio as asyncio
from uasyncio.websocket.server import WSReader, WSWriter
from uasyncio.websocket.sha1 import sha1

# SHA-1 (FIPS 180-4 examples, and block-boundary lengths).
vectors = [
    (b"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    (b"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
    (b"The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    (b"a" * 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"),
    (b"a" * 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"),
    (b"a" * 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"),
    (b"a" * 1000, "291e9a6c66994949b57ba5e650361e98fc36b1ba"),
    (bytes(range(256)), "4916d6bdb7f78e6803698cab32d1586ea457dfc8"),
]
for data, digest in vectors:
    got = sha1(data)
    print(len(data), len(got), binascii.hexlify(got).decode() == digest)
print("bytearray input", sha1(bytearray(b"abc")) == sha1(b"abc"))

HOST = "127.0.0.1"
PORT = 18491
KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
log = []


async def ws_handler(reader, writer):
    try:
        ws = await WSReader(reader, writer)
        wr = WSWriter(reader, writer)
        msg = await ws.read(100)
        log.append(("server got", msg))
        await wr.awrite(b"echo: " + msg)
    except Exception as e:
        log.append(("server error", repr(e)))
    await writer.aclose()


def masked_frame(payload, mask=b"\x37\xfa\x21\x3d"):
    # A final text frame from a client: masked, as RFC 6455 requires.
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + body


async def client():
    reader, writer = await asyncio.open_connection(HOST, PORT)
    await writer.awrite(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: " + KEY + b"\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    status = await reader.readline()
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    print("status", status)
    print("accept", headers.get(b"sec-websocket-accept"))
    print("upgrade", headers.get(b"upgrade", b"").lower(), "connection", headers.get(b"connection", b"").lower())
    await writer.awrite(masked_frame(b"hello ws"))
    head = await reader.readexactly(2)
    print("frame header", head)
    print("frame payload", await reader.readexactly(head[1] & 0x7F))
    await writer.aclose()


async def main():
    server = await asyncio.start_server(ws_handler, HOST, PORT)
    await asyncio.wait_for(client(), 2)
    await asyncio.sleep_ms(10)
    print(log)
    server.close()
    await server.wait_closed()


asyncio.run(main())
