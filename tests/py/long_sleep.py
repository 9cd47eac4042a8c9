# A sleep never ends early, however long. On a virtual clock (an EventLoop
# that overrides time() and wait()), sleep_ms(n), 2.x `yield n` and
# `yield SleepMs(n)`, and call_later_ms(n), for n = 2^k ms up to just under
# half the ticks period, end exactly n ms later, or raise OverflowError (in
# the task, or at the call) where the scheduler's 64-bit µs time cannot hold
# n (n > 2^54 µs, on 64-bit ports only).
import time
import uasyncio as asyncio
from uasyncio.core import EventLoop, SleepMs

PERIOD = time.ticks_add(0, -1) + 1
HALF = PERIOD // 2


class Idle(Exception):
    pass


class VirtualLoop(EventLoop):
    def __init__(self):
        self.t = PERIOD - 10  # just before the wrap
        super().__init__()

    def time(self):
        return self.t

    def wait(self, delay):
        if delay < 0:
            raise Idle
        self.t = time.ticks_add(self.t, delay)


def sleep(n, how):
    loop = VirtualLoop()
    t0 = loop.t
    woke = []

    async def task():
        try:
            await asyncio.sleep_ms(n)
        except OverflowError:
            woke.append("refused")
            return
        woke.append(loop.t)

    def gen(value):
        try:
            yield value
        except OverflowError:
            woke.append("refused")
            return
        woke.append(loop.t)

    try:
        if how == "sleep_ms":
            loop.create_task(task())
        elif how == "yield":
            loop.create_task(gen(n))
        elif how == "SleepMs":
            loop.create_task(gen(SleepMs(n)))
        else:
            loop.call_later_ms(n, lambda: woke.append(loop.t))
    except OverflowError:
        return "refused"
    try:
        loop.run_forever()
    except Idle:
        pass
    if len(woke) != 1:
        return "lost"
    if woke[0] == "refused":
        return "refused"
    d = time.ticks_diff(woke[0], t0)
    return "exact" if d == n else "early" if d < n else "late"


bad = []
exact = 0
n = 1
while True:
    for how in ("sleep_ms", "yield", "SleepMs", "call_later_ms"):
        r = sleep(n, how)
        if r == "exact" and n <= 1 << 28:
            exact += 1
        if r not in ("exact", "refused") or (r == "refused" and n < 1 << 29):
            bad.append((how, n, r))
    if n == HALF - 1:
        break
    n = min(2 * n, HALF - 1)
print("never early or lost", bad)
print("exact up to 2^28 ms", exact)
