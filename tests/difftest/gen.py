# difftest generator: random asyncio programs whose output is deterministic
# by construction.
#
# A program is a few scenes run by main() one after another (or, untimed
# ones, several at once). A scene is an `async def sN()` that makes its own
# objects and tasks and awaits every task it made before it returns, so that
# nothing is left over for the next scene or the next program of a batch.
#
# Determinism rules (why the output never depends on the machine's load):
# - Untimed scenes order tasks only by FIFO run queues, sleep(0) rounds and
#   the sync primitives.
# - Timed sleeps: every task sleeps once; the tasks start in order of
#   non-decreasing duration, so their deadlines are in that order however
#   late any step runs; after waking a task only prints and ends, and main
#   prints the results only once all are done. Equal durations are FIFO.
# - A timeout that should fire waits on something that never comes (or a
#   10 s sleep that is cancelled); one that should not fire is 5 s long.
# - Stream scenes print only where the protocol orders events (ping-pong,
#   or after EOF), never how the bytes happen to be split.
#
# Each scene says what it needs:
#   "mpy"     MicroPython only (ThreadSafeFlag, fd-less streams, sleep_ms,
#             wait_for_ms, loop exception handler): not run on CPython.
#   "nostock" not in stock MicroPython (Queue, Semaphore): not run on stock.
#   "hop"     the output depends on how many scheduling steps a wake-up
#             takes, which CPython does differently from MicroPython (both
#             are right): not run on CPython.
#   "timed"   timers or I/O: never run concurrently with another scene.
#   "solo"    never run concurrently with another scene for another reason.

SOLO = {"timed", "solo"}
SLEEPS_MS = (0, 1, 2, 5, 10, 15, 20)  # all exact as seconds: int(s * 1000) == ms


class Scene:
    def __init__(self, g, k):
        self.g = g
        self.rng = g.rng
        self.k = k
        self.flags = set()
        self.lines = []
        self.depth = 1

    def p(self, *parts):
        # A print statement of the scene, tagged with the scene's number.
        return "print(%s)" % ", ".join(["'s%d'" % self.k] + list(parts))

    def w(self, text):
        for line in text.split("\n"):
            self.lines.append("    " * self.depth + line if line else "")

    def code(self):
        return "async def s%d():\n%s\n" % (self.k, "\n".join(self.lines))


def q(s):
    return repr(s)


def rounds_loop(sc, name, n, log=True):
    # n sleep(0) rounds, each printed or not.
    if n == 0:
        return ""
    body = "await asyncio.sleep(0)"
    if log:
        body += "\n    " + sc.p(q(name), "'round'", "i")
    return "for i in range(%d):\n    %s" % (n, body)


def sleep0(sc):
    # sleep(0) or, MicroPython only, sleep_ms(0).
    if sc.rng.random() < 0.15:
        sc.flags.add("mpy")
        return "asyncio.sleep_ms(0)"
    return "asyncio.sleep(0)"


# -- tasks and sleep(0) rounds ----------------------------------------------


def scene_tasks(sc):
    r = sc.rng
    n = r.randint(1, 4)
    sc.w("async def work(name, n, ret):")
    sc.w("    " + sc.p("name", "'start'", "asyncio.current_task() in ts"))
    sc.w("    for i in range(n):")
    sc.w("        await %s" % sleep0(sc))
    sc.w("        " + sc.p("name", "'round'", "i"))
    sc.w("    " + sc.p("name", "'end'"))
    sc.w("    return ret")
    specs = [(chr(97 + i), r.randint(0, 4), r.randint(0, 99)) for i in range(n)]
    sc.w("ts = [%s]" % ", ".join("asyncio.create_task(work(%r, %d, %d))" % s for s in specs))
    sc.w(sc.p("'created'"))
    if r.random() < 0.3:
        # More tasks awaiting the same task: woken in the order they began.
        sc.w("async def watcher(name, t):")
        sc.w("    " + sc.p("name", "'watches'"))
        sc.w("    " + sc.p("name", "'saw'", "await t"))
        sc.w("ts += [%s]" % ", ".join("asyncio.create_task(watcher('v%d', ts[%d]))" % (j, r.randrange(n)) for j in range(r.randint(1, 2))))
    if r.random() < 0.5:
        sc.w("await asyncio.sleep(0)")
        sc.w(sc.p("'main stepped'"))
    order = list(range(n))
    r.shuffle(order)
    for i in order:
        sc.w("r = await ts[%d]" % i)
        sc.w(sc.p("'got'", "%d" % i, "r", "ts[%d].done()" % i))
    sc.w("for t in ts[%d:]:" % n)
    sc.w("    await t")
    if r.random() < 0.3:
        sc.w("r = await ts[%d]" % order[0])  # awaiting a done task again
        sc.w(sc.p("'again'", "r"))


