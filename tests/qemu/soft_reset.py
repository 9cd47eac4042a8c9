#!/usr/bin/env python3
"""Soft reset between programs on a qemu board: no stale uaio state.

Runs fresh_run.py on a freshly booted board (the baseline), then CYCLES
times leave_state.py followed by fresh_run.py, each program after a soft
reset (Ctrl-D in the raw REPL, as pyboard.py does). Every fresh_run.py must
print exactly what the baseline printed, free memory included.

usage: soft_reset.py <micropython-dir> <qemu command...>
       soft_reset.py <micropython-dir> exec:<command>   (a board on stdin/stdout: rp2040js)
       soft_reset.py --stock ...   (stock asyncio, the comparison: no _uaio)
"""
import os
import sys

CYCLES = 10
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    args = sys.argv[1:]
    stock = args[0] == "--stock"
    if stock:
        args = args[1:]
    mpy_dir, qemu_cmd = args[0], " ".join(args[1:])
    c_state = "C state: stock asyncio" if stock else "C state: uaio: no event loop"
    sys.path.insert(0, os.path.join(mpy_dir, "tools"))
    import pyboard

    def program(name):
        with open(os.path.join(HERE, name), "rb") as f:
            return f.read()

    leave, fresh = program("leave_state.py"), program("fresh_run.py")
    device = qemu_cmd if qemu_cmd.startswith("exec:") else "execpty:" + qemu_cmd
    board = pyboard.Pyboard(device)
    try:

        def run(script):
            board.enter_raw_repl()  # soft reset first
            return board.exec_(script).decode().replace("\r\n", "\n")

        baseline = run(fresh)
        print(baseline, end="")
        want = "order [10, 20, 30, 40, 50] on time True"
        # counts() may make the default loop on first need (loop.c): a fresh,
        # empty scheduler is as good as none; A's would show its tasks.
        fresh_c = c_state in baseline or (not stock and "C state (0, 0, 0)" in baseline)
        if want not in baseline or not fresh_c or "STALE" in baseline:
            print("soft-reset: the baseline run is wrong")
            return 1
        for cycle in range(CYCLES):
            left = run(leave)
            if not left.startswith("A left"):
                print("soft-reset: program A ran wrongly:", left)
                return 1
            if cycle == 0:
                print(left, end="")
            got = run(fresh)
            if got != baseline:
                print("soft-reset: cycle %d differs from the baseline:\n%s" % (cycle, got))
                return 1
        print("soft-reset: %d cycles, each fresh run identical to the baseline" % CYCLES)
        return 0
    finally:
        board.close()


if __name__ == "__main__":
    sys.exit(main())
