# uaio demo: 1000 tasks sleep random times and must wake in deadline order;
# then 1000 tasks scheduled at equal deadlines must start in the order they
# were scheduled. Run: make demo  (or build/unix/micropython examples/demo.py)
import time
import uasyncio as asyncio

N = 1000
_seed = 12345


def rand(n):
    # A small LCG, so every run sleeps the same random times.
    global _seed
    _seed = (_seed * 1103515245 + 12345) & 0x7FFFFFFF
    return _seed % n


async def sleeper(i, ms, deadlines, woke, late_us):
    # The scheduler reads the same µs clock right after this line.
    deadlines[i] = time.ticks_add(time.ticks_us(), ms * 1000)
    await asyncio.sleep_ms(ms)
    late_us.append(time.ticks_diff(time.ticks_us(), deadlines[i]))
    woke.append(i)


async def random_sleeps():
    deadlines, woke, late_us = [0] * N, [], []
    for i in range(N):
        asyncio.create_task(sleeper(i, rand(200), deadlines, woke, late_us))
    while len(woke) < N:
        await asyncio.sleep_ms(50)
    expect = sorted(range(N), key=lambda i: (time.ticks_diff(deadlines[i], deadlines[0]), i))
    late_us.sort()
    print("%d tasks slept 0..199 ms at random" % N)
    print("  woke in deadline order:", woke == expect)
    print("  woke early:", sum(1 for x in late_us if x < 0))
    print("  lateness p50 %d us, max %d us" % (late_us[N // 2], late_us[-1]))
    return woke == expect and late_us[0] >= 0


async def starter(i, started):
    started.append(i)


async def equal_deadlines():
    loop = asyncio.get_event_loop()
    base = time.ticks_add(loop.time(), 20)
    slots = [rand(10) * 5 for _ in range(N)]
    started = []
    for i in range(N):
        loop.call_at_(time.ticks_add(base, slots[i]), starter(i, started))
    await asyncio.sleep_ms(100)
    expect = sorted(range(N), key=lambda i: (slots[i], i))
    print("%d tasks scheduled at %d distinct deadlines" % (N, len(set(slots))))
    print("  started in deadline order, equal deadlines in creation order:", started == expect)
    return started == expect


async def main():
    a = await random_sleeps()
    b = await equal_deadlines()
    return a and b


ok = asyncio.run(main())
print("demo", "OK" if ok else "FAILED")
