# A waiter that a Lock (or Semaphore) was handed to, cancelled before it
# ran: it passes the lock on when it runs (in its cancelled acquire), as
# stock MicroPython and CPython do, not at cancel() time, so the next waiter
# runs after the tasks queued before that. Same output on stock MicroPython
# and CPython 3 (found by the difftest).
try:
    import uasyncio as asyncio
except ImportError:
    import asyncio

log = []


async def user(lk, name):
    try:
        async with lk:
            log.append(name + " has")
            await asyncio.sleep(0)
        log.append(name + " released")
    except asyncio.CancelledError:
        log.append(name + " cancelled")


async def other(name):
    log.append(name)


async def run(lk):
    log.clear()
    await lk.acquire()
    ts = [asyncio.create_task(user(lk, n)) for n in ("a", "b")]
    await asyncio.sleep(0)  # both wait
    lk.release()  # handed to a, which has not run yet
    ts[0].cancel()
    ts[0].cancel()  # twice: still one lock to pass on
    log.append("a cancelled by main")
    o = asyncio.create_task(other("queued after the cancel"))
    for t in ts + [o]:
        await t
    log.append(await lk.acquire())  # free again
    lk.release()
    print(log)


asyncio.run(run(asyncio.Lock()))
if hasattr(asyncio, "Semaphore"):
    asyncio.run(run(asyncio.Semaphore(1)))
else:
    print(log)  # stock MicroPython has no Semaphore: the same as the Lock