# -- timed sleeps --------------------------------------------------------------


def scene_sleeps(sc):
    r = sc.rng
    sc.flags.add("timed")
    n = r.randint(1, 5)
    ds = sorted(r.choice(SLEEPS_MS) for _ in range(n))
    ms = r.random() < 0.3
    if ms:
        sc.flags.add("mpy")
    sc.w("async def sl(name, d):")
    sc.w("    " + sc.p("name", "'sleeps'"))
    if ms:
        sc.w("    await asyncio.sleep_ms(d)")
    else:
        sc.w("    await asyncio.sleep(d / 1000)")
    sc.w("    " + sc.p("name", "'woke'"))
    sc.w("    return name")
    # Started in order of duration (see the rules at the top).
    sc.w("ts = [%s]" % ", ".join("asyncio.create_task(sl(%r, %d))" % ("t%d" % i, d) for i, d in enumerate(ds)))
    if r.random() < 0.5:
        sc.w("res = await asyncio.gather(*ts)")
    else:
        sc.w("res = []")
        sc.w("for t in ts:")
        sc.w("    res.append(await t)")
    sc.w(sc.p("res"))


# -- Event -------------------------------------------------------------------------


def scene_event(sc):
    r = sc.rng
    sc.w("e = asyncio.Event()")
    sc.w(sc.p("'is_set'", "e.is_set()"))
    if r.random() < 0.3:
        sc.w("e.set()")
        sc.w(sc.p("'wait set'", "await e.wait()"))
        sc.w("e.clear()")
    sc.w("async def waiter(name, pre):")
    sc.w("    for i in range(pre):")
    sc.w("        await asyncio.sleep(0)")
    sc.w("    " + sc.p("name", "'waits'"))
    sc.w("    r = await e.wait()")
    sc.w("    " + sc.p("name", "'woke'", "r", "e.is_set()"))
    sc.w("    return name")
    n = r.randint(1, 4)
    setter = r.choice(("main", "task"))
    rounds = r.randint(0, 4)
    # A waiter that starts waiting after set() and clear() would wait
    # forever: with clear(), all wait from their first step, before the set.
    clear_after = r.random() < 0.3
    if clear_after and setter == "main":
        rounds = max(rounds, 1)
    pre = [0 if clear_after else r.randint(0, 2) for i in range(n)]
    sc.w("ts = [%s]" % ", ".join("asyncio.create_task(waiter(%r, %d))" % ("w%d" % i, pre[i]) for i in range(n)))
    if setter == "main":
        sc.w("for i in range(%d):" % rounds)
        sc.w("    await asyncio.sleep(0)")
        sc.w(sc.p("'main sets'"))
        sc.w("e.set()")
        if clear_after:
            sc.w("e.clear()")
    else:
        sc.w("async def setter():")
        sc.w("    for i in range(%d):" % rounds)
        sc.w("        await asyncio.sleep(0)")
        sc.w("        " + sc.p("'setter round'", "i"))
        sc.w("    e.set()")
        if clear_after:
            sc.w("    e.clear()")
        sc.w("    " + sc.p("'set'"))
        sc.w("ts.append(asyncio.create_task(setter()))")
    if not clear_after and r.random() < 0.4:
        sc.w("ts.append(asyncio.create_task(waiter('late', %d)))" % r.randint(0, 6))
    sc.w("for t in ts:")
    sc.w("    r = await t")
    sc.w(sc.p("'joined'", "r"))
    sc.w(sc.p("'is_set'", "e.is_set()"))


# -- Lock -----------------------------------------------------------------------------


