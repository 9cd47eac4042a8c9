# MicroPython 1.26+ semantics: while the main task waits for something that
# only a micropython.schedule() callback can set (an IRQ, another thread),
# nothing is registered, yet run() keeps waiting; the callback runs
# promptly. A main task's `state` once run() has its outcome: False.
import time
import micropython
import asyncio

try:
    import _thread
except ImportError:
    _thread = None

ev = asyncio.Event()


def later(end):
    # Re-schedules itself until `end`, then sets the event (the loop must
    # still be waiting by then).
    if time.ticks_diff(end, time.ticks_ms()) > 0:
        micropython.schedule(later, end)
    else:
        ev.set()


async def waits_for_callback():
    later(time.ticks_add(time.ticks_ms(), 50))
    await ev.wait()
    return "woken by a scheduled callback"


print(asyncio.run(waits_for_callback()))


# From another thread: its micropython.schedule() does not end the loop's
# poll(2), the loop's own bounded sleep must find it.
async def waits_for_thread():
    ev2 = asyncio.Event()
    t0 = time.ticks_ms()

    def cb(_):
        ev2.set()

    def thread():
        time.sleep_ms(30)
        micropython.schedule(cb, None)

    _thread.start_new_thread(thread, ())
    await ev2.wait()
    dt = time.ticks_diff(time.ticks_ms(), t0)
    return 30 <= dt < 500


if _thread:
    print("woken by another thread's callback, promptly:", asyncio.run(waits_for_thread()))
else:
    print("woken by another thread's callback, promptly:", True)


# A main task waiting on nothing at all: a callback stops it with an
# exception thrown in (cancel).
def cancel_later(end):
    if time.ticks_diff(end, time.ticks_ms()) > 0:
        micropython.schedule(cancel_later, end)
    else:
        main.cancel()


async def forever():
    cancel_later(time.ticks_add(time.ticks_ms(), 20))
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        return "cancelled by a callback"


main = asyncio.create_task(forever())
print(asyncio.get_event_loop().run_until_complete(main))


# The main task's state after run() has retrieved its outcome.
async def ok():
    await asyncio.sleep_ms(1)
    return 1


async def fails():
    await asyncio.sleep_ms(1)
    raise ValueError("main failed")


loop = asyncio.get_event_loop()
t = asyncio.create_task(ok())
print("result", loop.run_until_complete(t), "state", t.state, "done", t.done())
t = asyncio.create_task(fails())
try:
    loop.run_until_complete(t)
except ValueError as e:
    print("raised", e, "state", t.state, "done", t.done())
# Nothing reported to the exception handler: run() has retrieved it.
print(asyncio.run(ok()))
