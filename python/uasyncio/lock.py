# Lock (the modern interface): FIFO, `async with`, locked() a method, a bad
# release() raises RuntimeError. In C: acquiring allocates nothing.
import _uaio

Lock = _uaio.Lock
