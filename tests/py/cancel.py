# Cancellation: CancelledError arrives promptly at the current await even
# during a long sleep; a task cancelled before it started never runs its
# body; cancelling a finished task returns False; the exception hierarchy is
# MicroPython 1.25's (CancelledError is a BaseException, not an Exception;
# TimeoutError is an Exception).
import time
import uasyncio as asyncio
import uasyncio.core as core

# The hierarchy.
CE, TE = asyncio.CancelledError, asyncio.TimeoutError
print("same classes in core", CE is core.CancelledError, TE is core.TimeoutError)
print("CancelledError BaseException", issubclass(CE, BaseException), "Exception", issubclass(CE, Exception))
print("TimeoutError Exception", issubclass(TE, Exception), "CancelledError", issubclass(TE, CE))

log = []


async def long_sleeper():
    t0 = time.ticks_ms()
    try:
        await asyncio.sleep(10)
        log.append("slept 10 s")
    except Exception:
        log.append("caught as an Exception")
    except asyncio.CancelledError:
        log.append(("CancelledError after < 500 ms", time.ticks_diff(time.ticks_ms(), t0) < 500))
        raise


async def body(name):
    log.append(name + " body ran")
    return name


async def absorbs():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        log.append("absorbed")
    await asyncio.sleep_ms(1)
    return "finished anyway"


async def waits_event(ev):
    try:
        await ev.wait()
        log.append("event wait returned")
    except asyncio.CancelledError:
        log.append("event wait cancelled")


async def inner():
    try:
        await asyncio.sleep(10)
    finally:
        log.append("inner finally")


async def outer():
    try:
        await inner()  # a plain coroutine call: the same task
    except asyncio.CancelledError:
        log.append("outer got it")
        raise


async def main():
    global log
    # Promptly, while sleeping 10 s.
    t = asyncio.create_task(long_sleeper())
    await asyncio.sleep_ms(10)
    print("cancel returns", t.cancel())
    try:
        await t
    except asyncio.CancelledError:
        print("awaiting it raises CancelledError")
    print(log, "done", t.done())

    # Cancelled before it started: the body never runs.
    log = []
    t = asyncio.create_task(body("never"))
    print("cancel before start", t.cancel())
    try:
        print(await t)
    except asyncio.CancelledError:
        print("awaiting it raises CancelledError")
    await asyncio.sleep_ms(10)
    print("body ran?", log, "done", t.done())

    # The 2.x function cancel(coro) before it started.
    log = []
    c = body("never 2.x")
    asyncio.get_event_loop().create_task(c)
    asyncio.cancel(c)
    await asyncio.sleep_ms(10)
    print("body ran?", log)

    # Cancelling a finished task returns False, and changes nothing.
    log = []
    t = asyncio.create_task(body("finished"))
    await asyncio.sleep_ms(0)
    await asyncio.sleep_ms(0)
    print("done", t.done(), "cancel returns", t.cancel(), "result", await t)

    # A task that absorbs the CancelledError goes on and returns its value.
    log = []
    t = asyncio.create_task(absorbs())
    await asyncio.sleep_ms(5)
    t.cancel()
    print(await t, log)

    # Cancelling a task waiting on an Event removes it from the Event.
    log = []
    ev = asyncio.Event()
    t1 = asyncio.create_task(waits_event(ev))
    t2 = asyncio.create_task(waits_event(ev))
    await asyncio.sleep_ms(5)
    t1.cancel()
    await asyncio.sleep_ms(5)
    ev.set()
    await asyncio.sleep_ms(5)
    print(log)

    # The CancelledError goes through the awaited coroutine chain.
    log = []
    t = asyncio.create_task(outer())
    await asyncio.sleep_ms(5)
    t.cancel()
    await asyncio.sleep_ms(5)
    print(log, t.done())

    # `except Exception` in the task does not catch it (checked above); a
    # cancelled main task ends run() with CancelledError.
    return "main done"


print(asyncio.run(main()))


async def cancels_main(m):
    m.cancel()


async def main2():
    asyncio.create_task(cancels_main(asyncio.current_task()))
    await asyncio.sleep(10)


try:
    asyncio.run(main2())
    print("run returned")
except asyncio.CancelledError:
    print("run raised CancelledError")
