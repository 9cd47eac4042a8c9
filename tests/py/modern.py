# The modern (MicroPython 1.25) interface from the same package: Task
# objects (done/cancel/await), create_task, current_task, run,
# new_event_loop, gather (return_exceptions), Event, ThreadSafeFlag (set
# from a thread: tsf_thread.py), Lock, the loop's exception handler, the "Task exception
# wasn't retrieved" report, all_tasks().
import time
import asyncio

reported = []


def handler(loop, context):
    reported.append((context["message"], repr(context["exception"]), context["future"]))


async def work(name, ms, fail=False):
    await asyncio.sleep_ms(ms)
    if fail:
        raise ValueError(name)
    return name


async def tasks():
    t = asyncio.create_task(work("w", 10))
    print("Task", isinstance(t, asyncio.Task), "done", t.done())
    print("await", await t, "done", t.done(), "await again", await t)
    # Two tasks awaiting one task both get its result.
    t = asyncio.create_task(work("shared", 10))

    async def awaiter():
        return await t

    a, b = asyncio.create_task(awaiter()), asyncio.create_task(awaiter())
    print("both", await a, await b)
    # current_task() is the running task.
    me = []

    async def who():
        me.append(asyncio.current_task())

    t = asyncio.create_task(who())
    await t
    print("current_task", me[0] is t)
    # all_tasks(): the tasks not yet done, the running one included.
    t = asyncio.create_task(work("x", 20))
    await asyncio.sleep_ms(0)
    print("all_tasks", t in asyncio.all_tasks(), asyncio.current_task() in asyncio.all_tasks())
    await t
    print("done ones left out", t not in asyncio.all_tasks())


async def gathering():
    print("gather", await asyncio.gather(work("a", 20), work("b", 10), asyncio.create_task(work("c", 5))))
    print("gather nothing", await asyncio.gather())
    r = await asyncio.gather(work("ok", 5), work("bad", 10, True), return_exceptions=True)
    print("return_exceptions", r[0], repr(r[1]))
    try:
        await asyncio.gather(work("ok", 20), work("bad", 5, True))
    except ValueError as e:
        print("gather raised", repr(e))
    await asyncio.sleep_ms(30)  # the "ok" one finishes, nothing is reported
    # Cancelling the gathering task cancels the children.
    log = []

    async def child(i):
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log.append(i)
            raise

    g = asyncio.create_task(asyncio.gather(child(0), child(1)))
    await asyncio.sleep_ms(5)
    g.cancel()
    try:
        await g
    except asyncio.CancelledError:
        print("gather cancelled")
    await asyncio.sleep_ms(5)
    print("children cancelled", sorted(log))
    try:
        asyncio.create_task(work)
    except TypeError:
        print("create_task(not a coroutine): TypeError")
    # gather of the objects sleep_ms() returns: MicroPython 1.25 refuses them
    # (TypeError), CPython waits for the longest; never less than that.
    t0 = time.ticks_ms()
    try:
        await asyncio.gather(asyncio.sleep_ms(60), asyncio.sleep_ms(10))
        print("gather of sleeps waited for the longest", time.ticks_diff(time.ticks_ms(), t0) >= 60)
    except TypeError:
        print("gather of sleeps waited for the longest", True)


async def events():
    ev = asyncio.Event()
    log = []

    async def waiter(i):
        await ev.wait()
        log.append(i)

    for i in range(3):
        asyncio.create_task(waiter(i))
    await asyncio.sleep_ms(5)
    print("is_set", ev.is_set(), log)
    ev.set()
    await asyncio.sleep_ms(5)
    print("all woken in order", log, ev.is_set())
    await ev.wait()  # already set: at once
    ev.clear()
    print("cleared", ev.is_set())


async def tsf():
    flag = asyncio.ThreadSafeFlag()
    flag.set()
    await flag.wait()  # already set: at once, and clears it
    print("set before wait: returned")
    try:
        await asyncio.wait_for_ms(flag.wait(), 20)
        print("not cleared")
    except asyncio.TimeoutError:
        print("cleared by the wait")


async def locks():
    lock = asyncio.Lock()
    log = []

    async def user(i):
        async with lock:
            log.append(i)
            await asyncio.sleep_ms(2)

    print("locked", lock.locked())
    await lock.acquire()
    ts = [asyncio.create_task(user(i)) for i in range(4)]
    await asyncio.sleep_ms(5)
    print("waiting", log, lock.locked())
    lock.release()
    for t in ts:
        await t
    print("FIFO", log, lock.locked())

    # A waiter handed the lock but cancelled before it runs passes it on;
    # one that timed out holds nothing.
    log = []

    async def taker(name):
        try:
            await lock.acquire()
            log.append(name + " got it")
            lock.release()
        except asyncio.CancelledError:
            log.append(name + " cancelled")

    await lock.acquire()
    a = asyncio.create_task(taker("a"))
    b = asyncio.create_task(taker("b"))
    await asyncio.sleep_ms(1)
    lock.release()
    a.cancel()
    await asyncio.sleep_ms(5)
    print(log, lock.locked())
    await lock.acquire()
    try:
        await asyncio.wait_for_ms(taker("c"), 5)
    except asyncio.TimeoutError:
        print("acquire timed out")
    lock.release()
    print("free again", lock.locked(), await asyncio.wait_for_ms(lock.acquire(), 50), lock.locked())
    lock.release()


async def handlers():
    loop = asyncio.get_event_loop()
    print("default handler", loop.get_exception_handler())
    print("has default_exception_handler", callable(loop.default_exception_handler))
    loop.set_exception_handler(handler)
    print("set", loop.get_exception_handler() is handler)
    loop.call_exception_handler({"message": "by hand", "exception": OSError(1), "future": None})
    print(reported.pop())
    # A task whose exception nobody retrieves is reported, once.
    t = asyncio.create_task(work("lost", 0, True))
    await asyncio.sleep_ms(10)
    msg, exc, fut = reported.pop()
    print(msg, exc, fut is t, reported)
    # One whose exception is retrieved (awaited) is not reported.
    t = asyncio.create_task(work("awaited", 5, True))
    try:
        await t
    except ValueError as e:
        print("retrieved", repr(e))
    # Nor is a cancelled one.
    t = asyncio.create_task(work("cancelled", 50))
    await asyncio.sleep_ms(1)
    t.cancel()
    await asyncio.sleep_ms(10)
    print("nothing else reported", reported)
    loop.set_exception_handler(None)
    print("reset", loop.get_exception_handler())


async def main():
    await tasks()
    await gathering()
    await events()
    await tsf()
    await locks()
    await handlers()
    return "main done"


print(asyncio.run(main()))

# run() again, and new_event_loop().
loop = asyncio.new_event_loop()
print("new loop", loop is not None)
print(asyncio.run(work("again", 1)))
print(loop.run_until_complete(work("on the new loop", 1)))
try:
    asyncio.current_task()
except RuntimeError:
    print("current_task outside a task: RuntimeError")