def scene_lock(sc):
    r = sc.rng
    sc.w("lk = asyncio.Lock()")
    form = r.choice(("with", "acquire"))
    sc.w("async def user(name, pre, hold):")
    sc.w("    for i in range(pre):")
    sc.w("        await asyncio.sleep(0)")
    sc.w("    " + sc.p("name", "'wants'"))
    sc.w("    try:")
    if form == "with":
        sc.w("        async with lk:")
        sc.w("            " + sc.p("name", "'has'"))
        sc.w("            for i in range(hold):")
        sc.w("                await asyncio.sleep(0)")
        sc.w("            if name == 'u1' and hold == 1:")
        sc.w("                raise KeyError(name)  # leaves the lock by an exception")
        sc.w("            " + sc.p("name", "'releases'"))
    else:
        sc.w("        r = await lk.acquire()")
        sc.w("        " + sc.p("name", "'has'", "r"))
        sc.w("        try:")
        sc.w("            for i in range(hold):")
        sc.w("                await asyncio.sleep(0)")
        sc.w("        finally:")
        sc.w("            " + sc.p("name", "'releases'"))
        sc.w("            lk.release()")
    sc.w("    except asyncio.CancelledError:")
    sc.w("        " + sc.p("name", "'cancelled'"))
    sc.w("        raise")
    sc.w("    except KeyError:")
    sc.w("        " + sc.p("name", "'raised in the lock'", "lk.locked()"))
    sc.w("    return name")
    n = r.randint(1, 4)
    specs = [("u%d" % i, r.randint(0, 2), r.randint(0, 3)) for i in range(n)]
    if r.random() < 0.3:
        sc.w("await lk.acquire()")
        sc.w(sc.p("'main holds'", "lk.locked()"))
        main_holds = True
    else:
        main_holds = False
    sc.w("ts = [%s]" % ", ".join("asyncio.create_task(user(%r, %d, %d))" % s for s in specs))
    if r.random() < 0.5:
        # Cancel one user after some rounds: waiting, holding, or done.
        # CPython's Lock wakes the next waiter through a future (one step
        # more than MicroPython's hand-off) once a waiter was cancelled.
        sc.flags.add("hop")
        sc.w("for i in range(%d):" % r.randint(0, 3))
        sc.w("    await asyncio.sleep(0)")
        sc.w(sc.p("'cancel'", "ts[%d].cancel()" % r.randrange(n)))
    if main_holds:
        sc.w("await asyncio.sleep(0)")
        sc.w("lk.release()")
        sc.w(sc.p("'main released'"))
    sc.w("for t in ts:")
    sc.w("    try:")
    sc.w("        " + sc.p("'joined'", "await t"))
    sc.w("    except asyncio.CancelledError:")
    sc.w("        " + sc.p("'joined cancelled'"))
    sc.w(sc.p("'locked'", "lk.locked()"))
    if r.random() < 0.2:
        sc.w("try:")
        sc.w("    lk.release()")
        sc.w("except RuntimeError:")
        sc.w("    " + sc.p("'release unlocked: RuntimeError'"))


# -- cancel ----------------------------------------------------------------------------


def scene_cancel(sc):
    r = sc.rng
    kind = r.choice(("sleeping", "event", "lock", "unstarted", "task", "rounds"))
    catch = r.choice(("reraise", "swallow", "raise_other", "none"))
    sc.w("e = asyncio.Event()")
    sc.w("lk = asyncio.Lock()")
    sc.w("await lk.acquire()")
    sc.w("async def inner():")
    sc.w("    try:")
    sc.w("        await asyncio.sleep(10)")
    sc.w("    except asyncio.CancelledError:")
    sc.w("        " + sc.p("'inner cancelled'"))
    sc.w("        raise")
    sc.w("async def victim():")
    sc.w("    " + sc.p("'victim starts'"))
    sc.w("    try:")
    wait = {
        "sleeping": "await asyncio.sleep(10)",
        "event": "await e.wait()",
        "lock": "await lk.acquire()",
        "unstarted": "await asyncio.sleep(10)",
        "task": "await asyncio.create_task(inner())",
        "rounds": "for i in range(%d):\n            await asyncio.sleep(0)\n            %s" % (r.randint(1, 6), sc.p("'victim round'", "i")),
    }[kind]
    sc.w("        " + wait)
    sc.w("        " + sc.p("'victim not cancelled'"))
    sc.w("        return 'normal'")
    if catch != "none":
        sc.w("    except asyncio.CancelledError:")
        sc.w("        " + sc.p("'victim caught CancelledError'"))
        if catch == "reraise":
            sc.w("        raise")
        elif catch == "swallow":
            sc.w("        return 'swallowed'")
        else:
            sc.w("        raise ValueError('from cancel')")
    sc.w("    finally:")
    sc.w("        " + sc.p("'victim finally'"))
    sc.w("t = asyncio.create_task(victim())")
    if kind != "unstarted":
        sc.w("for i in range(%d):" % r.randint(1, 3))
        sc.w("    await asyncio.sleep(0)")
    sc.w(sc.p("'cancel'", "t.cancel()"))
    if r.random() < 0.3:
        sc.w(sc.p("'cancel again'", "t.cancel()"))
    sc.w("try:")
    sc.w("    " + sc.p("'result'", "await t"))
    sc.w("except BaseException as ex:")
    sc.w("    " + sc.p("'raised'", "ename(ex)"))
    sc.w(sc.p("'done'", "t.done()", "t.cancel()"))
    sc.w("lk.release()")


# -- wait_for --------------------------------------------------------------------------


