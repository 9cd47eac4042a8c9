# Event and ThreadSafeFlag. Waiting allocates nothing: wait() returns an
# awaitable of the C core, not a new coroutine.
import _uaio

ThreadSafeFlag = _uaio.ThreadSafeFlag


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
