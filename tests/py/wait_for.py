# wait_for / wait_for_ms: TimeoutError in the caller (the inner coroutine is
# cancelled); the value or the exception of an inner coroutine that ends in
# time; no stray TimeoutError later; a timed-out run_until_complete(wait_for())
# raises and does not hang.
import time
import uasyncio as asyncio

log = []


async def slow(name, ms):
    try:
        await asyncio.sleep_ms(ms)
    except asyncio.CancelledError:
        log.append(name + " cancelled")
        raise
    log.append(name + " finished")
    return name


async def fails(ms):
    await asyncio.sleep_ms(ms)
    raise ValueError("inner failed")


async def ignores_cancel():
    try:
        await asyncio.sleep_ms(1000)
    except asyncio.CancelledError:
        log.append("ignored the cancel")
    await asyncio.sleep_ms(10)
    log.append("ended late")
    return "late value"


async def main():
    global log
    # Timeout: TimeoutError in the caller, the inner one cancelled.
    t0 = time.ticks_ms()
    try:
        await asyncio.wait_for(slow("a", 1000), 0.05)
        print("no timeout")
    except asyncio.TimeoutError:
        print("TimeoutError after 50..500 ms", 50 <= time.ticks_diff(time.ticks_ms(), t0) < 500)
    print(log)

    log = []
    try:
        await asyncio.wait_for_ms(slow("b", 1000), 20)
    except asyncio.TimeoutError:
        print("wait_for_ms: TimeoutError")
    print(log)

    # The inner ends in time: its value, at once.
    log = []
    t0 = time.ticks_ms()
    print(await asyncio.wait_for(slow("c", 10), 0.1), "returned before the timeout", time.ticks_diff(time.ticks_ms(), t0) < 80)
    print(await asyncio.wait_for_ms(slow("d", 0), 100))
    # ... and no stray TimeoutError arrives afterwards.
    await asyncio.sleep_ms(150)
    print("no stray TimeoutError after a value", log)

    # The inner raises in time: its exception, and then no stray TimeoutError.
    try:
        await asyncio.wait_for_ms(fails(10), 50)
    except ValueError as e:
        print("inner exception", repr(e))
    await asyncio.sleep_ms(100)
    print("no stray TimeoutError after an exception")

    # Many quick ones in a row, then wait past all their timeouts.
    total = 0
    for i in range(20):
        total += len(await asyncio.wait_for_ms(slow("q", 1), 30))
    log = []
    await asyncio.sleep_ms(60)
    print("20 quick ones", total, "and no stray TimeoutError")

    # timeout None: plain await.
    print(await asyncio.wait_for(slow("none", 5), None))

    # A Task may be waited for too.
    t = asyncio.create_task(slow("task", 1000))
    try:
        await asyncio.wait_for_ms(t, 10)
    except asyncio.TimeoutError:
        print("task timed out, cancelled:", t.done())

    # The inner ignores the cancel: TimeoutError all the same, once it ends.
    log = []
    try:
        r = await asyncio.wait_for_ms(ignores_cancel(), 10)
        print("returned", r)
    except asyncio.TimeoutError:
        print("TimeoutError")
    print(log)

    # The task doing wait_for is cancelled: the inner one is cancelled too.
    log = []

    async def waiter():
        try:
            await asyncio.wait_for(slow("inner", 1000), 10)
        except asyncio.CancelledError:
            log.append("waiter cancelled")
            raise

    t = asyncio.create_task(waiter())
    await asyncio.sleep_ms(10)
    t.cancel()
    await asyncio.sleep_ms(10)
    print(sorted(log))
    return "main done"


print(asyncio.run(main()))

# run_until_complete(wait_for(...)) that times out raises and does not hang.
loop = asyncio.get_event_loop()
t0 = time.ticks_ms()
try:
    loop.run_until_complete(asyncio.wait_for(slow("ruc", 5000), 0.05))
    print("no exception")
except asyncio.TimeoutError:
    print("run_until_complete raised TimeoutError, within 1 s", time.ticks_diff(time.ticks_ms(), t0) < 1000)
try:
    asyncio.run(asyncio.wait_for_ms(slow("run", 5000), 30))
    print("no exception")
except asyncio.TimeoutError:
    print("run raised TimeoutError")
print(loop.run_until_complete(asyncio.wait_for_ms(slow("ok", 5), 1000)))


# wait_for given the object sleep() returns (not a coroutine): MicroPython
# 1.25 refuses it (TypeError), CPython times out; it must not silently
# return at once as if the 1 s sleep were over.
async def sleep_object():
    t0 = time.ticks_ms()
    try:
        r = await asyncio.wait_for(asyncio.sleep(1), 0.05)
        return "returned %r after %s" % (r, "< 50 ms" if time.ticks_diff(time.ticks_ms(), t0) < 50 else ">= 50 ms")
    except (asyncio.TimeoutError, TypeError):
        return "TimeoutError or TypeError"


print("wait_for(sleep(1), 0.05):", asyncio.run(sleep_object()))
