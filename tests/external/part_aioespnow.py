"""Part 4: micropython-lib's aioespnow on a stand-in `espnow` module
(mpy/espnow.py: the ESPNow class aioespnow subclasses, backed by
micropython.RingIO, readiness only through ioctl as the C object has)."""

import os

from harness import MPY_DIR, cases_of_program, run_mpy

TIMEOUT = 20
CASES = ["async_for", "arecv_backpressure", "broadcast", "recv_timeout",
         "recv_after_timeout", "too_long", "standin_errors"]


def run(binary, label, ctx):
    rc, out, err = run_mpy(binary, [os.path.join(MPY_DIR, "aioespnow_test.py")], TIMEOUT,
                           path_dirs=[ctx.lib])
    return cases_of_program(CASES, rc, out, err, TIMEOUT)