def scene_wait_for(sc):
    r = sc.rng
    sc.flags.add("timed")
    kind = r.choice(("fast", "timeout", "raises", "none", "outer_cancel", "task", "zero"))
    ms = r.random() < 0.2
    swallow = kind in ("timeout", "outer_cancel") and r.random() < 0.3
    if swallow and kind == "timeout":
        # CPython 3.11's wait_for returns the value of an `aw` that swallows
        # the cancel; MicroPython raises TimeoutError (both by design).
        sc.flags.add("mpy")
    sc.w("e = asyncio.Event()")
    sc.w("async def work(n, ret, fail):")
    sc.w("    " + sc.p("'work starts'"))
    sc.w("    try:")
    sc.w("        for i in range(n):")
    sc.w("            await asyncio.sleep(0)")
    sc.w("            " + sc.p("'work round'", "i"))
    sc.w("        if fail:")
    sc.w("            raise ValueError('work failed')")
    sc.w("        if ret is None:")
    sc.w("            await e.wait()  # never set")
    sc.w("        return ret")
    sc.w("    except asyncio.CancelledError:")
    sc.w("        " + sc.p("'work cancelled'"))
    if swallow:
        sc.w("        return 'swallowed'")
    else:
        sc.w("        raise")
    if ms:
        sc.flags.add("mpy")
        wf = "asyncio.wait_for_ms(%s, %d)"
        long_t, short_t = 5000, r.choice((1, 5, 10, 20))
    else:
        wf = "asyncio.wait_for(%s, %r)"
        long_t, short_t = 5, r.choice((0.001, 0.005, 0.01, 0.02))
    n = r.randint(0, 4)
    if kind == "fast":
        call = wf % ("work(%d, %d, False)" % (n, r.randint(0, 9)), long_t)
    elif kind == "timeout":
        # No rounds before the wait that never ends: a round is a later
        # step, which a short timeout may (under load) come before.
        call = wf % ("work(0, None, False)", short_t)
    elif kind == "raises":
        call = wf % ("work(%d, 1, True)" % n, long_t)
    elif kind == "none":
        call = "asyncio.wait_for(work(%d, %d, False), None)" % (n, r.randint(0, 9))
    elif kind == "task":
        sc.w("t = asyncio.create_task(work(%d, 7, False))" % n)
        call = wf % ("t", long_t)
    elif kind == "zero":
        # A timeout of 0: CPython 3.11 times out before `aw` ever runs;
        # MicroPython lets it run a step first.
        sc.flags.add("mpy")
        call = wf % ("work(%d, %d, False)" % (r.choice((0, 0, 1)), r.randint(0, 9)), 0)
    if kind == "outer_cancel":
        # CPython cancels `aw` first and the waiting task sees the cancel
        # once `aw` has ended; MicroPython's waiting task sees it first.
        sc.flags.add("hop")
        sc.w("async def outer():")
        sc.w("    try:")
        sc.w("        return await " + wf % ("work(%d, None, False)" % n, long_t))
        sc.w("    except asyncio.CancelledError:")
        sc.w("        " + sc.p("'outer cancelled'"))
        sc.w("        raise")
        sc.w("t = asyncio.create_task(outer())")
        sc.w("for i in range(%d):" % (n + r.randint(1, 3)))
        sc.w("    await asyncio.sleep(0)")
        sc.w(sc.p("'cancel'", "t.cancel()"))
        call = "t"
    sc.w("try:")
    sc.w("    " + sc.p("'result'", "await " + call))
    sc.w("except BaseException as ex:")
    sc.w("    " + sc.p("'raised'", "ename(ex)"))
    if kind == "task":
        sc.w(sc.p("'task done'", "t.done()"))


# -- gather ----------------------------------------------------------------------------


