# Bad input: what a program gets for each case of docs/BAD_INPUT.md, with
# the exception's exact type and message (or the exact result).
import errno
import time
import _uaio
import uasyncio as asyncio

try:
    import socket
except ImportError:
    print("SKIP")
    raise SystemExit

HOST = "127.0.0.1"
PORT = 18631
ran = []


def outcome(f, *args):
    try:
        return "-> %r" % (f(*args),)
    except Exception as e:
        return "-> %s %r" % (type(e).__name__, str(e))


def show(label, f, *args):
    print(label, outcome(f, *args))


async def ashow(label, aw):
    try:
        print(label, "-> %r" % (await aw,))
    except Exception as e:
        print(label, "-> %s %r" % (type(e).__name__, str(e)))


async def coro():
    ran.append("coro")
    return "result"


async def slow():
    ran.append("slow")
    await asyncio.sleep(10)


async def elapsed_us(aw):
    t0 = time.ticks_us()
    await aw
    return time.ticks_diff(time.ticks_us(), t0)


# create_task with what is not a coroutine --------------------------------------
asyncio.get_event_loop()
show("create_task(5)", asyncio.create_task, 5)
show("create_task(None)", asyncio.create_task, None)
show("create_task(coro) (the function)", asyncio.create_task, coro)
print("  nothing scheduled:", _uaio.counts()[0])


async def sleeps():
    # Negative: no error, just a yield (0 ms); NaN/inf and non-numbers raise;
    # ints and floats both work; huge intervals raise OverflowError rather
    # than wrapping around (a sleep never ends early).
    print("sleep(-1) returns at once:", await elapsed_us(asyncio.sleep(-1)) < 5000)
    print("sleep_ms(-5) returns at once:", await elapsed_us(asyncio.sleep_ms(-5)) < 5000)
    print("sleep(0.0015) >= 1500 us:", await elapsed_us(asyncio.sleep(0.0015)) >= 1500)
    print("sleep_ms(1.5) >= 1500 us:", await elapsed_us(asyncio.sleep_ms(1.5)) >= 1500)
    show("sleep(nan)", asyncio.sleep, float("nan"))
    show("sleep_ms(inf)", asyncio.sleep_ms, float("inf"))
    show("sleep('1')", asyncio.sleep, "1")
    show("sleep_ms(None)", asyncio.sleep_ms, None)
    show("sleep(1e300)", asyncio.sleep, 1e300)
    show("sleep_ms(2**53)", asyncio.sleep_ms, 2**53)
    show("sleep_ms(2**54 // 1000 + 1)", asyncio.sleep_ms, 2**54 // 1000 + 1)  # just over the limit
    show("sleep_ms(2**70)", asyncio.sleep_ms, 2**70)
    show("sleep_ms(-2**70)", asyncio.sleep_ms, -(2**70))
    # Long but valid (a day, and ~571 years on 64-bit): never returns early.
    for label, aw in (("sleep(86400)", asyncio.sleep(86400)), ("sleep_ms(2**54 // 1000)", asyncio.sleep_ms(2**54 // 1000))):
        await ashow(label + " in wait_for_ms(.., 20)", asyncio.wait_for_ms(aw, 20))


async def wait_fors():
    # timeout <= 0: `aw` gets one step; its result if it ends in it.
    ran.clear()
    await ashow("wait_for(coro(), -1)", asyncio.wait_for(coro(), -1))
    await ashow("wait_for(slow(), -1)", asyncio.wait_for(slow(), -1))
    await ashow("wait_for(slow(), 0)", asyncio.wait_for(slow(), 0))
    print("  ran:", ran, "| left running:", len(asyncio.all_tasks()) - 1)
    # A bad timeout raises before `aw` is scheduled.
    ran.clear()
    await ashow("wait_for(coro(), 'x')", asyncio.wait_for(coro(), "x"))
    await ashow("wait_for(coro(), nan)", asyncio.wait_for(coro(), float("nan")))
    await ashow("wait_for_ms(coro(), 2**70)", asyncio.wait_for_ms(coro(), 2**70))
    await asyncio.sleep_ms(5)
    print("  ran:", ran, "| left running:", len(asyncio.all_tasks()) - 1)


async def reentrant():
    ran.clear()
    loop = asyncio.get_event_loop()
    show("loop.run_until_complete(coro()) inside a task", loop.run_until_complete, coro())
    show("asyncio.run(coro()) inside a task", asyncio.run, coro())
    show("loop.run_forever() inside a task", loop.run_forever)
    other = asyncio.new_event_loop()
    print("new_event_loop() inside a task: the running loop stays current:", asyncio.get_event_loop() is loop)
    show("other_loop.run_until_complete(coro()) inside a task", other.run_until_complete, coro())
    await asyncio.sleep_ms(5)  # this task still sleeps and wakes on its own loop
    print("  nothing was scheduled:", ran, len(asyncio.all_tasks()) - 1)


async def cancels():
    t = asyncio.create_task(coro())
    await asyncio.sleep_ms(1)
    print("cancel() of a finished task ->", t.cancel(), "| result kept:", await t)
    t = asyncio.create_task(slow())
    await asyncio.sleep_ms(1)
    print("cancel() of a running task ->", t.cancel(), "| again ->", t.cancel())
    try:
        await t
    except asyncio.CancelledError:
        print("  it ends with CancelledError; cancel() now ->", t.cancel())
    show("current_task().cancel()", asyncio.current_task().cancel)


go = asyncio.Event()
connections = []


async def handler(reader, writer):
    connections.append(writer)
    if len(connections) > 1:
        await go.wait()  # the second connection: data once both readers wait
    await writer.awrite(b"short")
    await writer.aclose()


async def read(stream):
    return await stream.read(100)


async def streams():
    server = await asyncio.start_server(handler, HOST, PORT)
    # readexactly past EOF: EOFError (no message, as in MicroPython).
    r, w = await asyncio.open_connection(HOST, PORT)
    await ashow("readexactly(10) with 5 bytes before EOF", r.readexactly(10))
    await w.wait_closed()
    # start_server on a port in use.
    try:
        await asyncio.start_server(handler, HOST, PORT)
    except OSError as e:
        print("start_server on a port in use -> OSError", errno.errorcode[e.errno], repr(str(e)))
    # A second task reading the same stream.
    r, w = await asyncio.open_connection(HOST, PORT)
    first = asyncio.create_task(read(r))
    await asyncio.sleep_ms(0)
    await ashow("a second reader of the same stream", read(r))
    go.set()
    print("  the first still reads:", await first)
    await w.wait_closed()
    server.close()
    await server.wait_closed()


async def main():
    await sleeps()
    await wait_fors()
    await reentrant()
    await cancels()
    await streams()
    return "done"


print(asyncio.run(main()))
show("current_task() outside a task", asyncio.current_task)
