# gather, wait_for, wait_for_ms.
import _uaio
from .core import CancelledError, TimeoutError, _promote, create_task, current_task, sleep, sleep_ms


class _Gather:
    # Counts the children still running; wakes the gathering task when the
    # last one is done, or at the first failure (unless return_exceptions).
    def __init__(self, return_exceptions):
        self.pending = 0
        self.exc = None
        self.return_exceptions = return_exceptions
        self.waiting = _uaio.WaitQueue()

    def done(self, t):
        self.pending -= 1
        if _uaio.failed(t) and not self.return_exceptions and self.exc is None:
            self.exc = t.data
            self.waiting.wake_all()
        elif self.pending == 0:
            self.waiting.wake_all()


async def gather(*aws, return_exceptions=False):
    tasks = [_promote(aw) for aw in aws]
    g = _Gather(return_exceptions)
    try:
        for t in tasks:
            if t.done():
                t.state = False  # its outcome is retrieved here
                if _uaio.failed(t) and not return_exceptions and g.exc is None:
                    g.exc = t.data
            elif t.state is True:
                t.state = g.done
                g.pending += 1
            else:
                raise RuntimeError("can't gather")
        if g.pending and g.exc is None:
            try:
                await _uaio.park(g.waiting)
            except CancelledError:
                for t in tasks:
                    t.cancel()
                raise
    finally:
        # Children still running can be awaited again by others.
        for t in tasks:
            if t.state == g.done:
                t.state = True
    if g.exc is not None:
        raise g.exc
    return [t.data for t in tasks]


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
