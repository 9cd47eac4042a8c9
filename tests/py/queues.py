# uasyncio.queues.Queue: get/put/get_nowait/put_nowait/qsize/empty/full,
# QueueEmpty/QueueFull, a bounded put that blocks, FIFO getters, task_done /
# join, and waiters woken by events rather than by polling.
import uasyncio as asyncio
from uasyncio.queues import Queue, QueueEmpty, QueueFull
from uasyncio.core import EventLoop

print("also in uasyncio", asyncio.Queue is Queue, asyncio.QueueEmpty is QueueEmpty, asyncio.QueueFull is QueueFull)

log = []


async def producer(q, items):
    for x in items:
        await q.put(x)
        log.append(("put", x))
    log.append("producer done")


async def consumer(q, n, name="c"):
    for i in range(n):
        x = await q.get()
        log.append((name, x))


async def worker(q, done):
    while True:
        x = await q.get()
        await asyncio.sleep_ms(x)
        done.append(x)
        q.task_done()


async def main():
    global log
    # Unbounded: never full; FIFO; nowait variants.
    q = Queue()
    print("empty", q.empty(), "full", q.full(), "qsize", q.qsize())
    try:
        q.get_nowait()
    except QueueEmpty:
        print("get_nowait on empty: QueueEmpty")
    for i in range(100):
        q.put_nowait(i)
    await q.put("last")
    print("empty", q.empty(), "full", q.full(), "qsize", q.qsize())
    print("FIFO", [q.get_nowait() for i in range(5)], await q.get())
    while not q.empty():
        last = q.get_nowait()
    print("drained", last, q.qsize())

    # Bounded: full() and QueueFull; put blocks until a get makes room.
    q = Queue(maxsize=2)
    q.put_nowait("a")
    q.put_nowait("b")
    print("full", q.full(), "qsize", q.qsize())
    try:
        q.put_nowait("c")
    except QueueFull:
        print("put_nowait on full: QueueFull")
    q.get_nowait()
    q.get_nowait()
    log = []
    asyncio.create_task(producer(q, [1, 2, 3, 4, 5]))
    await asyncio.sleep_ms(10)
    print("producer blocked at maxsize", log, q.qsize())
    asyncio.create_task(consumer(q, 5))
    await asyncio.sleep_ms(10)
    print(log)
    print("all through", [e for e in log if e[0] == "c"] == [("c", i) for i in (1, 2, 3, 4, 5)])

    # Getters are served in the order they started waiting.
    log = []
    q = Queue()
    for name in ("g1", "g2", "g3"):
        asyncio.create_task(consumer(q, 1, name))
    await asyncio.sleep_ms(5)
    for x in ("x", "y", "z"):
        q.put_nowait(x)
        await asyncio.sleep_ms(1)
    await asyncio.sleep_ms(5)
    print("FIFO getters", log)

    # task_done / join.
    q = Queue()
    done = []
    for i in range(2):
        asyncio.create_task(worker(q, done))
    for ms in (5, 1, 3, 2):
        q.put_nowait(ms)
    await q.join()
    print("join after all task_done", sorted(done), q.empty())
    await q.join()  # nothing unfinished: at once
    print("join again at once")
    try:
        q.task_done()
    except ValueError:
        print("task_done too many times: ValueError")

    # A getter cancelled, or timed out, while waiting takes no item later.
    log = []
    q = Queue()
    t = asyncio.create_task(consumer(q, 1, "cancelled"))
    await asyncio.sleep_ms(2)
    t.cancel()
    try:
        await asyncio.wait_for_ms(q.get(), 10)
    except asyncio.TimeoutError:
        print("get timed out")
    await asyncio.sleep_ms(2)
    q.put_nowait("kept")
    await asyncio.sleep_ms(5)
    print("item kept", log, q.qsize(), q.get_nowait())

    # A put cancelled while waiting for room adds nothing.
    q = Queue(1)
    q.put_nowait("first")
    t = asyncio.create_task(producer(q, ["cancelled put"]))
    await asyncio.sleep_ms(2)
    t.cancel()
    await asyncio.sleep_ms(2)
    print("cancelled put", q.get_nowait(), q.empty())


asyncio.run(main())


# Woken by the put, not by polling: a getter parked on an empty queue leaves
# nothing scheduled, so the (2.x) loop waits with no deadline (wait(-1)),
# where the put happens, as another thread or an interrupt would do it.
class Loop(EventLoop):
    def __init__(self, q):
        self.q = q
        self.waits = []
        super().__init__()

    def time(self):
        return 0

    def wait(self, delay):
        self.waits.append(delay)
        if delay < 0:
            if self.waits.count(-1) > 1:
                raise RuntimeError("the put did not wake the getter")
            self.q.put_nowait("from outside")


async def getter(loop, q):
    print("got", await q.get())
    loop.stop()


q = Queue()
loop = Loop(q)
loop.create_task(getter(loop, q))
loop.run_forever()
print("waits", loop.waits)
