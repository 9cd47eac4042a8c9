# micropython-lib's aioespnow (frozen into ESP32/ESP8266 firmware) runs
# unchanged: it parks tasks through stock's internals, `yield
# asyncio.core._io_queue.queue_read(self)` / `queue_write(self)`. Its
# source comes from the vendored micropython-lib (UAIO_MPLIB, set by the
# Makefile); `espnow` is a stand-in whose readiness is its stream ioctl, as
# the C ESPNow object's is.
import io
import sys
import asyncio

try:
    import os

    lib = os.getenv("UAIO_MPLIB")
except (ImportError, AttributeError):
    lib = None  # a port without an environment (qemu)
if not lib:
    print("SKIP")
    raise SystemExit
sys.path.insert(0, lib + "/micropython/aioespnow")

MP_STREAM_POLL, POLLIN, POLLOUT, EINVAL = 3, 1, 4, 22


class ESPNow(io.IOBase):
    def __init__(self):
        self.inbox = []
        self.writable = True
        self.sent = []

    def ioctl(self, req, arg):
        if req != MP_STREAM_POLL:
            return -EINVAL
        ready = 0
        if arg & POLLIN and self.inbox:
            ready |= POLLIN
        if arg & POLLOUT and self.writable:
            ready |= POLLOUT
        return ready

    def recv(self, timeout_ms=None):
        return self.inbox.pop(0) if self.inbox else [None, None]

    irecv = recv

    def send(self, mac, msg=None, sync=True):
        self.sent.append((mac, msg))
        return True


class _Module:
    ESPNow = ESPNow


sys.modules["espnow"] = _Module
import aioespnow

PEER = b"\x01\x02\x03\x04\x05\x06"


async def radio(e):
    # Messages arrive later, one and then two at once.
    await asyncio.sleep_ms(20)
    e.inbox.append([PEER, b"one"])
    await asyncio.sleep_ms(20)
    e.inbox.append([PEER, b"two"])
    e.inbox.append([PEER, b"three"])


async def receiver(e):
    got = []
    async for mac, msg in e:
        got.append(msg)
        if len(got) == 3:
            return got


async def main():
    e = aioespnow.AIOESPNow()
    print("arecv:", (await asyncio.gather(receiver(e), radio(e)))[0])

    e.inbox.append([PEER, b"ready now"])
    print("ready at once:", await e.arecv())
    e.inbox.append([PEER, b"irecv"])
    print("airecv:", await e.airecv())

    # asend waits until the radio can take the message.
    e.writable = False
    sender = asyncio.create_task(e.asend(PEER, b"hello"))
    await asyncio.sleep_ms(20)
    print("sent while not writable:", e.sent)
    e.writable = True
    print("asend:", await sender, e.sent)
    print("asend(msg) to all peers:", await e.asend(b"broadcast"), e.sent[-1])

    # A receive cancelled while it waits leaves the radio usable.
    waiting = asyncio.create_task(e.arecv())
    await asyncio.sleep_ms(10)
    waiting.cancel()
    try:
        await waiting
    except asyncio.CancelledError:
        print("arecv cancelled")
    e.inbox.append([PEER, b"after cancel"])
    print("arecv again:", await asyncio.wait_for_ms(e.arecv(), 1000))

    # Nothing arrives: a timeout ends the wait.
    try:
        await asyncio.wait_for_ms(e.arecv(), 30)
    except asyncio.TimeoutError:
        print("arecv timed out")


asyncio.run(main())
