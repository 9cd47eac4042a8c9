# The uasyncio 2.x loop interface: get_event_loop (and its ignored size
# arguments), create_task, call_soon / call_later / call_later_ms / call_at_
# with callbacks and with coroutine objects, their cancellable handles,
# run_forever / stop, run_until_complete (value or exception), close, time,
# and the 2.x helper functions (coroutine, ensure_future, Task, set_debug).
import time
import uasyncio
import uasyncio.core as core

asyncio = uasyncio

# `uasyncio.core` is importable on its own and `uasyncio` re-exports it.
names = ("EventLoop", "get_event_loop", "sleep", "sleep_ms", "SleepMs", "StopLoop", "IORead", "IOWrite",
         "IOReadDone", "IOWriteDone", "CancelledError", "TimeoutError", "coroutine", "cancel",
         "ensure_future", "Task", "set_debug")
print("core names re-exported", [n for n in names if getattr(uasyncio, n, None) is not getattr(core, n)])

# get_event_loop: a singleton; the sizes are accepted and are not capacities.
loop = asyncio.get_event_loop(2, 2)
print("singleton", loop is asyncio.get_event_loop() is asyncio.get_event_loop(runq_len=1, waitq_len=1))
print("is an EventLoop", isinstance(loop, core.EventLoop))

# time(): the current ms ticks.
d = time.ticks_diff(time.ticks_ms(), loop.time())
print("time is ticks_ms", -2 <= d <= 2)

log = []


def cb(*args):
    log.append(args)


async def coro(name, ms=0):
    log.append(("start", name))
    if ms:
        await asyncio.sleep_ms(ms)
    log.append(("end", name))
    return name


# call_soon: FIFO, with arguments; a coroutine object becomes a task.
loop.call_soon(cb, "soon", 1)
loop.call_soon(coro("soon-coro"))
loop.call_soon(cb, "soon", 2)
h = loop.call_soon(cb, "soon-cancelled")
h.cancel()
# call_later (seconds, float or int), call_later_ms, call_at_ (absolute ticks,
# args as a tuple), each with callbacks and with coroutines.
now = loop.time()
loop.call_later_ms(40, cb, "later_ms", 40)
loop.call_later(0.02, cb, "later", 0.02)
loop.call_later(0, cb, "later", 0)
loop.call_at_(time.ticks_add(now, 60), cb, ("at", 60))
loop.call_at_(time.ticks_add(now, 30), cb)
loop.call_later_ms(50, coro("later_ms-coro"))
loop.call_later(0.07, coro("later-coro"))
loop.call_at_(time.ticks_add(now, 80), coro("at-coro"))
# Their handles cancel.
loop.call_later_ms(10, cb, "cancelled later_ms").cancel()
loop.call_later(0.01, cb, "cancelled later").cancel()
loop.call_at_(time.ticks_add(now, 10), cb, ("cancelled at",)).cancel()
loop.call_later_ms(10, coro("cancelled later_ms-coro")).cancel()
loop.call_at_(time.ticks_add(now, 10), coro("cancelled at-coro")).cancel()
loop.call_later_ms(100, loop.stop)
t0 = time.ticks_ms()
print("run_forever returned", loop.run_forever())
print("ran for >= 100 ms", time.ticks_diff(time.ticks_ms(), t0) >= 100)
for entry in log:
    print(entry)

# stop() from a task; run_forever ends, the remaining work stays scheduled
# and runs at the next run_forever.
log = []


async def stopper():
    log.append("stopper")
    loop.stop()
    await asyncio.sleep_ms(0)
    log.append("stopper resumed")
    loop.stop()


loop.create_task(stopper())
loop.run_forever()
print("after first stop", log)
loop.run_forever()
print("after second stop", log)

# create_task from outside the loop; run_until_complete returns the value or
# raises the exception.
log = []
loop.create_task(coro("bg", 5))


async def value():
    await asyncio.sleep_ms(20)
    return 42


print("run_until_complete", loop.run_until_complete(value()))
print("background task ran meanwhile", log)


async def fails():
    await asyncio.sleep_ms(1)
    raise KeyError("failed")


try:
    loop.run_until_complete(fails())
    print("no exception")
except KeyError as e:
    print("run_until_complete raised", repr(e))


# A failing callback or task goes to the exception handler; the loop goes on.
def handler(lp, context):
    print("handler:", repr(context["exception"]), lp is loop, context["message"] == "Task exception wasn't retrieved")


loop.set_exception_handler(handler)


def bad_cb():
    raise ValueError("cb")


async def bad_task():
    raise TypeError("task")


async def survives():
    loop.call_soon(bad_cb)
    loop.create_task(bad_task())
    await asyncio.sleep_ms(10)
    loop.call_later_ms(1, bad_cb)
    await asyncio.sleep_ms(10)
    return "loop went on"


print(loop.run_until_complete(survives()))
loop.set_exception_handler(None)

# run_until_complete with a generator-based coroutine returns its value too.
def gen_value():
    yield
    yield 5
    return "generator value"


print(loop.run_until_complete(gen_value()))

# 2.x helpers: coroutine() is the identity, ensure_future() and Task()
# schedule the coroutine and return something awaitable and cancellable.
log = []


def f():
    pass


print("coroutine is identity", asyncio.coroutine(f) is f)
asyncio.set_debug(False)


async def helpers():
    a = asyncio.ensure_future(coro("ensure_future"))
    b = asyncio.Task(coro("Task"))
    c = asyncio.ensure_future(coro("ensure_future-cancelled", 50))
    d = asyncio.Task(coro("Task-cancelled", 50))
    await asyncio.sleep_ms(10)
    print("scheduled", log)
    c.cancel()
    d.cancel()
    print("awaited", await a, await b)
    for x in (c, d):
        try:
            await x
        except asyncio.CancelledError:
            print("cancelled")


loop.run_until_complete(helpers())
print("cancelled ones never ended", log)

# close() is harmless.
loop.close()
print("closed")
