# uasyncio.queues: Queue with CPython 3.12 semantics (task_done/join).
# Waiters are woken by events, never by polling.
import _uaio
from .event import Event


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
        self._unfinished = 0
        self._all_done = Event()
        self._all_done.set()

    def qsize(self):
        return len(self._items)

    def empty(self):
        return not self._items

    def full(self):
        return 0 < self.maxsize <= len(self._items)

    async def get(self):
        while not self._items:
            await _uaio.park(self._getters)
        return self.get_nowait()

    def get_nowait(self):
        if not self._items:
            raise QueueEmpty()
        item = self._items.pop(0)
        self._putters.wake_all()
        return item

    async def put(self, item):
        while self.full():
            await _uaio.park(self._putters)
        self.put_nowait(item)

    def put_nowait(self, item):
        if self.full():
            raise QueueFull()
        self._items.append(item)
        self._unfinished += 1
        self._all_done.clear()
        self._getters.wake_all()

    def task_done(self):
        if self._unfinished <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished -= 1
        if self._unfinished == 0:
            self._all_done.set()

    async def join(self):
        await self._all_done.wait()
