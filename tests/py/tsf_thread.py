# ThreadSafeFlag.set() from another thread wakes the task that waits while
# the loop sleeps with nothing else to do.
import time
import uasyncio as asyncio

try:
    import _thread
except ImportError:
    print("SKIP")
    raise SystemExit


async def main():
    flag = asyncio.ThreadSafeFlag()
    state = []

    def thread():
        time.sleep_ms(30)
        flag.set()
        state.append("thread set it")

    t0 = time.ticks_ms()
    _thread.start_new_thread(thread, ())
    await asyncio.wait_for(flag.wait(), 2)
    dt = time.ticks_diff(time.ticks_ms(), t0)
    print("set from a thread: woke", 30 <= dt < 1000)
    await asyncio.sleep_ms(5)
    print(state)


asyncio.run(main())
