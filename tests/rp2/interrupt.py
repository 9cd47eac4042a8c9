#!/usr/bin/env python3
"""Ctrl-C ends an asyncio program that sleeps in the idle wait, at once, and
the board goes on working after soft resets that follow such runs.

Runs CYCLES times: a program that sleeps 30 s inside asyncio.run() (the
loop's idle wait), Ctrl-C sent once it sleeps; it must end with a
KeyboardInterrupt well before its sleep would. Then, after a soft reset,
tests/qemu/fresh_run.py must print what it printed on the fresh board.

usage: interrupt.py [--stock] <micropython-dir> exec:<command>
"""
import os
import sys
import time

CYCLES = 5
HERE = os.path.dirname(os.path.abspath(__file__))
SLEEPER = b"""
import asyncio
async def main():
    print("sleeping")
    await asyncio.sleep(30)
    print("SLEPT ON")
asyncio.run(main())
"""


def main():
    args = sys.argv[1:]
    stock = args[0] == "--stock"
    if stock:
        args = args[1:]
    mpy_dir, device = args
    sys.path.insert(0, os.path.join(mpy_dir, "tools"))
    import pyboard

    with open(os.path.join(HERE, "..", "qemu", "fresh_run.py"), "rb") as f:
        fresh = f.read()
    board = pyboard.Pyboard(device)
    try:

        def run(script):
            board.enter_raw_repl()  # soft reset first
            return board.exec_(script).decode().replace("\r\n", "\n")

        baseline = run(fresh)
        if "order [10, 20, 30, 40, 50] on time True" not in baseline:
            print("interrupt: the baseline run is wrong:\n" + baseline)
            return 1
        for cycle in range(CYCLES):
            board.enter_raw_repl()
            board.exec_raw_no_follow(SLEEPER)
            board.read_until(1, b"sleeping", timeout=60)
            t0 = time.monotonic()
            board.serial.write(b"\x03")
            out, err = board.follow(timeout=60)
            took = time.monotonic() - t0
            if b"KeyboardInterrupt" not in err or b"SLEPT ON" in out or took > 20:
                print("interrupt: cycle %d: no prompt KeyboardInterrupt (%.1f s): %r %r" % (cycle, took, out, err))
                return 1
            got = run(fresh)
            if got != baseline:
                print("interrupt: cycle %d: the fresh run differs from the baseline:\n%s" % (cycle, got))
                return 1
        print("interrupt: %d cycles, Ctrl-C ended each sleeping run, fresh runs identical" % CYCLES)
        return 0
    finally:
        board.close()


if __name__ == "__main__":
    sys.exit(main())
