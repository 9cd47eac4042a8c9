# uasyncio.core: the loop and scheduling, on the uaio core (_uaio).
#
# The run loop is C (_uaio.run): it resumes tasks, sleeps until the next
# deadline or I/O event, and calls back into this module only for the rare
# cases: a task finished (_done), a task yielded something other than the
# scheduler's own values (_yielded), a callback raised (_error).
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
    # A scheduled callback; cancel() stops it from running.
    __slots__ = ("_cb", "_args", "_timer")

    def __init__(self, cb, args):
        self._cb = cb
        self._args = args
        self._timer = None

    def __call__(self):
        if self._cb is not None:
            self._cb(*self._args)

    def cancel(self):
        self._cb = None
        if self._timer is not None:
            _uaio.cancel_timer(self._timer)


def _is_coro(obj):
    return type(obj) is _GenType


async def _probe():
    pass


_GenType = type(_probe())


def create_task(coro):
    if not _is_coro(coro):
        raise TypeError("coroutine expected")
    t = Task(coro)
    _uaio.push(t)
    return t


class EventLoop:
    def __init__(self, runq_len=16, waitq_len=16):
        global _loop
        _loop = self
        self._exc_handler = None
        self._main = None
        _uaio.init(self, CancelledError)

    def time(self):
        return _uaio.ticks()

    def create_task(self, coro):
        return create_task(coro)

    def call_soon(self, callback, *args):
        if _is_coro(callback):
            return create_task(callback)
        h = Handle(callback, args)
        _uaio.push(h)
        return h

    def call_later_ms(self, delay_ms, callback, *args):
        return _schedule(_uaio.call_later, delay_ms, callback, args)

    def call_at_(self, time, callback, args=()):
        return _schedule(_uaio.call_at, time, callback, args)

    def call_later(self, delay, callback, *args):
        return self.call_later_ms(int(delay * 1000), callback, *args)

    def run_forever(self):
        _uaio.run(None)

    def run_until_complete(self, coro):
        t = coro if isinstance(coro, Task) else create_task(coro)
        self._main = t
        try:
            return _uaio.run(t)
        finally:
            self._main = None

    def stop(self):
        _uaio.stop()

    def close(self):
        pass

    # The exception handler (modern interface).
    def set_exception_handler(self, handler):
        self._exc_handler = handler

    def get_exception_handler(self):
        return self._exc_handler

    def default_exception_handler(self, loop, context):
        print(context["message"])
        print("future:", context.get("future"), "coro=", context.get("future") and context["future"].coro)
        exc = context.get("exception")
        if exc is not None:
            import sys

            sys.print_exception(exc)

    def call_exception_handler(self, context):
        (self._exc_handler or self.default_exception_handler)(self, context)

    # Calls from the C loop.
    def _done(self, task, value, exc):
        waiters = task.state
        task.state = None
        if type(waiters) is list:
            for w in waiters:
                w.data = None
                _uaio.push(w)
            task.state = False
        elif exc is not None and task is not self._main and not isinstance(exc, CancelledError):
            self.call_exception_handler(
                {"message": "Task exception wasn't retrieved", "exception": exc, "future": task}
            )

    def _yielded(self, task, value):
        if _is_coro(value):
            # 2.x `yield coro`: spawn it; the child runs before the parent resumes.
            create_task(value)
            _uaio.push(task)
        else:
            _uaio.wake(task, RuntimeError("uasyncio: a task yielded %r" % (value,)))

    def _error(self, exc, obj):
        self.call_exception_handler({"message": "Unhandled exception in callback", "exception": exc})


def _schedule(at, when, callback, args):
    # A coroutine becomes a task; a callback a cancellable Handle.
    if _is_coro(callback):
        t = Task(callback)
        at(when, t)
        return t
    h = Handle(callback, args)
    h._timer = at(when, h)
    return h


def get_event_loop(runq_len=16, waitq_len=16):
    return _loop or EventLoop()


def new_event_loop():
    return EventLoop()


def run(coro):
    return get_event_loop().run_until_complete(coro)


def current_task():
    t = _uaio.cur_task()
    if t is None:
        raise RuntimeError("no running event loop")
    return t
