# uasyncio.core: the loop, tasks and the 2.x protocol, on the uaio core.
#
# The run loop is C (_uaio.run): it resumes tasks, sleeps until the next
# deadline or I/O event, and calls back here only for what is rare: a task
# yielded something other than the scheduler's own values (_yielded), a
# callback raised (_error), a task's exception was never retrieved
# (_unretrieved).
import sys
import _uaio


class CancelledError(BaseException):
    pass


class TimeoutError(Exception):
    pass


Task = _uaio.Task
sleep_ms = _uaio.sleep_ms
sleep = _uaio.sleep

_loop = None


class Handle:
    # A scheduled callback; cancel() keeps it from running.
    __slots__ = ("_cb", "_args", "_timer")

    def __init__(self, cb, args):
        self._cb = cb
        self._args = args
        self._timer = None

    def __call__(self):
        cb = self._cb
        if cb is not None:
            cb(*self._args)
            self._cb = None  # kept while it runs: a report names it

    def __repr__(self):
        return "<Handle %r>" % (self._cb,)

    def cancel(self):
        self._cb = None
        if self._timer is not None:
            _uaio.cancel_timer(self._timer)


# 2.x syscall objects: `yield IORead(sock)` and the like.
class SysCall:
    def __init__(self, *args):
        self.args = args


class SysCall1(SysCall):
    def __init__(self, arg):
        self.arg = arg


class SleepMs(SysCall1):
    def __iter__(self):
        return iter(sleep_ms(self.arg))


class StopLoop(SysCall1):
    pass


class IORead(SysCall1):
    pass


class IOWrite(SysCall1):
    pass


class IOReadDone(SysCall1):
    pass


class IOWriteDone(SysCall1):
    pass


async def _await(aw):
    return await aw


def _promote(aw):
    # Any awaitable as a task (a sleep_ms(), Event.wait() ... gets a state
    # of its own first: it is awaited later, by the new task).
    if isinstance(aw, Task):
        return aw
    return create_task(aw if hasattr(aw, "send") else _await(_uaio.detach(aw)))


def create_task(coro):
    get_event_loop()
    return Task(coro)  # scheduled


class EventLoop:
    # The loop. Subclasses that override time() and/or wait() (2.x: a
    # virtual clock, a custom wait) are honoured: the C loop then calls them.
    # Each loop has its own scheduler; the one running is the current one.
    _exc_handler = None

    def __init__(self, runq_len=16, waitq_len=16):
        global _loop
        cls = type(self)
        self._outer = []
        # The new loop becomes the current one, unless a loop is running
        # (new_event_loop() inside a task): that one stays current.
        if not _uaio.running():
            _loop = self
        self._sched = _uaio.init(self, CancelledError, cls.time is not EventLoop.time, cls.wait is not EventLoop.wait)

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

    def time(self):
        return _uaio.ticks()

    def wait(self, delay_ms):
        _uaio.wait_io(delay_ms)

    def create_task(self, coro):
        with self:
            return create_task(coro)

    def call_soon(self, callback, *args):
        if hasattr(callback, "send"):
            t = _uaio.find_task(callback)
            if t is not None:
                _uaio.wake(t)  # 2.x: resume the task of that coroutine
                return t
            return create_task(callback)
        h = Handle(callback, args)
        _uaio.push(h)
        return h

    def call_later(self, delay, callback, *args):
        return _schedule(_uaio.call_later, delay * 1000, callback, args)

    def call_later_ms(self, delay_ms, callback, *args):
        return _schedule(_uaio.call_later, delay_ms, callback, args)

    def call_at_(self, time, callback, args=()):
        return _schedule(_uaio.call_at, time, callback, args)

    def run_forever(self):
        self._stop_value = None
        with self:
            _uaio.run(None)
        return self._stop_value  # 2.x: `yield StopLoop(value)`

    def run_until_complete(self, aw):
        with self:
            _uaio.check_idle()  # refused from inside a task: schedule nothing
            return _uaio.run(_promote(aw))

    def _cancel_leftovers(self):
        # As CPython's asyncio.run() does on its way out: the tasks left
        # behind are cancelled and run until they end (their finally blocks
        # run), so that the next run() starts clean.
        with self:
            tasks = _uaio.all_tasks()
        for t in tasks:
            t.cancel()
        if tasks:
            self.run_until_complete(_reap(self, tasks))

    def stop(self):
        _uaio.stop()

    def close(self):
        pass

    # 2.x I/O registration: the callback (or coroutine) runs once `obj` is
    # ready; remove_* takes it back.
    def add_reader(self, obj, callback, *args):
        _IOWatch(obj, _uaio.READ, callback, args)

    def add_writer(self, obj, callback, *args):
        _IOWatch(obj, _uaio.WRITE, callback, args)

    def remove_reader(self, obj):
        _IOWatch.remove(obj, _uaio.READ)

    def remove_writer(self, obj):
        _IOWatch.remove(obj, _uaio.WRITE)

    @property
    def cur_task(self):
        return _uaio.cur_task()

    # The exception handler (shared by all loops, as in MicroPython).
    def set_exception_handler(self, handler):
        EventLoop._exc_handler = handler

    def get_exception_handler(self):
        return EventLoop._exc_handler

    def default_exception_handler(self, loop, context):
        print(context["message"], file=sys.stderr)
        f = context.get("future")
        if isinstance(f, Task):
            print("future:", f, "coro=", f.coro, file=sys.stderr)
        elif f is not None:
            print("callback:", f, file=sys.stderr)  # a callback has no coro
        sys.print_exception(context["exception"], sys.stderr)

    def call_exception_handler(self, context):
        (EventLoop._exc_handler or self.default_exception_handler)(self, context)

    # Calls from the C loop.
    def _yielded(self, task, value):
        if hasattr(value, "send"):
            # 2.x `yield coro`: spawn it; the child runs before the parent resumes.
            create_task(value)
            _uaio.push(task)
        elif isinstance(value, SysCall1):
            try:
                _syscall(self, task, value)
            except Exception as e:
                _uaio.cancel(task, e)  # raised where it yielded (SleepMs too long ...)
        else:
            _uaio.cancel(task, RuntimeError("uasyncio: a task yielded %r" % (value,)))

    def _error(self, exc, callback):
        self.call_exception_handler({"message": "Unhandled exception in callback", "exception": exc, "future": callback})

    def _unretrieved(self, task):
        self.call_exception_handler({"message": "Task exception wasn't retrieved", "exception": task.data, "future": task})


