# The 2.x stream methods (awrite, awriteiter, aclose) of the Python Stream
# (uasyncio/stream.py), which imports this; the C Stream has its own.
from .stream import Stream


async def awrite(self, buf, off=0, sz=-1):
    # buf[off:off+sz] all written (sz < 0: to the end).
    n = len(buf)
    end = n if sz < 0 or off + sz > n else off + sz
    if not 0 <= off <= end:
        raise ValueError("offset out of range")
    self.write(buf[off:end] if off or end < n else buf)
    await self.drain()


async def awriteiter(self, iterable):
    for buf in iterable:
        await self.awrite(buf)


Stream.awrite = awrite
Stream.awriteiter = awriteiter
Stream.aclose = Stream.wait_closed