def scene_gather(sc):
    r = sc.rng
    n = r.randint(0, 4)
    retexc = r.random() < 0.5
    as_tasks = r.random() < 0.5
    cancel_gather = n > 0 and r.random() < 0.2
    sc.w("async def child(name, n, fail):")
    sc.w("    try:")
    sc.w("        for i in range(n):")
    sc.w("            await asyncio.sleep(0)")
    sc.w("            " + sc.p("name", "'round'", "i"))
    sc.w("        if fail:")
    sc.w("            raise ValueError(name)")
    sc.w("        return name")
    sc.w("    except asyncio.CancelledError:")
    sc.w("        " + sc.p("name", "'cancelled'"))
    sc.w("        raise")
    specs = [("c%d" % i, r.randint(0, 3), r.random() < 0.3) for i in range(n)]
    if cancel_gather:
        # A child task that fails before gather() has seen it is reported
        # as unretrieved by stock MicroPython only (DIFFERENCES.md, "A task
        # that failed before gather() saw it"): children fail later.
        specs = [(name, max(k, 1) if fail else k, fail) for name, k, fail in specs]
    failing = any(f for _, _, f in specs)
    if failing and not retexc:
        # The children left running after the first failure go on printing
        # while the gathering task resumes: how many steps that takes
        # differs between CPython and MicroPython. They are tasks, so that
        # they can be awaited here and none outlives the scene.
        as_tasks = True
        sc.flags.add("hop")
    if as_tasks:
        sc.w("cs = [%s]" % ", ".join("asyncio.create_task(child(%r, %d, %r))" % s for s in specs))
    else:
        sc.w("cs = [%s]" % ", ".join("child(%r, %d, %r)" % s for s in specs))
    kw = ", return_exceptions=True" if retexc else ""
    if cancel_gather:
        # Cancelling the gathering task cancels its children.
        sc.flags.add("hop")
        sc.w("async def gatherer():")
        sc.w("    return await asyncio.gather(*cs%s)" % kw)
        sc.w("g = asyncio.create_task(gatherer())")
        sc.w("for i in range(%d):" % r.randint(1, 3))
        sc.w("    await asyncio.sleep(0)")
        sc.w(sc.p("'cancel gather'", "g.cancel()"))
        sc.w("try:")
        sc.w("    " + sc.p("'gathered'", "show(await g)"))
        sc.w("except BaseException as ex:")
        sc.w("    " + sc.p("'gather raised'", "ename(ex)"))
    else:
        sc.w("try:")
        sc.w("    " + sc.p("'gathered'", "show(await asyncio.gather(*cs%s))" % kw))
        sc.w("except BaseException as ex:")
        sc.w("    " + sc.p("'gather raised'", "ename(ex)"))
    if as_tasks and n:
        sc.w("for c in cs:")
        sc.w("    try:")
        sc.w("        r = await c")
        sc.w("    except BaseException as ex:")
        sc.w("        r = ename(ex)")
        sc.w("    " + sc.p("'child'", "r"))
    elif cancel_gather:
        # Coroutines given to gather are its own tasks: give the cancelled
        # ones the rounds they need to end.
        sc.w("for i in range(6):")
        sc.w("    await asyncio.sleep(0)")


# -- exceptions in tasks -----------------------------------------------------------


def scene_exc(sc):
    r = sc.rng
    handler = r.random() < 0.4
    if handler:
        sc.flags.add("mpy")
        sc.w("def h(loop, ctx):")
        sc.w("    " + sc.p("'handler'", "ctx['message']", "ename(ctx['exception'])"))
        sc.w("asyncio.get_event_loop().set_exception_handler(h)")
    sc.w("async def bad(name, n, exc):")
    sc.w("    for i in range(n):")
    sc.w("        await asyncio.sleep(0)")
    sc.w("    " + sc.p("name", "'raises'"))
    sc.w("    raise exc(name)")
    n = r.randint(1, 3)
    specs = [("x%d" % i, r.randint(0, 2), r.choice(("ValueError", "KeyError", "OSError", "ZeroDivisionError"))) for i in range(n)]
    sc.w("ts = [%s]" % ", ".join("asyncio.create_task(bad(%r, %d, %s))" % s for s in specs))
    # Some are awaited (their exception retrieved), the others never: with
    # the default handler that goes to stderr (CPython: only at garbage
    # collection), so stdout is the same; stock and uaio stderr are compared.
    awaited = [i for i in range(n) if r.random() < 0.6]
    sc.w("for i in range(%d):" % r.randint(0, 4))
    sc.w("    await asyncio.sleep(0)")
    sc.w(sc.p("'main resumes'"))
    for i in awaited:
        sc.w("try:")
        sc.w("    await ts[%d]" % i)
        sc.w("except Exception as ex:")
        sc.w("    " + sc.p("'caught'", "ename(ex)"))
    sc.w("for i in range(4):")
    sc.w("    await asyncio.sleep(0)")
    sc.w(sc.p("'all done'", "[t.done() for t in ts]"))
    if handler:
        sc.w("asyncio.get_event_loop().set_exception_handler(None)")


# -- ThreadSafeFlag (MicroPython only) -------------------------------------------


