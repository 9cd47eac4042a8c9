# An EventLoop subclass that overrides time() and wait() (the 2.x way to
# plug in a virtual clock) is honoured: the loop reads self.time() once per
# round, runs the round, then calls self.wait(delay) with 0 when work is
# runnable, -1 when nothing is scheduled, else the ms to the next deadline.
# An exception raised in wait() propagates out of run_forever().
import time
import uasyncio as asyncio
from uasyncio.core import EventLoop


class Done(Exception):
    pass


# 1. The exact cycle: time(), the round, wait(); plain `yield` tasks.
log = []


class CycleLoop(EventLoop):
    def time(self):
        log.append("T")
        return 1000

    def wait(self, delay):
        log.append("W%d" % delay)
        if delay < 0:
            raise Done("nothing scheduled")


def gen(name, n):
    for i in range(n):
        log.append(name + str(i))
        yield


loop = CycleLoop()
print("get_event_loop returns it", asyncio.get_event_loop() is loop)
loop.create_task(gen("a", 2))
loop.create_task(gen("b", 1))
try:
    loop.run_forever()
    print("run_forever returned")
except Done as e:
    print("run_forever raised", repr(e))
print(log)


# 2. Deadlines: wait() gets the ms to the next deadline and advances the
# virtual clock by it.
class VirtualLoop(EventLoop):
    def __init__(self, start, step=None):
        self.t = start
        self.step = step  # the most one wait() advances (None: all of it)
        self.waits = []
        super().__init__()

    def time(self):
        return self.t

    def wait(self, delay):
        self.waits.append(delay)
        if delay < 0:
            raise Done("idle at %d" % self.t)
        if self.step is not None:
            delay = min(delay, self.step)
        self.t = time.ticks_add(self.t, delay)


events = []


async def sleeper(loop):
    await asyncio.sleep_ms(100)
    events.append(("slept 100", loop.t))
    await asyncio.sleep_ms(30)
    events.append(("slept 30", loop.t))
    await asyncio.sleep(0.2)
    events.append(("slept 0.2 s", loop.t))


loop = VirtualLoop(5000)
loop.call_later_ms(50, lambda: events.append(("callback at 50", loop.t)))
loop.create_task(sleeper(loop))
try:
    loop.run_forever()
except Done as e:
    print("run_forever raised", repr(e))
print(events)
print("waits", loop.waits)

# 3. A wait() that returns early (as on an unrelated I/O event): the loop
# asks again for the time left.
events = []
loop = VirtualLoop(0, step=40)
loop.create_task(sleeper(loop))
try:
    loop.run_forever()
except Done as e:
    print("run_forever raised", repr(e))
print(events)
print("waits", loop.waits)

# 4. wait(0) while work is runnable, then the deadline.
events = []


async def spinner(loop):
    for i in range(3):
        await asyncio.sleep_ms(0)
    events.append(("spun", loop.t))
    await asyncio.sleep_ms(10)
    events.append(("slept 10", loop.t))


loop = VirtualLoop(0)
loop.create_task(spinner(loop))
try:
    loop.run_forever()
except Done as e:
    print("run_forever raised", repr(e))
print(events)
print("waits", loop.waits)

# 5. run_until_complete on a virtual clock: a long virtual sleep takes no
# real time, and the value comes back.


async def long_sleep():
    await asyncio.sleep(1000)
    return "woke at %d" % asyncio.get_event_loop().t


t0 = time.ticks_ms()
loop = VirtualLoop(7)
print(loop.run_until_complete(long_sleep()))
print("no real waiting", time.ticks_diff(time.ticks_ms(), t0) < 500)
print("waits", loop.waits)

# 6. loop.time() of the subclass is what call_at_ and call_later_ms use.
events = []
loop = VirtualLoop(100)
loop.call_at_(150, lambda: events.append(("at 150", loop.t)))
loop.call_later_ms(20, lambda: events.append(("later 20", loop.t)))
try:
    loop.run_forever()
except Done as e:
    print("run_forever raised", repr(e))
print(events)
print("waits", loop.waits)

# 7. Only wait() overridden: the clock is the real one; wait() gets the time
# left (never more than the sleep) and must do the waiting itself.
class RealWaitLoop(EventLoop):
    def __init__(self):
        self.waits = []
        super().__init__()

    def wait(self, delay):
        self.waits.append(delay)
        if delay < 0:
            raise Done("idle")
        time.sleep_ms(delay)


async def real_sleeper():
    await asyncio.sleep_ms(20)
    events.append("slept 20 real ms")


loop = RealWaitLoop()
events = []
loop.create_task(real_sleeper())
t0 = time.ticks_ms()
try:
    loop.run_forever()
except Done as e:
    print("run_forever raised", repr(e))
print(events, "waited >= 20 ms", time.ticks_diff(time.ticks_ms(), t0) >= 20)
print("positive waits within the sleep", all(0 < d <= 20 for d in loop.waits[:-1]), "last", loop.waits[-1])

# 8. sleep_ms, create_task and wait_for act on the running subclass loop.
events = []


async def vchild(loop, ms):
    await asyncio.sleep_ms(ms)
    events.append(("child slept %d" % ms, loop.t))
    return ms


async def vmain(loop):
    asyncio.create_task(vchild(loop, 40))
    print("wait_for_ms in time", await asyncio.wait_for_ms(vchild(loop, 50), 100), loop.t)
    try:
        await asyncio.wait_for(vchild(loop, 1000), 0.1)
    except asyncio.TimeoutError:
        events.append(("TimeoutError", loop.t))
    return "vmain done"


t0 = time.ticks_ms()
loop = VirtualLoop(0)
print(loop.run_until_complete(vmain(loop)), events, time.ticks_diff(time.ticks_ms(), t0) < 500)

# 9. A loop is the current loop while it runs, even after another loop was
# made: its own clock and wait are used, and get_event_loop() returns it.


async def which(ms):
    await asyncio.sleep_ms(ms)
    return asyncio.get_event_loop()


a = VirtualLoop(0)
b = asyncio.new_event_loop()
t0 = time.ticks_ms()
print("first loop runs as itself", a.run_until_complete(which(300)) is a, a.t, time.ticks_diff(time.ticks_ms(), t0) < 150)
print("second loop runs as itself", b.run_until_complete(which(1)) is b)

# 10. Only time() overridden: a real clock shifted to 100 ms before the ticks
# wrap-around; the default wait sleeps for real, deadlines cross the wrap.
class ShiftedLoop(EventLoop):
    def __init__(self):
        self.offset = time.ticks_diff(time.ticks_add(0, -100), time.ticks_ms())
        super().__init__()

    def time(self):
        self.read = time.ticks_ms()
        return time.ticks_add(self.read, self.offset)


events = []


async def shifted(loop):
    # The scheduler counts from its round's reading of time(), which can be
    # a tick before this step runs (slow builds, a loaded machine): measure
    # from that reading, not from a later one.
    t0 = loop.read
    loop.call_at_(time.ticks_add(loop.time(), 120), lambda: events.append(("at +120", time.ticks_diff(time.ticks_ms(), t0) >= 120)))
    loop.call_later_ms(60, lambda: events.append(("later 60", time.ticks_diff(time.ticks_ms(), t0) >= 60)))
    await asyncio.sleep_ms(150)
    events.append(("slept 150", 150 <= time.ticks_diff(time.ticks_ms(), t0) < 600))
    return loop.time()


loop = ShiftedLoop()
end = loop.run_until_complete(shifted(loop))
print(events, "wrapped", 0 <= end < 1000)
