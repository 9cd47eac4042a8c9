# deferred_wait.py for what stock has no Semaphore for: a kept acquire()
# decides when first awaited, as CPython's coroutine does (output: CPython's).
import asyncio


async def main():
    s = asyncio.Semaphore(0)
    aw = s.acquire()
    s.release()
    print("kept acquire, released, awaited:", await aw, s.locked())

    s = asyncio.Semaphore(1)
    await s.acquire()
    t = asyncio.create_task(s.acquire())
    await asyncio.sleep(0)  # t waits
    aw = s.acquire()  # kept behind a waiter
    t.cancel()  # the waiter goes: the kept one is first
    await asyncio.sleep(0)
    s.release()
    print("kept acquire after a cancelled waiter:", await aw, s.locked())


asyncio.run(main())