def scene_tsf(sc):
    r = sc.rng
    # "solo": uaio checks I/O readiness once per round (DIFFERENCES.md,
    # "I/O readiness once per round"): not run beside tasks that print.
    sc.flags.update(("mpy", "solo"))
    kind = r.choice(("set_later", "set_before", "timeout", "clear"))
    # One waiter at a time: a second waiter is the DIFFERENCES.md entry
    # "A second waiter on a ThreadSafeFlag or a stream direction".
    sc.w("f = asyncio.ThreadSafeFlag()")
    sc.w("async def waiter():")
    sc.w("    " + sc.p("'waits'"))
    sc.w("    r = await f.wait()")
    sc.w("    " + sc.p("'woke'", "r"))
    sc.w("    return 'w'")
    if kind == "set_before":
        sc.w("f.set()")
        sc.w("t = asyncio.create_task(waiter())")
    elif kind == "clear":
        sc.w("f.set()")
        sc.w("f.clear()")
        sc.w("t = asyncio.create_task(waiter())")
        sc.w("await asyncio.sleep(0)")
        sc.w("f.set()")
    elif kind == "set_later":
        sc.w("t = asyncio.create_task(waiter())")
        sc.w("for i in range(%d):" % r.randint(1, 3))
        sc.w("    await asyncio.sleep(0)")
        sc.w(sc.p("'set'"))
        sc.w("f.set()")
    if kind == "timeout":
        sc.flags.add("timed")
        sc.w("try:")
        sc.w("    await asyncio.wait_for_ms(f.wait(), %d)" % r.choice((1, 5, 10)))
        sc.w("except asyncio.TimeoutError:")
        sc.w("    " + sc.p("'timeout'"))
        sc.w("f.set()")
        sc.w(sc.p("'after set'", "await f.wait()"))
    else:
        sc.w(sc.p("'joined'", "await t"))
    if r.random() < 0.5:
        # Set twice, then two waits in turn: the flag is not a counter.
        sc.w("f.set()")
        sc.w("f.set()")
        sc.w("await f.wait()")
        sc.w("try:")
        sc.w("    await asyncio.wait_for_ms(f.wait(), 2)")
        sc.w("    " + sc.p("'second wait returned'"))
        sc.w("except asyncio.TimeoutError:")
        sc.w("    " + sc.p("'second wait timed out'"))
        sc.flags.add("timed")


# -- Queue (uaio and CPython; stock has none) -----------------------------------


def scene_queue(sc):
    r = sc.rng
    sc.flags.add("nostock")
    maxsize = r.choice((0, 1, 2, 3))
    nitems = r.randint(0, 6)
    ncons = r.randint(1, 3)
    sc.w("qu = asyncio.Queue(%d)" % maxsize)
    sc.w(sc.p("'empty'", "qu.empty()", "qu.full()", "qu.qsize()"))
    sc.w("async def producer(n):")
    sc.w("    for i in range(n):")
    sc.w("        await qu.put(i)")
    sc.w("        " + sc.p("'put'", "i", "qu.qsize()"))
    sc.w("    for i in range(%d):" % ncons)
    sc.w("        await qu.put(None)")
    sc.w("async def consumer(name):")
    sc.w("    while True:")
    sc.w("        x = await qu.get()")
    sc.w("        " + sc.p("name", "'got'", "x"))
    sc.w("        qu.task_done()")
    sc.w("        if x is None:")
    sc.w("            return name")
    sc.w("        for i in range(%d):" % r.randint(0, 2))
    sc.w("            await asyncio.sleep(0)")
    order = r.random() < 0.5
    cons = "[asyncio.create_task(consumer('c%%d' %% i)) for i in range(%d)]" % ncons
    prod = "asyncio.create_task(producer(%d))" % nitems
    if order:
        sc.w("ts = %s + [%s]" % (cons, prod))
    else:
        sc.w("ts = [%s] + %s" % (prod, cons))
    if r.random() < 0.5:
        sc.w("await qu.join()")
        sc.w(sc.p("'joined queue'", "qu.qsize()"))
    sc.w("for t in ts:")
    sc.w("    " + sc.p("'done'", "await t"))
    sc.w("try:")
    sc.w("    qu.get_nowait()")
    sc.w("except asyncio.QueueEmpty:")
    sc.w("    " + sc.p("'QueueEmpty'"))
    if maxsize:
        sc.w("for i in range(%d):" % maxsize)
        sc.w("    qu.put_nowait(i)")
        sc.w("try:")
        sc.w("    qu.put_nowait(99)")
        sc.w("except asyncio.QueueFull:")
        sc.w("    " + sc.p("'QueueFull'", "qu.full()"))
    sc.w("try:")
    sc.w("    for i in range(%d):" % (maxsize + 1))
    sc.w("        qu.task_done()")
    sc.w("except ValueError:")
    sc.w("    " + sc.p("'task_done ValueError'"))


# -- Semaphore (uaio and CPython; stock has none) ----------------------------------


def scene_semaphore(sc):
    r = sc.rng
    sc.flags.add("nostock")
    value = r.randint(1, 3)
    bounded = r.random() < 0.4
    sc.w("sm = asyncio.%s(%d)" % ("BoundedSemaphore" if bounded else "Semaphore", value))
    sc.w("async def user(name, hold):")
    sc.w("    " + sc.p("name", "'wants'", "sm.locked()"))
    sc.w("    async with sm:")
    sc.w("        " + sc.p("name", "'has'"))
    sc.w("        for i in range(hold):")
    sc.w("            await asyncio.sleep(0)")
    sc.w("    " + sc.p("name", "'left'"))
    sc.w("    return name")
    n = r.randint(1, 5)
    sc.w("ts = [%s]" % ", ".join("asyncio.create_task(user('u%d', %d))" % (i, r.randint(0, 3)) for i in range(n)))
    sc.w("for t in ts:")
    sc.w("    " + sc.p("'done'", "await t"))
    sc.w(sc.p("'locked'", "sm.locked()"))
    if bounded:
        sc.w("try:")
        sc.w("    sm.release()")
        sc.w("except ValueError:")
        sc.w("    " + sc.p("'released too often'"))


