# Fault: an exception inside a callback. A callback scheduled with
# call_soon (2.x and CPython-style), call_later, call_later_ms, call_at_,
# or given to add_reader, that raises goes to the loop's exception handler
# with the message "Unhandled exception in callback", the exception and the
# callback's handle; the loop goes on: the callbacks and tasks after it
# still run, in order. Without a handler, the default one prints the
# message, the callback and the traceback, and does not fail itself. A
# task's exception that nobody retrieves (the modern equivalent) is
# reported the same way ("Task exception wasn't retrieved").
import io
import sys
import uasyncio as asyncio
import uasyncio.core as core

loop = asyncio.get_event_loop()
log = []
reported = []


def handler(lp, context):
    f = context["future"]
    reported.append((context["message"], repr(context["exception"]), type(f).__name__, lp is loop))


def fails(tag):
    log.append(tag)
    raise ValueError(tag)


def ok(tag):
    log.append(tag)


async def task_ok(tag):
    log.append(tag)


async def task_fails(tag):
    log.append(tag)
    raise KeyError(tag)


class Readable(io.IOBase):
    # A stream without fd that is always readable (MP_STREAM_POLL is 3).
    def ioctl(self, req, arg):
        return arg & 1 if req == 3 else -1


async def main():
    global log
    loop.set_exception_handler(handler)

    # call_soon: the failing callback between others, and a task after it.
    loop.call_soon(ok, "cb1")
    loop.call_soon(fails, "cb2")
    loop.call_soon(ok, "cb3")
    asyncio.create_task(task_ok("task"))
    await asyncio.sleep_ms(5)
    print("call_soon:", log)
    print(" ", reported.pop(0))

    # call_later / call_later_ms / call_at_.
    log = []
    loop.call_later(0.002, fails, "later")
    loop.call_later_ms(3, fails, "later_ms")
    loop.call_at_(loop.time() + 4, fails, ("at",))
    loop.call_later_ms(6, ok, "after them")
    await asyncio.sleep_ms(20)
    print("timed:", log)
    for r in reported:
        print(" ", r)
    reported.clear()

    # add_reader: reported each time, and the watch goes on until removed.
    log = []
    r = Readable()
    calls = [0]

    def reader_cb():
        calls[0] += 1
        if calls[0] == 3:
            loop.remove_reader(r)
        raise OSError(calls[0])

    loop.add_reader(r, reader_cb)
    await asyncio.sleep_ms(20)
    print("add_reader: called", calls[0], "times, reported", len(reported), reported[0][:1], reported[-1][1])
    reported.clear()

    # The modern equivalent: a task's exception that nobody retrieves.
    asyncio.create_task(task_fails("lost"))
    asyncio.create_task(task_ok("next task"))
    await asyncio.sleep_ms(5)
    print("task:", reported, log)
    reported.clear()

    # The default handler, its output captured: it names the callback and
    # prints the traceback; the loop goes on.
    loop.set_exception_handler(None)
    out = io.StringIO()

    class Sys:
        stderr = out
        print_exception = sys.print_exception

    real, core.sys = core.sys, Sys
    log = []
    try:
        loop.call_soon(fails, "default")
        loop.call_soon(ok, "goes on")
        await asyncio.sleep_ms(5)
        t = asyncio.create_task(task_fails("default task"))
        await asyncio.sleep_ms(5)
    finally:
        core.sys = real
    lines = out.getvalue().split("\n")
    print("default handler:", log)
    print(" ", lines[0])
    print("  names the callback:", lines[1].startswith("callback: <Handle <function fails"))
    print("  ends with:", [l for l in lines if l.startswith("ValueError")])
    i = lines.index("Task exception wasn't retrieved")
    print(" ", lines[i], "| names the task:", lines[i + 1].startswith("future: <Task>"))
    print("  ends with:", [l for l in lines if l.startswith("KeyError")])
    return "main done"


print(loop.run_until_complete(main()))
