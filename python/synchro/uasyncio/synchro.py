# uasyncio.synchro: the 2.x Lock, whose `locked` is an attribute. Waiters get
# the lock in FIFO order; it shares its wait code with the modern Lock.
import _uaio


class Lock:
    def __init__(self):
        self._lock = _uaio.Lock()

    @property
    def locked(self):
        return self._lock.locked()

    def acquire(self):
        return self._lock.acquire()

    def release(self):
        self._lock.release()

    def __aenter__(self):
        return self._lock.acquire()

    def __aexit__(self, *exc):
        self._lock.release()
        return _uaio.done_none
