# Before any event loop exists: Events set (in a driver's constructor at
# import time, from a micropython.schedule() callback, with the heap locked
# as in a hard IRQ), a ThreadSafeFlag set, a Lock, sleeps, tasks, gather()
# and wait_for() made, current_task() asked (RuntimeError, as stock). All
# of it works once asyncio.run() starts.
import micropython
import asyncio


class Driver:
    # A driver that signals "ready" from its constructor, at import time.
    def __init__(self):
        self.ready = asyncio.Event()
        self.ready.set()


drv = Driver()
print("set in a constructor:", drv.ready.is_set())

irq_event = asyncio.Event()


def irq(_):
    irq_event.set()


micropython.schedule(irq, None)
for _ in range(10):  # pending callbacks run at the VM's next checks
    pass
print("set from a scheduled callback:", irq_event.is_set())

flag = asyncio.ThreadSafeFlag()
flag.set()
hard = asyncio.Event()
micropython.heap_lock()  # as in a hard IRQ: set() allocates nothing
hard.set()
flag.set()
micropython.heap_unlock()
print("set with the heap locked:", hard.is_set())
lock = asyncio.Lock()
never = asyncio.Event()
never.set()
never.clear()

try:
    asyncio.current_task()
except RuntimeError:
    print("current_task() outside: RuntimeError")

nap = asyncio.sleep_ms(20)
short = asyncio.sleep(0.01)


async def child(x):
    await asyncio.sleep_ms(1)
    return x * 2


early = asyncio.create_task(child(1))
loop_task = asyncio.get_event_loop().create_task(child(2))
both = asyncio.gather(child(3), child(4))
bounded = asyncio.wait_for(child(5), 1)


async def main():
    await drv.ready.wait()
    await irq_event.wait()
    await flag.wait()
    async with lock:
        print("lock held:", lock.locked())
    await nap
    await short
    print("sleeps made before the loop: awaited")
    print("tasks:", await early, await loop_task)
    print("gather:", await both)
    print("wait_for:", await bounded)
    print("never set:", never.is_set())


asyncio.run(main())
