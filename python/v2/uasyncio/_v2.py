# The uasyncio 2.x layer (profiles default and full): EventLoop with
# call_soon / call_later* / call_at_ / add_reader ..., time() and wait()
# that subclasses override, the generator protocol's syscalls, cancel(coro).
# uasyncio/__init__.py imports it when present; it extends uasyncio.core.
import _uaio
from . import core as _core

if not hasattr(_uaio, "find_task"):
    raise ImportError("uaio: 2.x needs UAIO_PROFILE=default or full")

Task = _uaio.Task


class Handle:
    # A scheduled callback; cancel() keeps it from running.
    # (Attribute and argument names the firmware's qstrs already have.)
    def __init__(self, callback, args):
        self.callback = callback
        self.args = args
        self._timer = None

    def __call__(self):
        cb = self.callback
        if cb is not None:
            cb(*self.args)
            self.callback = None  # kept while it runs: a report names it

    def __repr__(self):
        return "<Handle %r>" % (self.callback,)

    def cancel(self):
        self.callback = None
        if self._timer is not None:
            _uaio.cancel_timer(self._timer)


# 2.x syscall objects: `yield IORead(sock)` and the like. (Classes without
# a body of their own are made by type(): a smaller frozen image.)
SysCall = type("SysCall", (), {})


class SysCall1(SysCall):
    def __init__(self, arg):
        self.arg = arg


class SleepMs(SysCall1):
    def __iter__(self):
        return iter(_core.sleep_ms(self.arg))


# The others carry only their argument.
for name in ("StopLoop", "IORead", "IOWrite", "IOReadDone", "IOWriteDone"):
    globals()[name] = type(name, (SysCall1,), {})


class EventLoop(_core.Loop):
    # Subclasses that override time() and/or wait() (2.x: a virtual clock,
    # a custom wait) are honoured: the C loop then calls them.
    def _hooks(self):
        cls = type(self)
        return cls.time is not EventLoop.time, cls.wait is not EventLoop.wait

    def time(self):
        return _uaio.ticks()

    def wait(self, delay_ms):
        _uaio.wait_io(delay_ms)

    def call_soon(self, callback, *args):
        if hasattr(callback, "send"):
            t = _uaio.find_task(callback)
            if t is not None:
                _uaio.wake(t)  # 2.x: resume the task of that coroutine
                return t
            return _core.create_task(callback)
        h = Handle(callback, args)
        _uaio.push(h)
        return h

    def call_later(self, delay, callback, *args):
        return _schedule(_uaio.call_later, delay * 1000, callback, args)

    def call_later_ms(self, delay_ms, callback, *args):
        return _schedule(_uaio.call_later, delay_ms, callback, args)

    def call_at_(self, time, callback, args=()):
        return _schedule(_uaio.call_at, time, callback, args)

    # 2.x I/O registration: the callback (or coroutine) runs once `obj` is
    # ready; remove_* takes it back.
    def add_reader(self, obj, callback, *args):
        _IOWatch(obj, _uaio.READ, callback, args)

    def add_writer(self, obj, callback, *args):
        _IOWatch(obj, _uaio.WRITE, callback, args)

    def remove_reader(self, obj):
        _unwatch(obj, _uaio.READ)

    def remove_writer(self, obj):
        _unwatch(obj, _uaio.WRITE)

    @property
    def cur_task(self):
        return _uaio.cur_task()

    def _yielded(self, task, value):
        if hasattr(value, "send"):
            # 2.x `yield coro`: spawn it; the child runs before the parent resumes.
            _core.create_task(value)
            _uaio.push(task)
        elif isinstance(value, SysCall1):
            try:
                if isinstance(value, SleepMs):
                    _uaio.call_later(value.arg, task)
                elif isinstance(value, (IORead, IOWrite)):
                    _IOWatch(value.arg, _uaio.READ if isinstance(value, IORead) else _uaio.WRITE, task, ())
                elif isinstance(value, (IOReadDone, IOWriteDone)):
                    _unwatch(value.arg, _uaio.READ if isinstance(value, IOReadDone) else _uaio.WRITE)
                    _uaio.push(task)
                elif isinstance(value, StopLoop):
                    self.stop()
                    _uaio.push(task)
                    self._stop_value = value.arg
            except Exception as e:
                _uaio.cancel(task, e)  # raised where it yielded (SleepMs too long ...)
        else:
            super()._yielded(task, value)


Loop = EventLoop


_watches = {}


class _IOWatch:
    # A 2.x I/O registration: a helper task waits for readiness, then runs
    # the callback (or coroutine) or resumes the waiting task. _watches:
    # (id(obj), flags) -> its watch.
    def __init__(self, obj, flags, callback, args):
        _unwatch(obj, flags)
        self.waiting = None
        if isinstance(callback, Task):
            # The task (IORead) waits in a queue of its own: a cancel takes
            # it out, so that readiness or removal never wakes it later.
            q = self.waiting = _uaio.WaitQueue()
            q.push(callback)
            callback = q
        self.task = _core.create_task(self._watch(obj, flags, callback, args))
        _watches[(id(obj), flags)] = self

    async def _watch(self, obj, flags, callback, args):
        # A task (IORead) resumes once; a callback runs on every readiness
        # until removed (2.x polling is level-triggered).
        while self.task is not None:
            await _uaio.io_wait(obj, flags)
            if callback is self.waiting:
                _watches.pop((id(obj), flags), None)
                callback.wake_all()
                return
            if hasattr(callback, "send"):
                _core.create_task(callback)
            else:
                try:
                    callback(*args)
                except Exception as e:
                    # As any callback's: reported, and the watch goes on.
                    _core._loop._error(e, callback)


def _unwatch(obj, flags):
    w = _watches.pop((id(obj), flags), None)
    if w is not None:
        t, w.task = w.task, None
        if t is not _uaio.cur_task():
            t.cancel()  # (from inside its own callback, the loop just ends)
        if w.waiting:
            # A task still waits (IORead) on what is taken away, as
            # before a close (2.x: IOReadDone, then close): an error
            # rather than waiting forever (2.x dropped it silently).
            _uaio.cancel(w.waiting.pop(), OSError(9))  # EBADF


def _schedule(function, time, callback, args):
    # A coroutine becomes a task; a callback a cancellable Handle.
    if hasattr(callback, "send"):
        t = _uaio.new_task(callback)
        function(time, t)
        return t
    h = Handle(callback, args)
    h._timer = function(time, h)
    return h


def _v2_stream(cls):
    # The 2.x methods of stream.py's Python Stream (the C one has its own).
    cls.awrite = _awrite
    cls.awriteiter = _awriteiter
    cls.aclose = cls.wait_closed


async def _awrite(self, buf, off=0, sz=-1):
    # buf[off:off+sz] all written (sz < 0: to the end).
    n = len(buf)
    end = n if sz < 0 or off + sz > n else off + sz
    if not 0 <= off <= end:
        raise ValueError("offset out of range")
    self.write(buf[off:end] if off or end < n else buf)
    await self.drain()


async def _awriteiter(self, iterable):
    for buf in iterable:
        await self.awrite(buf)


ensure_future = _core._promote


def cancel(coro):
    # 2.x: cancel the task of a coroutine (or a Task).
    t = coro if isinstance(coro, Task) else _uaio.find_task(coro)
    return t.cancel() if t is not None else False


def coroutine(function):
    return function


set_debug = coroutine  # 2.x's debug switch: accepted, and ignored


# uasyncio.core is the 2.x module of these names too; its loop is this one.
for name, value in list(globals().items()):
    if name[0] != "_" and name != "Task":
        setattr(_core, name, value)
del name, value
