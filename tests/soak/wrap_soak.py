# Soak across the ticks wrap-around: a million timer events on a virtual
# clock that starts just before MicroPython's ticks period wraps.
#   micropython wrap_soak.py [EVENTS [SEED]]
#
# The 2.x way to plug a clock in: an EventLoop subclass whose time() returns
# virtual ms ticks and whose wait(delay) advances them by exactly `delay`, so
# the run takes no real waiting. Chains of events of four kinds (tasks that
# `await sleep_ms(d)`, 2.x generators that `yield d`, call_later_ms callbacks,
# bursts of call_at_ callbacks on one tick) each schedule their next event
# with a random delay: mostly short, now and then long (up to a quarter of
# the ticks period, so that a small period wraps several times). Every event
# checks, when it runs, that the virtual clock is exactly its deadline (never
# early, and the loop woke for it) and that it comes after the previous event
# in (deadline, scheduling order); at the end the count must be exact and
# nothing may be left scheduled.
import sys
import time
import random
import _uaio
import uasyncio as asyncio
from uasyncio.core import EventLoop

ticks_add = time.ticks_add
ticks_diff = time.ticks_diff
getrandbits = random.getrandbits

PERIOD = ticks_add(0, -1) + 1  # 2^62 on 64-bit unix, 2^30 on 32-bit ports
BITS = len(bin(PERIOD)) - 3
EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 1
CHAINS = 1000  # 250 of each kind
START_BEFORE = 300  # ms before the wrap: the first wrap comes in the dense start
# Long delays: up to a quarter of the period, at most 2^40 ms (the
# scheduler's µs time must not overflow 64 bits over a whole run).
LONG_BITS = min(BITS - 2, 40)
LONG_HI = min(LONG_BITS, 30)
LONG_SHIFT = LONG_BITS - LONG_HI


class Idle(Exception):
    pass


class VirtualLoop(EventLoop):
    def __init__(self, start):
        self.t = start
        self.waits = 0
        self.wraps = 0
        super().__init__()

    def time(self):
        return self.t

    def wait(self, delay):
        if delay < 0:
            raise Idle  # nothing is scheduled any more
        self.waits += 1
        t = ticks_add(self.t, delay)
        if t < self.t:
            self.wraps += 1
        self.t = t


def delay():
    # 0..63 ms, and one time in 16 a long one.
    if getrandbits(4):
        return getrandbits(6)
    return (getrandbits(LONG_HI) << LONG_SHIFT) + getrandbits(6)


seq = 0  # scheduling order
count = 0
crossed = 0  # events whose deadline is past a wrap of their scheduling time
last_deadline = None
last_seq = -1
errors = 0


def error(msg):
    global errors
    errors += 1
    if errors <= 10:
        print("ERROR:", msg)


def fired(deadline, s, scheduled):
    # One event ran: scheduled at tick `scheduled` for tick `deadline`, the
    # `s`-th thing scheduled.
    global count, crossed, last_deadline, last_seq
    count += 1
    now = loop.t
    if now != deadline:
        error("event %d due at %d ran at %d (%d ms %s)" % (s, deadline, now, abs(ticks_diff(now, deadline)),
                                                          "early" if ticks_diff(now, deadline) < 0 else "late"))
    if last_deadline is not None:
        d = ticks_diff(deadline, last_deadline)
        if d < 0 or (d == 0 and s < last_seq):
            error("event %d (due %d) ran after event %d (due %d)" % (s, deadline, last_seq, last_deadline))
    if deadline < scheduled:
        crossed += 1
    last_deadline = deadline
    last_seq = s


# The four kinds of chains; each runs `n` events.
async def task_chain(n):
    global seq
    for _ in range(n):
        d = delay()
        t = loop.t
        s = seq
        seq += 1
        await asyncio.sleep_ms(d)
        fired(ticks_add(t, d), s, t)


def gen_chain(n):
    global seq
    for _ in range(n):
        d = delay()
        t = loop.t
        s = seq
        seq += 1
        yield d  # 2.x: sleep d ms
        fired(ticks_add(t, d), s, t)


def later_chain(n):
    global seq
    d = delay()
    t = loop.t
    loop.call_later_ms(d, later_cb, ticks_add(t, d), seq, t, n - 1)
    seq += 1


def later_cb(deadline, s, t, left):
    fired(deadline, s, t)
    if left:
        later_chain(left)


def at_chain(n):
    # A burst of 1..4 events on one tick (equal deadlines run in the order
    # they were scheduled); the last one goes on.
    global seq
    t = loop.t
    target = ticks_add(t, delay())
    k = min(n, 1 + getrandbits(2))
    for j in range(k):
        loop.call_at_(target, at_cb, (target, seq, t, n - k if j == k - 1 else 0))
        seq += 1


def at_cb(deadline, s, t, left):
    fired(deadline, s, t)
    if left:
        at_chain(left)


random.seed(SEED)
loop = VirtualLoop(ticks_add(0, -START_BEFORE))
per_chain = EVENTS // CHAINS
for i in range(CHAINS):
    n = per_chain + (1 if i < EVENTS % CHAINS else 0)
    if n == 0:
        continue
    kind = i % 4
    if kind == 0:
        loop.create_task(task_chain(n))
    elif kind == 1:
        loop.create_task(gen_chain(n))
    elif kind == 2:
        later_chain(n)
    else:
        at_chain(n)

print("ticks period 2^%d; clock starts %d ms before the wrap; %d events in %d chains, seed %d"
      % (BITS, START_BEFORE, EVENTS, CHAINS, SEED))
t0 = time.ticks_ms()
try:
    loop.run_forever()
    error("run_forever returned")
except Idle:
    pass
elapsed = time.ticks_diff(time.ticks_ms(), t0) / 1000
left = _uaio.counts()
print("events fired: %d of %d (scheduled %d); %d crossed a wrap; %d wraps; %d waits; %.1f s (%.0f events/s)"
      % (count, EVENTS, seq, crossed, loop.wraps, loop.waits, elapsed, count / elapsed))
if count != EVENTS or seq != EVENTS:
    error("%d events fired, %d scheduled, of %d" % (count, seq, EVENTS))
if left != (0, 0, 0):
    error("left scheduled (runnable, timers, I/O): %r" % (left,))
if loop.wraps < 1:
    error("the clock never wrapped")
if errors:
    print("FAIL: %d errors" % errors)
    sys.exit(1)
print("soak: OK")
