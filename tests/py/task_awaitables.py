# create_task() of uaio's own awaitables, as stock allows for its generator-
# based ones: Event.wait(), Lock.acquire(), ThreadSafeFlag.wait(), sleeps.
try:
    import asyncio
except ImportError:
    print("SKIP")
    raise SystemExit


async def main():
    ev = asyncio.Event()
    t = asyncio.create_task(ev.wait())
    await asyncio.sleep_ms(5)
    print("event waiter done before set:", t.done())
    ev.set()
    print("event task:", await t)
    print("set event task:", await asyncio.create_task(ev.wait()))

    lock = asyncio.Lock()
    await lock.acquire()
    t = asyncio.create_task(lock.acquire())
    await asyncio.sleep_ms(5)
    print("lock waiter done while held:", t.done())
    lock.release()
    print("lock task:", await t, lock.locked())
    lock.release()

    flag = asyncio.ThreadSafeFlag()
    t = asyncio.create_task(flag.wait())
    await asyncio.sleep_ms(5)
    flag.set()
    print("flag task:", await t)

    # Two sleeps made before either task runs keep their own deadlines.
    order = []
    a = asyncio.create_task(asyncio.sleep_ms(30))
    b = asyncio.create_task(asyncio.sleep_ms(10))
    for name, task in (("a", a), ("b", b)):
        asyncio.create_task(watch(name, task, order))
    await asyncio.sleep_ms(50)
    print("sleep tasks finished in order:", order)

    # Cancelling such a task cancels the wait.
    ev.clear()
    t = asyncio.create_task(ev.wait())
    await asyncio.sleep_ms(1)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("cancelled event task")
    ev.set()  # nobody waits any more
    await asyncio.sleep_ms(1)

    # Anything else is still refused.
    for bad in (5, None, asyncio.create_task):
        try:
            asyncio.create_task(bad)
        except TypeError as e:
            print("TypeError:", e)


async def watch(name, task, order):
    await task
    order.append(name)


asyncio.run(main())
