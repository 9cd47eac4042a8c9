# Internals of stock MicroPython's asyncio that libraries use:
# `core._io_queue.queue_read(s)` / `queue_write(s)` then `yield` (parks the
# task until `s` is ready), and `core.cur_task`.
import io
import asyncio
from asyncio import core

MP_STREAM_POLL, POLLIN, POLLOUT, EINVAL = 3, 1, 4, 22


class Device(io.IOBase):
    # Readable once it holds data; readiness through its stream ioctl.
    def __init__(self):
        self.data = []

    def ioctl(self, req, arg):
        if req != MP_STREAM_POLL:
            return -EINVAL
        return (POLLIN if arg & POLLIN and self.data else 0) | (arg & POLLOUT)


async def read(dev):
    yield core._io_queue.queue_read(dev)
    return dev.data.pop(0)


async def write(dev, x):
    yield core._io_queue.queue_write(dev)
    dev.data.append(x)


async def feeder(dev):
    for i in range(3):
        await asyncio.sleep_ms(10)
        await write(dev, i)


async def main():
    print("cur_task in a task:", core.cur_task is asyncio.current_task())
    dev = Device()
    asyncio.create_task(feeder(dev))
    got = []
    for _ in range(3):
        got.append(await read(dev))
    print("read:", got)
    # Two readers of two devices, both parked; the one made ready wakes.
    a, b = Device(), Device()
    ta = asyncio.create_task(read(a))
    tb = asyncio.create_task(read(b))
    await asyncio.sleep_ms(10)
    b.data.append("b")
    await asyncio.sleep_ms(20)
    print("a done:", ta.done(), "b:", await tb)
    ta.cancel()
    try:
        await ta
    except asyncio.CancelledError:
        print("parked reader cancelled")


print("cur_task outside:", core.cur_task)
asyncio.run(main())
