# Semaphore and BoundedSemaphore with CPython 3.12 semantics: FIFO (no
# barging past waiters), locked(), ValueError for a negative initial value,
# BoundedSemaphore over-release raises ValueError, `async with`, and a waiter
# cancelled after it was handed a unit gives the unit back.
import uasyncio as asyncio
from uasyncio import Semaphore, BoundedSemaphore

log = []
inside = [0, 0]  # now, most at once


async def user(sem, name, hold_ms):
    async with sem:
        log.append(name)
        inside[0] += 1
        inside[1] = max(inside)
        await asyncio.sleep_ms(hold_ms)
        inside[0] -= 1


async def acquirer(sem, name):
    try:
        r = await sem.acquire()
        log.append((name, "acquired", r))
    except asyncio.CancelledError:
        log.append((name, "cancelled"))


async def main():
    global log
    for v in (-1, -5):
        try:
            Semaphore(v)
            print("no error")
        except ValueError:
            print("Semaphore(%d): ValueError" % v)
    try:
        BoundedSemaphore(-1)
        print("no error")
    except ValueError:
        print("BoundedSemaphore(-1): ValueError")

    # Counting; locked() when no unit is left; acquire() returns True.
    s = Semaphore(2)
    print("locked", s.locked())
    print("acquire", await s.acquire(), s.locked(), await s.acquire(), s.locked())
    s.release()
    s.release()
    s.release()  # an unbounded one may go above its initial value
    print("three units", await s.acquire(), await s.acquire(), await s.acquire(), s.locked())
    print("Semaphore(0) locked", Semaphore(0).locked())

    # At most 2 inside at once, and in FIFO order.
    log = []
    s = Semaphore(2)
    tasks = [asyncio.create_task(user(s, "t%d" % i, 10)) for i in range(5)]
    await asyncio.sleep_ms(5)
    print("2 inside, locked", s.locked())
    for t in tasks:
        await t
    print("entered in order", log, "at most inside at once", inside[1])
    print("all units back", s.locked(), await s.acquire(), await s.acquire(), s.locked())

    # FIFO: a release hands the unit to the oldest waiter; a newcomer does
    # not barge in before it has run.
    log = []
    s = Semaphore(1)
    await s.acquire()
    asyncio.create_task(acquirer(s, "first"))
    await asyncio.sleep_ms(1)
    s.release()
    print("handed to the waiter, locked", s.locked())
    asyncio.create_task(acquirer(s, "newcomer"))
    await asyncio.sleep_ms(5)
    print(log)
    s.release()
    await asyncio.sleep_ms(5)
    print(log)

    # The waiter handed the unit is cancelled before it runs: the unit goes
    # to the next waiter.
    log = []
    s = Semaphore(1)
    await s.acquire()
    a = asyncio.create_task(acquirer(s, "a"))
    b = asyncio.create_task(acquirer(s, "b"))
    await asyncio.sleep_ms(1)
    s.release()  # a is handed the unit ...
    a.cancel()  # ... and cancelled before it runs
    await asyncio.sleep_ms(5)
    print(log, "locked", s.locked())

    # ... or, with nobody else waiting, back to the semaphore.
    log = []
    s = Semaphore(1)
    await s.acquire()
    a = asyncio.create_task(acquirer(s, "a"))
    await asyncio.sleep_ms(1)
    s.release()
    a.cancel()
    await asyncio.sleep_ms(5)
    print(log, "locked", s.locked())
    print("the unit is back", await asyncio.wait_for_ms(s.acquire(), 50))

    # A cancelled plain waiter (not handed anything) just leaves the queue.
    log = []
    s = Semaphore(0)
    a = asyncio.create_task(acquirer(s, "a"))
    b = asyncio.create_task(acquirer(s, "b"))
    await asyncio.sleep_ms(1)
    a.cancel()
    await asyncio.sleep_ms(1)
    s.release()
    await asyncio.sleep_ms(5)
    print(log, "locked", s.locked())

    # An acquire that timed out holds nothing afterwards.
    s = Semaphore(0)
    try:
        await asyncio.wait_for_ms(s.acquire(), 10)
    except asyncio.TimeoutError:
        print("acquire timed out")
    s.release()
    print("the released unit is free", s.locked(), await asyncio.wait_for_ms(s.acquire(), 50))

    # BoundedSemaphore: over-release raises ValueError and changes nothing.
    b = BoundedSemaphore(2)
    try:
        b.release()
        print("no error")
    except ValueError:
        print("over-release: ValueError")
    print("acquire", await b.acquire(), await b.acquire(), b.locked())
    b.release()
    b.release()
    try:
        b.release()
        print("no error")
    except ValueError:
        print("over-release: ValueError")
    print("still 2 units", await b.acquire(), await b.acquire(), b.locked())
    b.release()
    b.release()
    async with b:
        async with b:
            print("async with twice: locked", b.locked())
    print("after: locked", b.locked())


asyncio.run(main())
