# The hot paths allocate nothing: with micropython.heap_lock() held, a loop
# of `await asyncio.sleep_ms(0)` (and short real sleeps), Event.wait/set
# ping-pong, a contended Lock and ThreadSafeFlag.wait all run without a
# MemoryError (after a warm-up, unlocked, that sizes the queues); so does
# Task.cancel().
import micropython
import asyncio

try:
    micropython.heap_lock()
    micropython.heap_unlock()
except AttributeError:
    print("SKIP")
    raise SystemExit

N = 50
# Every key exists beforehand: a task storing its error allocates nothing.
errors = {"Event pong task": None, "Lock contender task": None, "ThreadSafeFlag waiter task": None}
count = [0]  # updated by index: storing a small int allocates nothing


def result(name, task_name=None):
    err = errors.get(name) or errors.get(task_name)
    print(name, "no MemoryError" if err is None else err)


async def sleeper(n):
    i = 0
    while i < n:
        await asyncio.sleep_ms(0)
        i += 1


async def short_sleeper(n):
    i = 0
    while i < n:
        await asyncio.sleep_ms(1)
        i += 1


async def locked_run(name, coro_fn, *args):
    # Runs coro_fn(*args) with the heap locked; MemoryError recorded.
    coro = coro_fn(*args)  # created before locking
    micropython.heap_lock()
    try:
        await coro
        ok = True
    except MemoryError:
        ok = False
    micropython.heap_unlock()
    if not ok:
        errors[name] = "MemoryError"


# Event ping-pong: two tasks hand the turn back and forth.
async def ping(e_ping, e_pong, n):
    i = 0
    while i < n:
        e_ping.set()
        await e_pong.wait()
        e_pong.clear()
        i += 1


async def pong(e_ping, e_pong, n, stop):
    i = 0
    try:
        while i < n:
            await e_ping.wait()
            e_ping.clear()
            count[0] += 1
            e_pong.set()
            i += 1
    except MemoryError:
        errors["Event pong task"] = "MemoryError"
    stop.set()


# Lock contention: three tasks take turns.
async def contender(lock, n, stop):
    i = 0
    try:
        while i < n:
            await lock.acquire()
            await asyncio.sleep_ms(0)
            count[0] += 1
            lock.release()
            i += 1
    except MemoryError:
        errors["Lock contender task"] = "MemoryError"
    stop.set()


# ThreadSafeFlag: one task waits, another sets.
async def flag_waiter(flag, n, stop):
    i = 0
    try:
        while i < n:
            await flag.wait()
            count[0] += 1
            i += 1
    except MemoryError:
        errors["ThreadSafeFlag waiter task"] = "MemoryError"
    stop.set()


async def flag_setter(flag, n):
    i = 0
    while i < n:
        flag.set()
        await asyncio.sleep_ms(0)
        await asyncio.sleep_ms(0)
        i += 1


async def wait_all(events):
    for e in events:
        await e.wait()


async def main():
    # sleep_ms(0) and sleep_ms(1).
    await sleeper(3)  # warm-up
    await locked_run("sleep_ms(0) loop", sleeper, N)
    result("sleep_ms(0) loop")
    await short_sleeper(2)
    await locked_run("sleep_ms(1) loop", short_sleeper, 5)
    result("sleep_ms(1) loop")

    # Event: warm-up round, then the same under the lock.
    for rounds in (3, N):
        e_ping, e_pong, stop = asyncio.Event(), asyncio.Event(), asyncio.Event()
        asyncio.create_task(ping(e_ping, e_pong, rounds))
        asyncio.create_task(pong(e_ping, e_pong, rounds, stop))
        count[0] = 0
        if rounds == N:
            await locked_run("Event wait/set", wait_all, (stop,))
        else:
            await stop.wait()
    result("Event wait/set", "Event pong task")
    print("Event rounds", count[0])

    # Lock with contention.
    for rounds in (2, N):
        lock = asyncio.Lock()
        stops = [asyncio.Event() for i in range(3)]
        for s in stops:
            asyncio.create_task(contender(lock, rounds, s))
        count[0] = 0
        if rounds == N:
            await locked_run("Lock acquire/release", wait_all, stops)
        else:
            await wait_all(stops)
    result("Lock acquire/release", "Lock contender task")
    print("Lock turns", count[0])

    # ThreadSafeFlag.wait.
    for rounds in (2, N):
        flag = asyncio.ThreadSafeFlag()
        stop = asyncio.Event()
        asyncio.create_task(flag_waiter(flag, rounds, stop))
        asyncio.create_task(flag_setter(flag, rounds))
        count[0] = 0
        if rounds == N:
            await locked_run("ThreadSafeFlag wait/set", wait_all, (stop,))
        else:
            await stop.wait()
    result("ThreadSafeFlag wait/set", "ThreadSafeFlag waiter task")
    print("ThreadSafeFlag wakes", count[0])

    # Task.cancel(): the CancelledError is made when the task runs.
    got = []

    async def victim():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError as e:
            got.append(type(e).__name__)

    t = asyncio.create_task(victim())
    await asyncio.sleep_ms(0)
    micropython.heap_lock()
    try:
        ok = t.cancel()
    except MemoryError:
        ok = "MemoryError"
    micropython.heap_unlock()
    await asyncio.sleep_ms(0)
    print("Task.cancel() with the heap locked", ok, got)


try:
    asyncio.run(main())
except MemoryError:
    micropython.heap_unlock()
    print("MemoryError out of the loop", errors)
