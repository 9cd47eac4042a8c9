# uasyncio.core: the loop and tasks of MicroPython's asyncio, on the uaio
# core, with Event, Lock, ThreadSafeFlag, gather and wait_for (stock's
# event.py, lock.py and funcs.py: one module costs less flash than four).
# (The 2.x layer, _v2.py in the default and full profiles, extends it.)
#
# The run loop is C (_uaio.run): it resumes tasks, sleeps until the next
# deadline or I/O event, and calls back here only for what is rare: a task
# yielded something other than the scheduler's own values (_yielded), a
# callback or handler raised (_error), a task's exception was never
# retrieved (_unretrieved).
import sys
import _uaio


# (Made by type(): a class statement's body would be frozen code of its own.)
CancelledError = type("CancelledError", (BaseException,), {})
TimeoutError = type("TimeoutError", (Exception,), {})


Task = _uaio.Task
sleep_ms = _uaio.sleep_ms
sleep = _uaio.sleep
# Lock (the modern interface): FIFO, `async with`, locked() a method, a bad
# release() raises RuntimeError. In C: acquiring allocates nothing.
Lock = _uaio.Lock
ThreadSafeFlag = _uaio.ThreadSafeFlag


# Event: waiting allocates nothing: wait() returns an awaitable of the C
# core, not a new coroutine.
class Event:
    def __init__(self):
        self.state = False
        self.waiting = _uaio.WaitQueue()

    def is_set(self):
        return self.state

    def set(self):
        # Every waiter runs, in the order they started waiting.
        self.state = True
        self.waiting.wake_all()

    def clear(self):
        self.state = False

    def wait(self):
        return _uaio.done_true if self.state else _uaio.park(self.waiting, self, "wait")


_loop = None


async def _await(aw):
    return await aw


def _promote(aw, loop=None):
    # Any awaitable as a task; also 2.x's ensure_future(aw, loop). (A
    # sleep_ms(), Event.wait() ... gets a state of its own first: it is
    # awaited later, by the new task.)
    if isinstance(aw, Task):
        return aw
    return create_task(aw if hasattr(aw, "send") else _await(_uaio.detach(aw)))


def create_task(coro):
    get_event_loop()
    return Task(coro)  # scheduled


class Loop:
    # Each loop has its own scheduler; the one running is the current one.
    _exc_handler = None

    def __init__(self, runq_len=16, waitq_len=16):
        global _loop
        self._outer = []
        # The new loop becomes the current one, unless a loop is running
        # (new_event_loop() inside a task): that one stays current.
        if not _uaio.running():
            _loop = self
        self._sched = _uaio.init(self, CancelledError, *self._hooks())

    def _hooks(self):
        # (time() overridden, wait() overridden): 2.x subclasses only.
        return False, False

    # Work done on a loop's behalf goes to its own scheduler, whichever is
    # current; while it runs, it is the current loop.
    def __enter__(self):
        global _loop
        self._outer.append((_loop, _uaio.use(self._sched)))
        _loop = self

    def __exit__(self, *exc):
        global _loop
        _loop, prev = self._outer.pop()
        if prev is not None:
            _uaio.use(prev)

    def create_task(self, coro):
        with self:
            return create_task(coro)

    def run_forever(self):
        self._stop_value = None
        with self:
            _uaio.run(None)
        return self._stop_value  # 2.x: `yield StopLoop(value)`

    def run_until_complete(self, aw):
        with self:
            _uaio.check_idle()  # refused from inside a task: schedule nothing
            return _uaio.run(_promote(aw))

    def stop(self):
        _uaio.stop()

    def close(self):
        pass

    # The exception handler (shared by all loops, as in MicroPython).
    def set_exception_handler(self, handler):
        Loop._exc_handler = handler

    def get_exception_handler(self):
        return Loop._exc_handler

    def default_exception_handler(self, loop, context):
        print(context["message"], file=sys.stderr)
        f = context.get("future")
        if isinstance(f, Task):
            print("future:", f, "coro=", f.coro, file=sys.stderr)
        elif f is not None:
            print("callback:", f, file=sys.stderr)  # a callback has no coro
        sys.print_exception(context["exception"], sys.stderr)

    def call_exception_handler(self, context):
        (Loop._exc_handler or self.default_exception_handler)(self, context)

    # Calls from the C loop.
    def _yielded(self, task, value):
        _uaio.cancel(task, RuntimeError("uasyncio: a task yielded %r" % (value,)))

    def _error(self, exc, callback):
        self.call_exception_handler({"message": "Unhandled exception in callback", "exception": exc, "future": callback})

    def _unretrieved(self, task):
        self.call_exception_handler({"message": "Task exception wasn't retrieved", "exception": task.data, "future": task})


