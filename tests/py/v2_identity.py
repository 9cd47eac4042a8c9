# 2.x names a task by its coroutine object: loop.call_soon(coro) and
# uasyncio.cancel(coro) given the coroutine of an existing task act on that
# task (resume it, cancel it) and never create a second task.
import uasyncio as asyncio

loop = asyncio.get_event_loop()
log = []
reported = []


def handler(lp, context):
    reported.append(repr(context["exception"]))


loop.set_exception_handler(handler)


def parker(name):
    log.append(name + " parked")
    yield False
    log.append(name + " resumed")
    return name


async def sleeper(name, ms):
    log.append(name + " sleeps")
    try:
        await asyncio.sleep_ms(ms)
    except asyncio.CancelledError:
        log.append(name + " cancelled")
        raise
    log.append(name + " woke")


def gen_parker(name):
    log.append(name + " parked")
    try:
        yield False
    except asyncio.CancelledError:
        log.append(name + " cancelled")
        raise
    log.append(name + " resumed")


async def body(name):
    log.append(name + " ran")


def spawner(child_coro):
    yield child_coro
    log.append("spawner goes on")
    yield 30
    log.append("spawner done")


def self_waker():
    log.append("self_waker parks after call_soon(itself)")
    loop.call_soon(me)
    yield False
    log.append("self_waker resumed")


cur = []


async def records_cur_task():
    cur.append(loop.cur_task)
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        log.append("cancelled through loop.cur_task")


async def main():
    global log, me
    # call_soon(coro) resumes the task parked by `yield False`.
    c = parker("p")
    t = loop.create_task(c)
    await asyncio.sleep_ms(10)
    n = len(asyncio.all_tasks())
    loop.call_soon(c)
    print("no new task", len(asyncio.all_tasks()) == n)
    await asyncio.sleep_ms(10)
    print(log, "task done", t.done(), await t)

    # call_soon(coro) of a sleeping task creates no second task, and its body
    # still runs exactly once.
    log = []
    c = sleeper("s", 20)
    t = loop.create_task(c)
    await asyncio.sleep_ms(5)
    n = len(asyncio.all_tasks())
    loop.call_soon(c)
    print("no new task", len(asyncio.all_tasks()) == n)
    await asyncio.sleep_ms(40)
    print(log, "task done", t.done())

    # A task that reschedules itself with call_soon(its coroutine), then parks.
    log = []
    me = self_waker()
    loop.create_task(me)
    await asyncio.sleep_ms(10)
    print(log)

    # cancel(coro): the task of that coroutine gets CancelledError where it waits.
    log = []
    c = sleeper("s", 1000)
    t = loop.create_task(c)
    g = gen_parker("g")
    u = loop.create_task(g)
    await asyncio.sleep_ms(10)
    asyncio.cancel(c)
    asyncio.cancel(g)
    await asyncio.sleep_ms(10)
    print(log, "done", t.done(), u.done())

    # cancel(coro) of a coroutine scheduled but not yet started: its body never runs.
    log = []
    c1 = body("call_later_ms")
    loop.call_later_ms(10, c1)
    c2 = body("call_soon")
    loop.call_soon(c2)
    c3 = body("create_task")
    loop.create_task(c3)
    asyncio.cancel(c1)
    asyncio.cancel(c2)
    asyncio.cancel(c3)
    await asyncio.sleep_ms(30)
    print("never started:", log)

    # cancel(coro) of a child spawned by `yield coro`.
    log = []
    ch = sleeper("child", 1000)
    loop.create_task(spawner(ch))
    await asyncio.sleep_ms(10)
    asyncio.cancel(ch)
    await asyncio.sleep_ms(40)
    print(log)

    # loop.cur_task names the running task (its Task or its coroutine); it can
    # be passed to cancel() from another task.
    log = []
    c = records_cur_task()
    t = loop.create_task(c)
    await asyncio.sleep_ms(10)
    print("cur_task names the task", cur[0] is t or cur[0] is c)
    asyncio.cancel(cur[0])
    await asyncio.sleep_ms(10)
    print(log, t.done())


loop.run_until_complete(main())
print("nothing reported", reported)
