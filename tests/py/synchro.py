# uasyncio.synchro.Lock, the 2.x lock: acquire() awaitable, release(),
# `locked` a bool attribute, FIFO waiters. It is not the modern
# uasyncio.Lock, whose locked() is a method and whose bad release() raises
# RuntimeError.
import uasyncio as asyncio
from uasyncio.synchro import Lock

log = []


async def user(lock, name, hold_ms):
    await lock.acquire()
    log.append(name + " got it")
    await asyncio.sleep_ms(hold_ms)
    log.append(name + " releases")
    lock.release()


def gen_user(lock, name):
    # 2.x generator style.
    yield from lock.acquire()
    log.append(name + " got it")
    yield 2
    log.append(name + " releases")
    lock.release()


async def main():
    lock = Lock()
    print("locked", lock.locked, type(lock.locked) is bool)
    await lock.acquire()
    print("locked after acquire", lock.locked, type(lock.locked) is bool)
    lock.release()
    print("locked after release", lock.locked)

    # FIFO among waiters, with both coroutine styles.
    await lock.acquire()
    loop = asyncio.get_event_loop()
    for i in range(4):
        if i % 2:
            loop.create_task(gen_user(lock, "g%d" % i))
        else:
            asyncio.create_task(user(lock, "u%d" % i, 2))
        await asyncio.sleep_ms(1)
    log.append("main releases")
    print("still locked while they wait", lock.locked)
    lock.release()
    await asyncio.sleep_ms(40)
    print(log)
    print("free at the end", lock.locked)

    # Not the modern Lock.
    print("different classes", Lock is not asyncio.Lock)
    m = asyncio.Lock()
    print("modern locked() is a method", callable(m.locked), m.locked())
    try:
        m.release()
        print("no error")
    except RuntimeError:
        print("modern release when not locked: RuntimeError")
    async with m:
        print("modern async with: locked()", m.locked())
    print("after:", m.locked())


asyncio.run(main())
