# An interrupt ends the loop's idle wait at once (ports with a tick and an
# event wait: csrc/port_mpevent.c), though the loop's next deadline is 10 s
# away: a machine.Timer callback (run from its IRQ through
# micropython.schedule) that sets a ThreadSafeFlag, and one that schedules a
# callback that sets an Event.
import time
import micropython
import asyncio

try:
    from machine import Timer

    Timer(-1)
except (ImportError, ValueError, TypeError):
    print("SKIP")
    raise SystemExit


def one_shot(ms, callback):
    return Timer(-1, mode=Timer.ONE_SHOT, period=ms, callback=callback)


async def far_deadline():
    await asyncio.sleep(10)


async def main():
    far = asyncio.create_task(far_deadline())  # the loop's next deadline
    await asyncio.sleep_ms(0)

    flag = asyncio.ThreadSafeFlag()
    t0 = time.ticks_ms()
    timer = one_shot(30, lambda t: flag.set())
    await flag.wait()
    dt = time.ticks_diff(time.ticks_ms(), t0)
    print("ThreadSafeFlag set by a timer: woke", 30 <= dt < 500)
    timer.deinit()

    event = asyncio.Event()
    t0 = time.ticks_ms()
    timer = one_shot(30, lambda t: micropython.schedule(lambda _: event.set(), None))
    await event.wait()
    dt = time.ticks_diff(time.ticks_ms(), t0)
    print("Event set by a scheduled callback: woke", 30 <= dt < 500)
    timer.deinit()
    far.cancel()


asyncio.run(main())
