# 1000 tasks sleeping random times wake in deadline order; tasks scheduled
# at equal deadlines start in creation order; no sleep ends early.
import time
import uasyncio as asyncio

N = 1000
seed = 7


def rand(n):
    global seed
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    return seed % n


async def sleeper(i, ms, deadlines, woke, early):
    deadlines[i] = time.ticks_add(time.ticks_us(), ms * 1000)
    await asyncio.sleep_ms(ms)
    if time.ticks_diff(time.ticks_us(), deadlines[i]) < 0:
        early.append(i)
    woke.append(i)


async def starter(i, started):
    started.append(i)


async def main():
    deadlines, woke, early = [0] * N, [], []
    for i in range(N):
        asyncio.create_task(sleeper(i, rand(100), deadlines, woke, early))
    while len(woke) < N:
        await asyncio.sleep_ms(20)
    expect = sorted(range(N), key=lambda i: (time.ticks_diff(deadlines[i], deadlines[0]), i))
    print("deadline order", woke == expect)
    print("early", early)

    loop = asyncio.get_event_loop()
    base = time.ticks_add(loop.time(), 10)
    slots = [rand(5) * 3 for _ in range(N)]
    started = []
    for i in range(N):
        loop.call_at_(time.ticks_add(base, slots[i]), starter(i, started))
    await asyncio.sleep_ms(50)
    print("equal deadlines FIFO", started == sorted(range(N), key=lambda i: (slots[i], i)))


asyncio.run(main())
