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


async def sleeper(i, ms, deadlines, woke, early):
    # The scheduler reads the µs clock a moment after this line, so the
    # deadline it uses is this one plus a few µs of jitter.
    deadlines[i] = time.ticks_add(time.ticks_us(), ms * 1000)
    await asyncio.sleep_ms(ms)
    if time.ticks_diff(time.ticks_us(), deadlines[i]) < 0:
        early.append(i)
    woke.append(i)


async def starter(i, started):
    started.append(i)


async def main():
    # Real clock, random sleeps (0 included): wake order follows the
    # deadlines; only deadlines within the measuring jitter may swap.
    JITTER_US = 20
    deadlines, woke, early = [0] * N, [], []
    for i in range(N):
        asyncio.create_task(sleeper(i, rand(100), deadlines, woke, early))
    while len(woke) < N:
        await asyncio.sleep_ms(20)
    late_first = [
        (a, b) for a, b in zip(woke, woke[1:]) if time.ticks_diff(deadlines[a], deadlines[b]) > JITTER_US
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
