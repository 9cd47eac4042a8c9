# Program B of the soft-reset test: runs on a fresh VM; nothing of program
# A may show (no stale task or callback fires, no task is listed), timing is
# right, and the free memory is the same after every reset (no leak).
import gc
import time
import asyncio

try:
    import _uaio
except ImportError:
    _uaio = None  # stock MicroPython, the comparison (soft_reset.py --stock)

# The C module itself must hold no scheduler yet (not the old VM's).
if _uaio is None:
    print("C state: stock asyncio")
else:
    try:
        print("C state", _uaio.counts())
    except RuntimeError as e:
        print("C state:", e)
all_tasks = getattr(asyncio, "all_tasks", lambda: ())
print("tasks at start", len(all_tasks()))
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
print("tasks at end", len(all_tasks()))
gc.collect()
print("mem_free", gc.mem_free())
