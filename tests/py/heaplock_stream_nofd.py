# The C Stream (_uaio.StreamIO, UAIO_PROFILE=full) over an object without
# a file descriptor: write, drain and readinto of a RingIO allocate nothing.
# The Python Stream of the lean and default profiles allocates (its
# coroutines): skipped there.
import _uaio
import micropython
import uasyncio as asyncio

if not hasattr(_uaio, "StreamIO") or not hasattr(micropython, "RingIO"):
    print("SKIP")
    raise SystemExit


async def main():
    rb = micropython.RingIO(16)
    s = asyncio.Stream(rb)
    buf = bytearray(2)
    got = []
    micropython.heap_lock()
    try:
        for _ in range(3):
            s.write(b"xy")
            await s.drain()
            got.append(await s.readinto(buf))
    finally:
        micropython.heap_unlock()
    print("RingIO: write, drain, readinto allocate nothing", got, buf)


asyncio.run(main())
