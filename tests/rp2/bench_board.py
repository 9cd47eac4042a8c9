# Runs on the board (both images; bench/mcu.py, on rp2040js and on qemu's
# B_L475E_IOT01A_QEMU): the cost of a task switch and of an Event round trip, in µs of the board's clock (the
# emulated RP2040 counts the cycles of every instruction at 125 MHz; qemu with
# -icount shift=0 counts one ns per instruction), and the free heap.

import gc

gc.collect()
print("heap_free_boot", gc.mem_free())
import time
import asyncio

gc.collect()
print("heap_free_asyncio", gc.mem_free())

N, K = 10, 100  # tasks, sleep_ms(0) each
M = 200  # Event round trips


async def worker(k):
    for _ in range(k):
        await asyncio.sleep_ms(0)


async def switches():
    ts = [asyncio.create_task(worker(K)) for _ in range(N)]
    t0 = time.ticks_us()
    for t in ts:
        await t
    return time.ticks_diff(time.ticks_us(), t0) / (N * (K + 1))


async def round_trips():
    ping, pong = asyncio.Event(), asyncio.Event()

    async def echo():
        for _ in range(M):
            await ping.wait()
            ping.clear()
            pong.set()

    task = asyncio.create_task(echo())
    await asyncio.sleep_ms(0)
    t0 = time.ticks_us()
    for _ in range(M):
        ping.set()
        await pong.wait()
        pong.clear()
    dt = time.ticks_diff(time.ticks_us(), t0)
    await task
    return dt / M


async def sleeper():
    await asyncio.sleep_ms(60_000)


async def task_bytes(n=100):
    # Heap per task asleep in sleep_ms() (tests/py/sleep_order.py has 1000).
    gc.collect()
    before = gc.mem_free()
    ts = [asyncio.create_task(sleeper()) for _ in range(n)]
    await asyncio.sleep_ms(0)
    gc.collect()
    used = before - gc.mem_free()
    for t in ts:
        t.cancel()
    await asyncio.sleep_ms(0)
    return used / n


print("switch_us %.2f" % asyncio.run(switches()))
print("task_bytes %.1f" % asyncio.run(task_bytes()))
print("event_round_trip_us %.2f" % asyncio.run(round_trips()))
