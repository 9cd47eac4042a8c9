# Before any event loop exists (what stock MicroPython lacks, as CPython):
# asyncio.run() of an awaitable that is not a coroutine, a Queue at module
# level with put_nowait(), Semaphores. Objects that need no scheduler make
# none; the default loop is made on first need.
import uasyncio as asyncio
from uasyncio import core

q = asyncio.Queue()
q.put_nowait("made before the loop")
sem = asyncio.Semaphore(1)
bsem = asyncio.BoundedSemaphore(2)
sem.release()
ev = asyncio.Event()
ev.set()
print("a loop made yet:", core._loop is not None)

print("run(sleep):", asyncio.run(asyncio.sleep(0.01)))
print("a loop made now:", core._loop is not None)
print("run(sleep_ms):", asyncio.run(asyncio.sleep_ms(1)))


async def main():
    print("queue:", await q.get(), q.qsize())
    async with sem:
        async with bsem:
            print("semaphores held")
    await ev.wait()
    return "main done"


print(asyncio.run(main()))
