# Fault: KeyboardInterrupt (or SystemExit) while asyncio.run() runs. It
# propagates out of run(), and, as in CPython, run() first cancels the
# tasks it leaves behind: each sees CancelledError at its await and its
# finally block runs (even one that awaits); then all_tasks() is empty and
# the next asyncio.run() works. Raised from the main task, from another
# task, and from a call_soon callback (fault_sigint.py sends a real SIGINT
# while the loop sleeps). A task that raises on its way out is reported as
# any unretrieved exception. loop.run_until_complete() (not run()) leaves
# its tasks alone, as CPython's does: they go on at the next run.
import uasyncio as asyncio

loop = asyncio.get_event_loop()
log = []
reported = []


def handler(lp, context):
    reported.append((context["message"], repr(context["exception"])))


loop.set_exception_handler(handler)


async def sleeper(tag):
    try:
        await asyncio.sleep(10)
        log.append(tag + " slept on")
    except asyncio.CancelledError:
        log.append(tag + " cancelled")
        raise
    finally:
        log.append(tag + " finally")


async def event_waiter(ev):
    try:
        await ev.wait()
    finally:
        log.append("event waiter finally")


async def awaits_task(t):
    try:
        await t
    finally:
        log.append("awaiter finally")


async def gathers():
    try:
        await asyncio.gather(sleeper("g1"), sleeper("g2"))
    finally:
        log.append("gather finally")


async def slow_cleanup():
    try:
        await asyncio.sleep(10)
    finally:
        await asyncio.sleep_ms(20)  # a cleanup that itself waits
        log.append("slow cleanup done")


async def never_started():
    log.append("never_started ran its body")


async def fails_in_cleanup():
    try:
        await asyncio.sleep(10)
    finally:
        raise ValueError("in cleanup")


def raises(exc):
    raise exc


def leftovers(ev):
    asyncio.create_task(sleeper("s1"))
    asyncio.create_task(event_waiter(ev))
    inner = asyncio.create_task(sleeper("inner"))
    asyncio.create_task(awaits_task(inner))
    asyncio.create_task(gathers())
    asyncio.create_task(slow_cleanup())


async def main_raises(exc):
    leftovers(asyncio.Event())
    await asyncio.sleep_ms(10)
    try:
        raise exc
    finally:
        log.append("main finally")


async def other_raises(exc):
    await asyncio.sleep_ms(10)
    raise exc


async def main_sleeps(how, exc):
    leftovers(asyncio.Event())
    if how == "task":
        asyncio.create_task(other_raises(exc))
    elif how == "call_soon":
        loop.call_later_ms(10, raises, exc)
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        log.append("main cancelled")
        raise
    finally:
        log.append("main finally")


async def next_program():
    await asyncio.sleep_ms(1)
    return "next run() works"


def check(label, coro, exc_type):
    global log
    log = []
    try:
        asyncio.run(coro)
        print(label, "returned")
    except BaseException as e:
        print(label, "->", type(e).__name__, "is", type(e) is exc_type)
    print("  cancelled:", sorted(l for l in log if l.endswith("cancelled")))
    print("  finally:", sorted(l for l in log if l.endswith("finally")))
    print("  others:", [l for l in log if not l.endswith("cancelled") and not l.endswith("finally")])
    print("  tasks left:", len(asyncio.all_tasks()), "|", asyncio.run(next_program()))


check("KeyboardInterrupt in main", main_raises(KeyboardInterrupt()), KeyboardInterrupt)
check("KeyboardInterrupt in a task", main_sleeps("task", KeyboardInterrupt()), KeyboardInterrupt)
check("SystemExit in main", main_raises(SystemExit()), SystemExit)
check("SystemExit in a task", main_sleeps("task", SystemExit()), SystemExit)
check("KeyboardInterrupt in a callback", main_sleeps("call_soon", KeyboardInterrupt()), KeyboardInterrupt)


# A task not started yet never runs its body; one that raises on its way
# out is reported.
async def main_quick():
    asyncio.create_task(never_started())
    asyncio.create_task(fails_in_cleanup())
    await asyncio.sleep_ms(0)
    asyncio.create_task(never_started())
    raise KeyboardInterrupt


check("not started / failing cleanup", main_quick(), KeyboardInterrupt)
print("  reported:", reported)


# loop.run_until_complete: the tasks stay, and go on at the next run.
async def main_2x():
    asyncio.create_task(sleeper("stays"))
    await asyncio.sleep_ms(5)
    raise KeyboardInterrupt


log = []
try:
    loop.run_until_complete(main_2x())
except KeyboardInterrupt:
    print("run_until_complete -> KeyboardInterrupt | tasks left:", len(asyncio.all_tasks()), log)
for t in asyncio.all_tasks():
    t.cancel()
loop.run_until_complete(asyncio.sleep_ms(5))
print("  cancelled by hand:", log, "| tasks left:", len(asyncio.all_tasks()))