Loop = EventLoop


def _syscall(loop, task, call):
    if isinstance(call, SleepMs):
        _uaio.call_later(call.arg, task)
    elif isinstance(call, (IORead, IOWrite)):
        _IOWatch(call.arg, _uaio.READ if isinstance(call, IORead) else _uaio.WRITE, task, ())
    elif isinstance(call, (IOReadDone, IOWriteDone)):
        _IOWatch.remove(call.arg, _uaio.READ if isinstance(call, IOReadDone) else _uaio.WRITE)
        _uaio.push(task)
    elif isinstance(call, StopLoop):
        loop.stop()
        _uaio.push(task)
        loop._stop_value = call.arg


class _IOWatch:
    # A 2.x I/O registration: a helper task waits for readiness, then runs
    # the callback or resumes the waiting task.
    _watches = {}

    def __init__(self, obj, direction, target, args):
        _IOWatch.remove(obj, direction)
        self.waiting = None
        if isinstance(target, Task):
            # The task (IORead) waits in a queue of its own: a cancel takes
            # it out, so that readiness or removal never wakes it later.
            q = self.waiting = _uaio.WaitQueue()
            q.push(target)
            target = q
        self.task = create_task(self._watch(obj, direction, target, args))
        _IOWatch._watches[(id(obj), direction)] = self

    async def _watch(self, obj, direction, target, args):
        # A task (IORead) resumes once; a callback runs on every readiness
        # until removed (2.x polling is level-triggered).
        while self.task is not None:
            await _uaio.io_wait(obj, direction)
            if target is self.waiting:
                _IOWatch._watches.pop((id(obj), direction), None)
                target.wake_all()
                return
            if hasattr(target, "send"):
                create_task(target)
            else:
                try:
                    target(*args)
                except Exception as e:
                    # As any callback's: reported, and the watch goes on.
                    _loop._error(e, target)

    @staticmethod
    def remove(obj, direction):
        w = _IOWatch._watches.pop((id(obj), direction), None)
        if w is not None:
            t, w.task = w.task, None
            if t is not _uaio.cur_task():
                t.cancel()  # (from inside its own callback, the loop just ends)
            if w.waiting:
                # A task still waits (IORead) on what is taken away, as
                # before a close (2.x: IOReadDone, then close): an error
                # rather than waiting forever (2.x dropped it silently).
                _uaio.cancel(w.waiting.pop(), OSError(9))  # EBADF


def _schedule(at, when, callback, args):
    # A coroutine becomes a task; a callback a cancellable Handle.
    if hasattr(callback, "send"):
        t = _uaio.new_task(callback)
        at(when, t)
        return t
    h = Handle(callback, args)
    h._timer = at(when, h)
    return h


class _IOQueue:
    # Stock's internal I/O queue, as libraries use it (micropython-lib's
    # aioespnow): `yield core._io_queue.queue_read(s)` parks the task until
    # `s` is readable (a task that yields after parking itself stays parked).
    def queue_read(self, s):
        _uaio.io_park(s, _uaio.READ)

    def queue_write(self, s):
        _uaio.io_park(s, _uaio.WRITE)


_io_queue = _IOQueue()


def __getattr__(attr):
    # Stock's `core.cur_task`: the running task, None outside one. (Since
    # 1.26, `from .core import *` asks for __all__: the public names.)
    if attr == "cur_task":
        return _uaio.cur_task() if _loop else None
    if attr == "__all__":
        return [k for k in globals() if k[0] != "_"]
    raise AttributeError(attr)


def get_event_loop(runq_len=16, waitq_len=16):
    return _loop or EventLoop()


def new_event_loop():
    return EventLoop()


def run(coro):
    loop = get_event_loop()
    try:
        return loop.run_until_complete(coro)
    except BaseException as e:
        # KeyboardInterrupt, SystemExit: the loop was left mid-way.
        if not isinstance(e, (Exception, CancelledError)):
            loop._cancel_leftovers()
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
                except Exception as e:
                    loop.call_exception_handler({"message": "Task exception wasn't retrieved", "exception": e, "future": t})
            else:
                await sleep_ms(0)  # gathered: free once the gathering task ends


def run_until_complete(main_task=None):
    return get_event_loop().run_until_complete(main_task)


def current_task():
    t = _uaio.cur_task() if _loop else None
    if t is None:
        raise RuntimeError("no running event loop")
    return t


def all_tasks():
    return set(_uaio.all_tasks()) if _loop else set()


def ensure_future(coro, loop=None):
    return _promote(coro)


def cancel(coro):
    # 2.x: cancel the task of a coroutine (or a Task).
    t = coro if isinstance(coro, Task) else _uaio.find_task(coro)
    return t.cancel() if t is not None else False


def coroutine(f):
    return f


def set_debug(flag):
    pass