# Stock's internal I/O queue, as libraries use it (micropython-lib's
# aioespnow): `yield core._io_queue.queue_read(s)` parks the task until `s`
# is readable (a task that yields after parking itself stays parked). The C
# module has queue_read(s) and queue_write(s).
_io_queue = _uaio


def __getattr__(name):
    # Stock's `core.cur_task`: the running task, None outside one. (Since
    # 1.26, `from .core import *` asks for __all__: the public names.)
    if name == "cur_task":
        return _uaio.cur_task()
    if name == "__all__":
        names = []
        for k in globals():
            if k[0] != "_":
                names.append(k)
        return names
    raise AttributeError(name)


def get_event_loop(runq_len=16, waitq_len=16):
    return _loop or Loop()


def new_event_loop():
    return Loop()


def run(coro):
    loop = get_event_loop()
    try:
        return loop.run_until_complete(coro)
    except (Exception, CancelledError):
        raise
    except BaseException:
        # KeyboardInterrupt, SystemExit: the loop was left mid-way. As
        # CPython's asyncio.run() does on its way out, the tasks left behind
        # are cancelled and run until they end (their finally blocks run), so
        # that the next run() starts clean.
        with loop:
            tasks = _uaio.all_tasks()
        for t in tasks:
            t.cancel()
        if tasks:
            loop.run_until_complete(_reap(loop, tasks))
        raise


async def _reap(loop, tasks):
    # Waits for the cancelled tasks to end; an exception one raises on its
    # way out is reported as any unretrieved one (a cancelled one is not).
    for t in tasks:
        while not t.done():
            if t.state is True or isinstance(t.state, _uaio.WaitQueue):
                try:
                    await t
                except CancelledError:
                    pass
                except Exception:
                    loop._unretrieved(t)  # its exception is t.data
            else:
                await sleep_ms(0)  # gathered: free once the gathering task ends


def run_until_complete(main_task=None):
    return get_event_loop().run_until_complete(main_task)


def current_task():
    t = _uaio.cur_task()
    if t is None:
        raise RuntimeError("no running event loop")
    return t


def all_tasks():
    return set(_uaio.all_tasks())


# gather, wait_for, wait_for_ms.
async def gather(*aws, return_exceptions=False):
    tasks = list(map(_promote, aws))
    waiting = _uaio.WaitQueue()
    pending = 0
    exc = None

    def done(t):
        # A child ended: the gathering task wakes when the last one is done,
        # or at the first failure (unless return_exceptions).
        nonlocal pending, exc
        pending -= 1
        if _uaio.failed(t) and not return_exceptions and exc is None:
            exc = t.data
            waiting.wake_all()
        elif pending == 0:
            waiting.wake_all()

    try:
        for t in tasks:
            if t.done():
                t.state = False  # its outcome is retrieved here
                pending += 1
                done(t)
            elif t.state is True:
                t.state = done
                pending += 1
            else:
                raise RuntimeError("can't gather")
        if pending and exc is None:
            try:
                await _uaio.park(waiting)
            except CancelledError:
                for t in tasks:
                    t.cancel()
                raise
    finally:
        # Children still running can be awaited again by others.
        for t in tasks:
            if t.state is done:
                t.state = True
    if exc is not None:
        raise exc
    for i in range(len(tasks)):
        tasks[i] = tasks[i].data
    return tasks


async def wait_for(aw, timeout, sleep=sleep):
    # The caller sleeps for the timeout while a watcher task awaits `aw`.
    # If `aw` ends first, the watcher wakes the caller with a CancelledError
    # that carries the outcome. On timeout `aw` is cancelled, and TimeoutError
    # raised once it has ended (even if it ignored the cancel). If the caller
    # is cancelled, `aw` is cancelled too. No stray timeout survives.
    if timeout is None:
        return await _promote(aw)
    # A bad timeout raises here, before `aw` is scheduled. A timeout <= 0
    # gives `aw` one step: its result if it ends in it, else TimeoutError.
    timer = sleep(timeout)
    try:
        t = _promote(aw)
    except BaseException:
        _uaio.detach(timer)  # the shared sleep is free again for others
        raise
    caller = current_task()

    async def watch():
        try:
            outcome = True, await t
        except BaseException as e:
            outcome = e, None
        # Only while the caller still sleeps (not cancelled, not awaiting us).
        if caller.data is None:
            _uaio.cancel(caller, CancelledError(*outcome))

    watcher = create_task(watch())
    try:
        await timer
    except CancelledError as e:
        if not e.args:
            watcher.cancel()  # cancelled from outside: cancel `aw` too
            raise
        status, value = e.args
        if status is True:
            return value
        raise status
    watcher.cancel()
    try:
        await watcher
    except CancelledError:
        pass
    raise TimeoutError


def wait_for_ms(aw, timeout):
    return wait_for(aw, timeout, sleep_ms)
