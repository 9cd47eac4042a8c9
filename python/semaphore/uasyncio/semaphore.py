# Semaphore and BoundedSemaphore with CPython 3.12 semantics: FIFO; a
# release() with waiters hands the unit to the oldest one.
import _uaio


class Semaphore:
    def __init__(self, value=1):
        if value < 0:
            raise ValueError("Semaphore initial value must be >= 0")
        self._value = value
        self._waiting = _uaio.WaitQueue()

    def locked(self):
        return self._value == 0 or bool(self._waiting)

    def acquire(self):
        if self._value > 0 and not self._waiting:
            self._value -= 1
            return _uaio.done_true
        return _uaio.park(self._waiting, self, "acquire")

    def release(self):
        if not self._waiting.handoff(self):
            self._value += 1

    def __aenter__(self):
        return self.acquire()

    def __aexit__(self, *exc):
        self.release()
        return _uaio.done_none


class BoundedSemaphore(Semaphore):
    def __init__(self, value=1):
        super().__init__(value)
        self._bound = value

    def release(self):
        if self._value >= self._bound and not self._waiting:
            raise ValueError("BoundedSemaphore released too many times")
        super().release()
