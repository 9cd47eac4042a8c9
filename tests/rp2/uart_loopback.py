# A UART (a stream without fd: uaio asks its ioctl while a task waits on it)
# read and written by asyncio streams. The emulator (tests/rp2/run.mjs)
# wires UART1's TX back to its RX; on a board, join GP4 and GP5.
import time
import asyncio
from machine import UART


async def reader(stream, n):
    got = b""
    while len(got) < n:
        got += await stream.read(n - len(got))
    return got


async def main():
    uart = UART(1, 115200, tx=4, rx=5)
    while uart.any():
        uart.read()
    rx, tx = asyncio.StreamReader(uart), asyncio.StreamWriter(uart, {})
    # The reader waits first (nothing to read yet); the data arrives later.
    task = asyncio.create_task(reader(rx, 12))
    await asyncio.sleep_ms(20)
    print("waiting reader done:", task.done())
    t0 = time.ticks_ms()
    tx.write(b"hello, uart\n")
    await tx.drain()
    print("read:", await task)
    print("promptly:", time.ticks_diff(time.ticks_ms(), t0) < 200)
    tx.write(b"line two\n")
    await tx.drain()
    print("readline:", await rx.readline())


asyncio.run(main())
