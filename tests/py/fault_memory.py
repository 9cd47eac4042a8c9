# Fault: MemoryError while creating tasks. create_task raises a plain
# MemoryError, the task it was making is not left behind (all_tasks does not
# list it and it never runs), every task created before still runs to the
# end, and the loop runs the next program correctly:
# 1. tasks created before run() until the heap is exhausted;
# 2. the run queue cannot grow (the Task object fits, its queue slot not);
# 3. under micropython.heap_lock(): create_task and call_soon;
# 4. a task creating tasks inside the running loop until MemoryError, while
#    an older task keeps ticking.
import gc
import micropython
import sys
import _uaio
import uasyncio as asyncio

try:
    micropython.heap_lock()
    micropython.heap_unlock()
except AttributeError:
    print("SKIP")
    raise SystemExit

WORD = 8 if sys.maxsize > 1 << 32 else 4
done = [0]


async def work():
    done[0] += 1  # allocates nothing


def exhaust(made):
    # Creates tasks until MemoryError, counting them in made[0] (the run
    # queue keeps them; a list could fail to grow after a task was made). A
    # reserve is freed after it, so that the test itself can go on.
    reserve = bytearray(min(65536, gc.mem_free() // 4))
    try:
        while True:
            asyncio.create_task(work())
            made[0] += 1
    except MemoryError as e:
        reserve = None
        return e


async def main_value():
    await asyncio.sleep_ms(1)
    return "program ran"


# 1 ---------------------------------------------------------------------------
asyncio.new_event_loop()
made = [0]
err = exhaust(made)
made = made[0]
gc.collect()
print("1. exhausted:", type(err).__name__, "after some tasks:", made > 16)
print("   queued = created:", _uaio.counts()[0] == made)
print("  ", asyncio.run(main_value()), "| all earlier tasks ran:", done[0] == made)
print("   live tasks left:", len(asyncio.all_tasks()))


# 2 ---------------------------------------------------------------------------
def fill_heap():
    # Live objects in ever smaller pieces until nothing is left but holes
    # smaller than a few bytes; a chain of tuples keeps them alive.
    chain = None
    for size in (4096, 256, 32, 1):
        try:
            while True:
                chain = (bytearray(size), chain)
        except MemoryError:
            pass
    return chain


asyncio.new_event_loop()
done[0] = 0
first = [asyncio.create_task(work()) for _ in range(16)]  # the run queue's first size
print("2. run queue full:", _uaio.counts()[0] == 16)


def create_in_full_heap(coro):
    # Locals only: nothing here needs memory but create_task.
    # A hole that a Task object (8 words) fits in, but not the run queue's
    # growth (32 words) as well.
    hole = bytearray(20 * WORD)
    chain = fill_heap()
    hole = None
    try:
        asyncio.create_task(coro)
    except MemoryError as e:
        return e


extra = work()  # made beforehand: only the Task object is allocated in the full heap
err = create_in_full_heap(extra)
gc.collect()
print("   create_task:", type(err).__name__)
print("   live tasks:", len(asyncio.all_tasks()), "queued:", _uaio.counts()[0])
asyncio.create_task(extra)  # memory is back: the same coroutine can be scheduled
print("  ", asyncio.run(main_value()), "| ran:", done[0])
print("   live tasks left:", len(asyncio.all_tasks()))

# 3 ---------------------------------------------------------------------------
loop = asyncio.new_event_loop()
done[0] = 0
before = [asyncio.create_task(work()) for _ in range(3)]
coro = work()
errs = [None, None]


def create_locked(errs):
    # Locals only: with the heap locked, nothing else may allocate.
    micropython.heap_lock()
    try:
        asyncio.create_task(coro)
    except MemoryError as e:
        errs[0] = e
    try:
        loop.call_soon(print, "never")
    except MemoryError as e:
        errs[1] = e
    micropython.heap_unlock()


create_locked(errs)
print("3. under heap_lock: create_task", type(errs[0]).__name__, "| call_soon", type(errs[1]).__name__)
print("   live tasks:", len(asyncio.all_tasks()), "queued:", _uaio.counts()[0])
asyncio.create_task(coro)
print("  ", asyncio.run(main_value()), "| ran:", done[0])


# 4 ---------------------------------------------------------------------------
async def ticker(ticks):
    while ticks[0] < 1000:
        ticks[0] += 1
        await asyncio.sleep_ms(1)


async def main_fill():
    ticks = [0]
    t = asyncio.create_task(ticker(ticks))
    await asyncio.sleep_ms(5)
    made = [0]
    err = exhaust(made)
    gc.collect()
    before = ticks[0]
    await asyncio.sleep_ms(20)  # the loop goes on: the created tasks run, the ticker ticks
    print("4. in the loop:", type(err).__name__, "| created tasks ran:", done[0] == made[0], "| ticker goes on:", ticks[0] > before)
    t.cancel()
    return "main returned"


asyncio.new_event_loop()
done[0] = 0
print("  ", asyncio.run(main_fill()))
print("  ", asyncio.run(main_value()), "| live tasks left:", len(asyncio.all_tasks()))
