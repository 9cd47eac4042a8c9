# Bad use of the _uaio module gives clear Python exceptions.
import io
import _uaio
import uasyncio as asyncio


def show(f, *args):
    try:
        f(*args)
        print("no error")
    except Exception as e:
        print(type(e).__name__, e)


# Before any loop exists the default one is made on first need, through
# uasyncio.get_event_loop(); one that makes none is a clear error.
real_get_event_loop = asyncio.get_event_loop
asyncio.get_event_loop = lambda: None
show(_uaio.push, 1)
asyncio.get_event_loop = real_get_event_loop
show(_uaio.Task)                       # wrong argument count
show(_uaio.io_wait, 0, 3)              # bad direction
asyncio.get_event_loop()
show(_uaio.run, 5)                     # not a Task
show(_uaio.wake, "x")
show(_uaio.cancel_timer, 12345)        # not a timer
timer = _uaio.call_later(1000, print)
print("cancel timer", _uaio.cancel_timer(timer), "again", _uaio.cancel_timer(timer))
other = _uaio.call_later(1000, print)
t = _uaio.new_task(iter([]))
_uaio.call_later(1000, t)
show(_uaio.call_later, 5, t)           # a task scheduled twice
asyncio.new_event_loop()               # `other` is in another loop's queue
print("foreign timer", _uaio.cancel_timer(other))
show(lambda: next(iter(_uaio.sleep_ms(5))))  # sleeping outside a task
show(lambda: next(iter(_uaio.io_wait(0, _uaio.READ))))
show(asyncio.core._io_queue.queue_read, 0)  # stock's internal, outside a task
show(_uaio.park, 5)                    # not a WaitQueue
show(_uaio.park, _uaio.WaitQueue(), asyncio.Event())  # an owner without its method's name
show(_uaio.park, _uaio.WaitQueue(), asyncio.Event(), 7)  # a name that is not a str


class Flag(io.IOBase):
    # A stream without fd: readable once set (MP_STREAM_POLL is ioctl 3).
    def __init__(self):
        self.set = False
        self.fail = False

    def ioctl(self, req, arg):
        if req != 3:
            return -1  # no fd, nothing else supported
        if self.fail:
            raise OSError(5)
        return arg & 1 if self.set else 0


async def waiter(name, flag, log):
    try:
        await _uaio.io_wait(flag, _uaio.READ)
        log.append(name + " woke")
    except Exception as e:
        log.append("%s %s %s" % (name, type(e).__name__, e))


async def stock_reader(name, flag, log):
    # Stock's protocol (aioespnow): park through core._io_queue, then yield.
    try:
        yield asyncio.core._io_queue.queue_read(flag)
        log.append(name + " woke")
    except Exception as e:
        log.append("%s %s %s" % (name, type(e).__name__, e))


async def yields_junk():
    yield "junk"


async def main():
    flag, log = Flag(), []
    asyncio.create_task(waiter("w1", flag, log))
    asyncio.create_task(waiter("w2", flag, log))  # same object, same direction
    await asyncio.sleep_ms(10)
    flag.set = True
    await asyncio.sleep_ms(10)
    print(log)

    # The same through stock's _io_queue: the second waiter is refused.
    flag, log = Flag(), []
    asyncio.create_task(stock_reader("s1", flag, log))
    asyncio.create_task(stock_reader("s2", flag, log))
    await asyncio.sleep_ms(10)
    flag.set = True
    await asyncio.sleep_ms(10)
    print(log)
    try:
        asyncio.core._io_queue.queue_write(object())
    except TypeError as e:
        print("_io_queue: TypeError", e)

    # An object whose poll raises wakes its waiter instead of hanging it.
    bad, log = Flag(), []
    bad.fail = True
    asyncio.create_task(waiter("w3", bad, log))
    await asyncio.sleep_ms(10)
    print(log, _uaio.counts())

    # Waiting on something that is not a stream.
    try:
        await _uaio.io_wait(object(), _uaio.READ)
    except TypeError as e:
        print("TypeError", e)

    # A task that yields a value the scheduler does not know gets an error.
    t = asyncio.create_task(yields_junk())
    try:
        await t
    except RuntimeError as e:
        print("junk:", e)


asyncio.run(main())
