# A wait made before it is awaited (create_task, gather, wait_for, or simply
# kept): Event.wait() and Lock.acquire() decide when first awaited, as
# stock's generators do, so a set() or release() in between is not lost.
import asyncio
import gc


async def setter(e):
    e.set()


async def main():
    e = asyncio.Event()
    t = asyncio.create_task(e.wait())
    e.set()
    print("create_task(e.wait()) then set:", await t)

    e = asyncio.Event()
    aw = e.wait()
    e.set()
    print("kept e.wait(), set, awaited:", await aw)

    e = asyncio.Event()
    asyncio.create_task(setter(e))
    print("wait_for, set by a task first:", await asyncio.wait_for(e.wait(), 1))

    e = asyncio.Event()
    aw = e.wait()
    e.set()
    print("kept e.wait(), set, then made a task:", await asyncio.create_task(aw))

    e1, e2 = asyncio.Event(), asyncio.Event()
    g = asyncio.create_task(asyncio.gather(e1.wait(), e2.wait()))
    e1.set()
    await asyncio.sleep(0)
    e2.set()
    print("gather of two waits:", await g)

    e = asyncio.Event()
    t = asyncio.create_task(e.wait())
    await asyncio.sleep(0)  # parked already: set() wakes it
    e.set()
    print("parked, then set:", await t)

    lock = asyncio.Lock()
    await lock.acquire()
    t = asyncio.create_task(lock.acquire())
    lock.release()
    print("create_task(lock.acquire()) then release:", await t, lock.locked())
    lock.release()

    lock = asyncio.Lock()
    await lock.acquire()
    aw = lock.acquire()
    t = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0)  # t waits first
    lock.release()
    print("kept acquire after a waiter:", await t, lock.locked())
    lock.release()
    print("then the kept one:", await aw, lock.locked())

    # A kept wait is all that refers to its Event: a collection must not
    # free the Event under it.
    aw = asyncio.Event().wait()
    gc.collect()
    junk = [bytearray(48) for _ in range(300)]
    try:
        await asyncio.wait_for(aw, 0.01)
    except asyncio.TimeoutError:
        print("a kept wait of a lost Event times out", len(junk))


asyncio.run(main())