# -- streams over a loopback TCP pair -------------------------------------------------


def scene_stream(sc):
    r = sc.rng
    sc.flags.add("timed")
    kind = r.choice(("pingpong", "bulk", "to_eof", "cancel_read", "timeout_read"))
    sc.w("a, b = pair()")
    sc.w("ra, wa = await streams(a)")
    sc.w("rb, wb = await streams(b)")
    stream_body(sc, kind, "ra, wa", "rb, wb", big=True)
    sc.w("wa.close()")
    sc.w("await wa.wait_closed()")
    sc.w("wb.close()")
    sc.w("await wb.wait_closed()")


def stream_body(sc, kind, ends_a, ends_b, big=False):
    # The protocol between the two ends; a's writes reach b and back.
    r = sc.rng
    if kind == "pingpong":
        n = r.randint(1, 5)
        exact = r.random() < 0.5
        sc.w("async def server():")
        sc.w("    %s = %s" % ("r, w", ends_b))
        sc.w("    while True:")
        if exact:
            sc.w("        m = await r.readexactly(4)")
        else:
            sc.w("        m = await r.readline()")
        sc.w("        " + sc.p("'server got'", "m"))
        sc.w("        if m.startswith(b'end'):")
        sc.w("            return 'served'")
        sc.w("        w.write(m.upper())")
        sc.w("        await w.drain()")
        sc.w("srv = asyncio.create_task(server())")
        sc.w("r, w = %s" % ends_a)
        sc.w("for i in range(%d):" % n)
        sc.w("    m = b'm%02d\\n' % i")
        # 'sent' before the write: after drain() it would race the server's
        # 'server got' (DIFFERENCES.md: a read whose data is there).
        sc.w("    " + sc.p("'sent'", "m"))
        sc.w("    w.write(m)")
        sc.w("    await w.drain()")
        if exact:
            sc.w("    " + sc.p("'reply'", "await r.readexactly(4)"))
        else:
            sc.w("    " + sc.p("'reply'", "await r.readline()"))
        sc.w("w.write(b'end\\n')")
        sc.w("await w.drain()")
        sc.w(sc.p("'server'", "await srv"))
    elif kind in ("bulk", "to_eof"):
        # Up to 100 KB: uaio's streams need more heap than stock's for a
        # bulk transfer (reported: 100 KB in 64 KB writes needs > 500 KB on
        # uaio, 500 KB on stock); memory is not what this test compares.
        size = r.choice((10, 100, 1000) + ((10000, 50000, 100000) if big else ())) if kind == "bulk" else r.randint(0, 50)
        # At most ~1,000 writes: one byte at a time is slow on stock.
        chunk = max(r.choice((1, 7, 100, 4096, 65536)), size // 1000)
        sc.w("r, w = %s" % ends_a)
        sc.w("rb_, wb_ = %s" % ends_b)
        sc.w("data = bytes((i * 7 + 3) % 251 for i in range({}))".format(size))
        sc.w("async def reader():")
        if kind == "bulk":
            sc.w("    got = bytearray()")
            sc.w("    while len(got) < %d:" % size)
            sc.w("        got += await rb_.readexactly(min(%d, %d - len(got)))" % (chunk, size))
            sc.w("    try:")
            sc.w("        x = await rb_.readexactly(1)")
            sc.w("    except EOFError:")
            sc.w("        x = 'EOF'")
            sc.w("    " + sc.p("'reader'", "len(got)", "bytes(got) == data", "x"))
        else:
            sc.w("    got = await rb_.read()")
            sc.w("    " + sc.p("'reader'", "got == data", "len(got)", "await rb_.read()"))
        sc.w("t = asyncio.create_task(reader())")
        sc.w("for i in range(0, len(data), %d):" % chunk)
        sc.w("    w.write(data[i:i + %d])" % chunk)
        if r.random() < 0.7:
            sc.w("    await w.drain()")
        sc.w("await w.drain()")
        sc.w(sc.p("'drained'"))
        sc.w("w.close()")
        sc.w("await w.wait_closed()")
        sc.w("await t")
    elif kind == "cancel_read":
        sc.w("r, w = %s" % ends_a)
        sc.w("rb_, wb_ = %s" % ends_b)
        sc.w("async def reader():")
        sc.w("    try:")
        sc.w("        return await rb_.readline()")
        sc.w("    except asyncio.CancelledError:")
        sc.w("        " + sc.p("'read cancelled'"))
        sc.w("        raise")
        sc.w("t = asyncio.create_task(reader())")
        sc.w("await asyncio.sleep(0)")
        sc.w(sc.p("'cancel'", "t.cancel()"))
        sc.w("try:")
        sc.w("    await t")
        sc.w("except asyncio.CancelledError:")
        sc.w("    " + sc.p("'reader was cancelled'"))
        # The stream still works for the next reader.
        sc.w("w.write(b'after\\n')")
        sc.w("await w.drain()")
        sc.w(sc.p("'next line'", "await rb_.readline()"))
    elif kind == "timeout_read":
        sc.w("r, w = %s" % ends_a)
        sc.w("rb_, wb_ = %s" % ends_b)
        sc.w("try:")
        sc.w("    await asyncio.wait_for(rb_.readexactly(3), 0.005)")
        sc.w("except asyncio.TimeoutError:")
        sc.w("    " + sc.p("'read timed out'"))
        sc.w("w.write(b'xyz')")
        sc.w("await w.drain()")
        sc.w(sc.p("'then'", "await rb_.readexactly(3)"))


# -- streams over an object without fd (MicroPython only) ---------------------------


def scene_pipe(sc):
    r = sc.rng
    sc.flags.update(("mpy", "timed"))
    kind = r.choice(("pingpong", "bulk", "to_eof", "cancel_read"))
    # The cancel_read protocol writes a whole line before it reads: the
    # pipe must hold it.
    cap = r.choice((16, 1000) if kind == "cancel_read" else (1, 3, 16, 1000))
    # One pipe per direction, one Stream per pipe end; half of the pipes'
    # ends have no readinto (read() alone, as many drivers).
    bare = r.random() < 0.5
    sc.w("r1, w1 = pipe(%d, %r)" % (cap, bare))
    sc.w("r2, w2 = pipe(%d, %r)" % (cap, bare))
    sc.w("ra, wa = asyncio.StreamReader(r2), asyncio.StreamWriter(w1)")
    sc.w("rb, wb = asyncio.StreamReader(r1), asyncio.StreamWriter(w2)")
    stream_body(sc, kind, "ra, wa", "rb, wb")


# -- the program ---------------------------------------------------------------------

SCENES = (
    (scene_tasks, 10),
    (scene_sleeps, 8),
    (scene_event, 8),
    (scene_lock, 8),
    (scene_cancel, 8),
    (scene_wait_for, 8),
    (scene_gather, 8),
    (scene_exc, 6),
    (scene_tsf, 5),
    (scene_queue, 5),
    (scene_semaphore, 4),
    (scene_stream, 6),
    (scene_pipe, 5),
)


class Program:
    def __init__(self, source, flags):
        self.source = source
        self.flags = flags

    @property
    def on_stock(self):
        return "nostock" not in self.flags

    @property
    def on_cpython(self):
        return not self.flags & {"mpy", "hop"}


def generate(rng, prelude, seed, index, scenes=SCENES, allowed=None):
    # One program: prelude text, scenes, main, run(main).
    funcs = [f for f, _ in scenes if allowed is None or f.__name__ in allowed]
    weights = [w for f, w in scenes if allowed is None or f.__name__ in allowed]
    flags = set()
    parts = []
    n = rng.randint(1, 4)
    for k in range(n):
        for _ in range(20):
            sc = Scene(rng_state(rng), k)
            rng.choices(funcs, weights)[0](sc)
            # Something must be compared: no "nostock" with "mpy".
            if not ({"mpy", "nostock"} <= (flags | sc.flags)):
                break
        else:
            continue
        flags |= sc.flags
        parts.append(sc)
    main = ["async def main():"]
    i = 0
    while i < len(parts):
        group = [parts[i]]
        # Untimed scenes may run at once (their interleaving is FIFO).
        while (
            i + len(group) < len(parts)
            and not group[0].flags & SOLO
            and not parts[i + len(group)].flags & SOLO
            and rng.random() < 0.3
        ):
            group.append(parts[i + len(group)])
        if len(group) == 1:
            main.append("    await s%d()" % group[0].k)
        else:
            flags.add("hop")
            main.append("    await asyncio.gather(%s)" % ", ".join("s%d()" % s.k for s in group))
        i += len(group)
    if rng.random() < 0.05:
        main.append("    raise ValueError('main ends')")
    elif not parts:
        main.append("    pass")
    src = "# difftest program: seed %d, index %d, flags %s\n%s\n%s\n%s\nrun(main)\n" % (
        seed,
        index,
        ",".join(sorted(flags)) or "-",
        prelude,
        "\n".join(s.code() for s in parts),
        "\n".join(main),
    )
    return Program(src, flags)


class rng_state:
    # The scene's view of the generator: its random numbers.
    def __init__(self, rng):
        self.rng = rng
