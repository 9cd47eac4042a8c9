# Program A of the soft-reset test: leaves scheduler state behind (sleeping
# tasks, a pending callback, a waiter on an Event) by letting an exception
# end run_until_complete while all of it is still queued.
import uasyncio as asyncio


async def stale(ms):
    await asyncio.sleep_ms(ms)
    print("STALE task", ms)


async def waiter(ev):
    await ev.wait()
    print("STALE waiter")


async def boom():
    await asyncio.sleep_ms(5)
    raise ValueError("leave")


loop = asyncio.get_event_loop()
for i in range(10):
    loop.create_task(stale(20 + i))
if hasattr(loop, "call_later_ms"):  # uaio's (stock asyncio has no callbacks)
    loop.call_later_ms(15, print, "STALE callback")
loop.create_task(waiter(asyncio.Event()))
try:
    loop.run_until_complete(boom())
except ValueError as e:
    print("A left", len(asyncio.all_tasks()) if hasattr(asyncio, "all_tasks") else "some", "tasks:", e)
