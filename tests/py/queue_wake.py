# Queue wakes as CPython's does: a put wakes the oldest getter only (a get
# the oldest putter); a getter that finds its item taken waits again at the
# back; a getter cancelled after its wake passes the wake on. Same output
# on CPython 3 (the difftest compares them at random; these are its cases).
try:
    import uasyncio as asyncio
except ImportError:
    import asyncio

log = []


async def getter(q, name):
    try:
        log.append((name, "got", await q.get()))
    except asyncio.CancelledError:
        log.append((name, "cancelled"))


async def putter(q, name, x):
    await q.put(x)
    log.append((name, "put", x))


async def main():
    # Item taken by get_nowait before the woken getter runs: it waits again,
    # behind the other getter, which gets the next item.
    q = asyncio.Queue()
    ts = [asyncio.create_task(getter(q, n)) for n in ("g0", "g1")]
    await asyncio.sleep(0)
    q.put_nowait(1)
    log.append(("main took", q.get_nowait()))
    await asyncio.sleep(0)
    q.put_nowait(2)
    await asyncio.sleep(0)
    q.put_nowait(3)
    for t in ts:
        await t
    print(log)

    # Woken, then cancelled before it ran: the next getter gets the item.
    log.clear()
    q = asyncio.Queue()
    ts = [asyncio.create_task(getter(q, n)) for n in ("g0", "g1", "g2")]
    await asyncio.sleep(0)
    q.put_nowait("x")
    ts[0].cancel()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    print(log, q.qsize())
    q.put_nowait("y")
    for t in ts:
        await t
    print(log)

    # The same for putters on a full queue.
    log.clear()
    q = asyncio.Queue(1)
    q.put_nowait(0)
    ts = [asyncio.create_task(putter(q, n, i)) for i, n in enumerate(("p1", "p2", "p3"))]
    await asyncio.sleep(0)
    log.append(("main got", q.get_nowait()))
    ts[0].cancel()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    log.append(("main got", q.get_nowait()))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    for t in ts:
        try:
            await t
        except asyncio.CancelledError:
            log.append("p1 cancelled")
    print(log, q.qsize())


asyncio.run(main())
