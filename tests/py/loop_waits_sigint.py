# Ctrl-C (a real SIGINT) ends a run() whose main task waits for an Event
# that nothing registered can set (MicroPython 1.26+ keeps waiting then):
# KeyboardInterrupt promptly, and the next run() works.
import sys
import time
import asyncio

try:
    import os

    os.system
except (ImportError, AttributeError):
    print("SKIP")
    raise SystemExit
if sys.platform not in ("linux", "darwin"):
    print("SKIP")
    raise SystemExit

DELAY_MS = 200


async def main():
    os.system("(sleep %f; kill -INT $PPID) &" % (DELAY_MS / 1000))
    await asyncio.Event().wait()


t0 = time.ticks_ms()
try:
    asyncio.run(main())
    print("returned")
except KeyboardInterrupt:
    dt = time.ticks_diff(time.ticks_ms(), t0)
    print("KeyboardInterrupt after the signal, within 5 s:", DELAY_MS <= dt < 5000)


async def again():
    await asyncio.sleep_ms(1)
    return "next run() works"


print(asyncio.run(again()))
