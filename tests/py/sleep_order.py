# 1000 tasks sleeping random times wake in deadline order and never early;
# tasks with equal deadlines wake in the order they were scheduled.
import time
import uasyncio as asyncio

N = 1000
seed = 7


def rand(n):
    global seed
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    return seed % n


# Zero sleepers whose queueing time still needs an upper bound.
unbounded = []


def now(deadlines):
    # A reading bounds the queueing time of every zero sleep awaited before.
    t = time.ticks_us()
    while unbounded:
        j = unbounded.pop()
        deadlines[j] = (deadlines[j][0], t)
    return t


async def sleeper(i, ms, deadlines, woke, early):
    # sleep_ms() reads the µs clock when called: the deadline it sets lies
    # between these two readings plus ms. Measured, not assumed: the process
    # can be preempted between them (a loaded machine, slow sanitizer builds).
    # A zero sleep queues the task when awaited: the next reading bounds it.
    t0 = now(deadlines)
    s = asyncio.sleep_ms(ms)
    t1 = time.ticks_us()
    deadlines[i] = (time.ticks_add(t0, ms * 1000), time.ticks_add(t1, ms * 1000))
    if ms == 0:
        unbounded.append(i)
    await s
    if time.ticks_diff(now(deadlines), deadlines[i][0]) < 0:
        early.append(i)
    woke.append(i)


async def starter(i, started):
    started.append(i)


async def main():
    # Real clock, random sleeps (0 included): wake order follows the
    # deadlines. Out of order: a woke first though its deadline is surely
    # the later one (its earliest possible deadline after b's latest).
    deadlines, woke, early = [0] * N, [], []
    for i in range(N):
        asyncio.create_task(sleeper(i, rand(100), deadlines, woke, early))
    while len(woke) < N:
        await asyncio.sleep_ms(20)
    late_first = [
        (a, b) for a, b in zip(woke, woke[1:]) if time.ticks_diff(deadlines[a][0], deadlines[b][1]) > 0
    ]
    print("all woke", sorted(woke) == list(range(N)))
    print("out of deadline order", late_first)
    print("early", early)

    # Equal deadlines (absolute ticks): exactly FIFO.
    loop = asyncio.get_event_loop()
    base = time.ticks_add(loop.time(), 10)
    slots = [rand(5) * 3 for _ in range(N)]
    started = []
    for i in range(N):
        loop.call_at_(time.ticks_add(base, slots[i]), starter(i, started))
    await asyncio.sleep_ms(50)
    print("equal deadlines FIFO", started == sorted(range(N), key=lambda i: (slots[i], i)))


asyncio.run(main())


# A virtual clock (2.x EventLoop.time/wait overrides): deadlines are exact,
# so the whole order is checked, ties included.
class VirtualLoop(asyncio.EventLoop):
    def __init__(self):
        self.t = 0
        super().__init__()

    def time(self):
        return self.t

    def wait(self, delay):
        if delay > 0:
            self.t += delay


async def vsleeper(i, ms, woke):
    await asyncio.sleep_ms(ms)
    woke.append(i)


async def vmain():
    woke = []
    sleeps = [rand(20) for _ in range(N)]
    for i in range(N):
        asyncio.create_task(vsleeper(i, sleeps[i], woke))
    await asyncio.sleep_ms(100)
    print("virtual clock: deadline order, FIFO among equals", woke == sorted(range(N), key=lambda i: (sleeps[i], i)))


VirtualLoop().run_until_complete(vmain())
