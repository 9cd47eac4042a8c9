# uasyncio.queues: Queue with CPython 3.12 semantics (task_done/join).
# Waiters are woken by events, never by polling: as in CPython, a put wakes
# the oldest getter only (a get the oldest putter), and a waiter that finds
# the item taken by then waits again at the back.
import _uaio
from .core import Event


class QueueEmpty(Exception):
    pass


class QueueFull(Exception):
    pass


class Queue:
    def __init__(self, maxsize=0):
        self.maxsize = maxsize
        self._items = []
        self._getters = _uaio.WaitQueue()
        self._putters = _uaio.WaitQueue()
        self._woken = []  # waiters woken by _wake_next that have not run yet
        self._unfinished = 0
        self._all_done = Event()
        self._all_done.set()

    def qsize(self):
        return len(self._items)

    def empty(self):
        return not self._items

    def full(self):
        return 0 < self.maxsize <= len(self._items)

    def _wake_next(self, waiters):
        if waiters:
            t = waiters.pop()
            self._woken.append(t)
            _uaio.wake(t)

    async def _wait(self, waiters, blocked):
        # Parks until woken; a waiter cancelled after it was woken passes
        # the wake on, so that no item (or free slot) is left unclaimed.
        t = _uaio.cur_task()
        try:
            await _uaio.park(waiters)
        except BaseException:
            if t in self._woken:
                self._woken.remove(t)
                if not blocked():
                    self._wake_next(waiters)
            raise
        self._woken.remove(t)

    async def get(self):
        while not self._items:
            await self._wait(self._getters, self.empty)
        return self.get_nowait()

    def get_nowait(self):
        if not self._items:
            raise QueueEmpty()
        item = self._items.pop(0)
        self._wake_next(self._putters)
        return item

    async def put(self, item):
        while self.full():
            await self._wait(self._putters, self.full)
        self.put_nowait(item)

    def put_nowait(self, item):
        if self.full():
            raise QueueFull()
        self._items.append(item)
        self._unfinished += 1
        self._all_done.clear()
        self._wake_next(self._getters)

    def task_done(self):
        if self._unfinished <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished -= 1
        if self._unfinished == 0:
            self._all_done.set()

    async def join(self):
        await self._all_done.wait()
