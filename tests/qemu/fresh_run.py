# Program B of the soft-reset test: runs on a fresh VM; nothing of program
# A may show (no stale task or callback fires, no task is listed), timing is
# right, and the free memory is the same after every reset (no leak).
import gc
import time
import asyncio

import _uaio

# The C module itself must hold no scheduler yet (not the old VM's).
try:
    print("C state", _uaio.counts())
except RuntimeError as e:
    print("C state:", e)
print("tasks at start", len(asyncio.all_tasks()))
order = []


async def sleeper(ms):
    await asyncio.sleep_ms(ms)
    order.append(ms)


async def main():
    await asyncio.gather(*(sleeper(ms) for ms in (50, 10, 30, 20, 40)))
    await asyncio.sleep_ms(60)  # time for anything stale to fire


t0 = time.ticks_ms()
asyncio.run(main())
elapsed = time.ticks_diff(time.ticks_ms(), t0)
print("order", order, "on time", 110 <= elapsed < 1000)
print("tasks at end", len(asyncio.all_tasks()))
gc.collect()
print("mem_free", gc.mem_free())
