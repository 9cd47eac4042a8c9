#!/usr/bin/env python3
"""uaio against stock on real MicroPython images: the MCU rows of `make bench`.

usage: python3 bench/mcu.py --mpy DIR --build DIR [--qemu QEMU] [--boards KEY,...] [--out FILE]

Boards, each image stock and uaio, from DIR of --build (what mk/bench.mk
builds): rp2-[stock-]RPI_PICO, stm32-[stock-]B_L475E_IOT01A_QEMU,
stm32-[stock-]B_L475E_IOT01A.

  * RP2040 (RPI_PICO in rp2040js): its clock counts the cycles of every
    instruction at 125 MHz, so µs are 125 cycles.
  * Cortex-M4 (B_L475E_IOT01A_QEMU in qemu 10, -icount shift=0): one guest
    instruction is one ns of guest time, so µs are 1000 instructions (the
    board's qemu_systick.c makes SysTick, the port's clock, count in that time).
  * Sizes of each image (flash = text+data, static RAM = data+bss, GC heap
    from the linker symbols), and the free heap after boot where the image
    runs; the real B_L475E_IOT01A image does not boot in qemu (no PWR model,
    16-bit USART access, ...), so it has sizes only.

On each board tests/rp2/bench_board.py runs: N=10 tasks x 100 sleep_ms(0)
(per-switch time), 200 Event round trips between two tasks, the heap of 100
tasks asleep in sleep_ms(), gc.mem_free() after boot and after
`import asyncio`. Stock and uaio run one after the other in the same run.
Exit status 0 when every measurement ran (targets met or not), 1 if one failed.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BOARD_PROGRAM = os.path.join(ROOT, "tests", "rp2", "bench_board.py")
sys.path.insert(0, HERE)
from run import print_table  # noqa: E402  (the same table as bench/run.py's)

BINS = ("stock", "uaio")
TIMEOUT = 600


def elf_sizes(elf, heap_syms):
    out = subprocess.run(["arm-none-eabi-size", elf], check=True, capture_output=True, text=True).stdout
    text, data, bss = (int(v) for v in out.splitlines()[1].split()[:3])
    nm = subprocess.run(["arm-none-eabi-nm", elf], check=True, capture_output=True, text=True).stdout
    syms = {f[2]: int(f[0], 16) for f in (line.split() for line in nm.splitlines()) if len(f) == 3}
    start, end = heap_syms
    return {"flash": text + data, "ram_static": data + bss, "heap_size": syms[end] - syms[start]}


def on_board(mpy, device):
    """Runs bench_board.py on a board pyboard.py reaches as `device`."""
    sys.path.insert(0, os.path.join(mpy, "tools"))
    import pyboard

    board = pyboard.Pyboard(device)
    try:
        board.enter_raw_repl()
        with open(BOARD_PROGRAM, "rb") as f:
            out = board.exec_(f.read(), timeout=TIMEOUT).decode()
    finally:
        board.close()
    return {name: float(value) for name, value in (line.split() for line in out.splitlines())}


def measure(images, run_board):
    """{bin: values} for one board; a failed run is recorded, not raised."""
    values, errors = {}, {}
    for b in BINS:
        values[b] = elf_sizes(os.path.join(images[b], "firmware.elf"), run_board["heap_syms"])
        if run_board.get("device"):
            try:
                values[b].update(on_board(run_board["mpy"], run_board["device"](images[b])))
            except Exception as e:  # noqa: BLE001  (any failure is a row's ERROR)
                errors[b] = "%s: %s" % (type(e).__name__, e)
    return values, errors


def rows_for(board, values, errors, runs):
    rows = []

    def row(key, metric, unit, ratio_fn, ratio_unit, target, met_fn):
        have = {b: values[b].get(key) for b in BINS}
        errs = [b for b in BINS if have[b] is None and b in errors]
        s, u = have["stock"], have["uaio"]
        ok = s is not None and u is not None
        rows.append({"key": "%s_%s" % (board["key"], key), "metric": "%s: %s" % (board["name"], metric),
                     "unit": unit, "stock": s, "uaio": u,
                     "ratio": ratio_fn(s, u) if ok and s and u else None, "ratio_unit": ratio_unit,
                     "target": target, "met": met_fn(s, u) if ok and met_fn else None,
                     "errors": errs})

    faster = lambda s, u: s / u  # noqa: E731
    if runs:
        row("switch_us", "task switch (10 tasks x 100 sleep_ms(0))", "us", faster, "x faster",
            ">= 5x faster", lambda s, u: s / u >= 5)
        row("event_round_trip_us", "Event round trip (2 tasks, 200)", "us", faster, "x faster",
            ">= 3x faster", lambda s, u: s / u >= 3)
        row("task_bytes", "heap per task asleep in sleep_ms()", "B", lambda s, u: u / s, "x",
            "<= stock", lambda s, u: u <= s)
    # Whole images: what uaio's parts cost over an image without asyncio,
    # against stock asyncio's cost, is `make size`'s target.
    row("flash", "flash (text+data)", "B", lambda s, u: u / s, "x", "(reference)", None)
    row("ram_static", "static RAM (data+bss)", "B", lambda s, u: u / s, "x", "(reference)", None)
    row("heap_size", "GC heap (linker)", "B", lambda s, u: u / s, "x", "(reference)", None)
    if runs:
        row("heap_free_boot", "free heap after boot", "B", lambda s, u: u / s, "x", "(reference)", None)
        row("heap_free_asyncio", "free heap after import asyncio", "B", lambda s, u: u / s, "x",
            ">= stock", lambda s, u: u >= s)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mpy", required=True, help="the MicroPython tree (its tools/pyboard.py)")
    ap.add_argument("--build", required=True, help="the folder holding the images")
    ap.add_argument("--qemu", default="", help="qemu 10's qemu-system-arm (for m4_qemu)")
    ap.add_argument("--boards", default="rp2040,m4_qemu,b_l475e", help="the boards to measure, by key")
    ap.add_argument("--out", default="build/bench/mcu.json", help="JSON results file")
    a = ap.parse_args()
    mpy, build = os.path.abspath(a.mpy), os.path.abspath(a.build)
    qemu = a.qemu and os.path.abspath(a.qemu)

    def images(fmt):
        return {b: os.path.join(build, fmt % ("stock-" if b == "stock" else "")) for b in BINS}

    rp2_run = os.path.join(ROOT, "tests", "rp2", "run.mjs")
    boards = [
        {"key": "rp2040", "name": "RPI_PICO (rp2040js)", "images": images("rp2-%sRPI_PICO"),
         "mpy": mpy, "heap_syms": ("__GcHeapStart", "__GcHeapEnd"),
         "device": lambda d: "exec:node %s --timeout %d %s" % (rp2_run, TIMEOUT, os.path.join(d, "firmware.bin"))},
        {"key": "m4_qemu", "name": "B_L475E_IOT01A_QEMU (qemu)",
         "images": images("stm32-%sB_L475E_IOT01A_QEMU"), "mpy": mpy, "heap_syms": ("_heap_start", "_heap_end"),
         "device": lambda d: "execpty:timeout %d %s -machine b-l475e-iot01a -icount shift=0,sleep=off "
                             "-nographic -monitor null -serial pty -kernel %s"
                             % (TIMEOUT, qemu, os.path.join(d, "firmware.elf"))},
        {"key": "b_l475e", "name": "B_L475E_IOT01A",
         "images": images("stm32-%sB_L475E_IOT01A"), "heap_syms": ("_heap_start", "_heap_end")},
    ]
    keys = a.boards.split(",")
    unknown = set(keys) - {b["key"] for b in boards}
    if unknown or ("m4_qemu" in keys and not qemu):
        ap.error("unknown board %s" % ", ".join(sorted(unknown)) if unknown else "m4_qemu needs --qemu")
    boards = [b for b in boards if b["key"] in keys]
    t0 = time.monotonic()
    rows, doc_boards, failed = [], {}, {}
    for board in boards:
        for b, d in board["images"].items():
            if not os.path.isfile(os.path.join(d, "firmware.elf")):
                print("bench/mcu.py: no %s image %s (mk/bench.mk builds it)" % (b, d), file=sys.stderr)
                return 2
        t = time.monotonic()
        values, errors = measure(board["images"], board)
        runs = bool(board.get("device"))
        rows += rows_for(board, values, errors, runs)
        doc_boards[board["key"]] = {"name": board["name"], "images": board["images"], "values": values,
                                    "errors": errors, "seconds": round(time.monotonic() - t, 1)}
        failed.update({"%s %s" % (board["key"], b): e for b, e in errors.items()})

    print()
    print("MCU images, uaio vs stock MicroPython (same tree, same run): %.0f s" % (time.monotonic() - t0))
    print_table(rows)
    met = sum(1 for r in rows if r["met"] is True)
    judged = sum(1 for r in rows if r["target"] != "(reference)")
    print("Clocks: RPI_PICO's 1 us is 125 cycles of the emulated RP2040; B_L475E_IOT01A_QEMU's\n"
          "1 us is 1000 Cortex-M4 instructions (qemu -icount shift=0). B_L475E_IOT01A, the real\n"
          "board's image, does not boot in qemu: sizes only.")
    print("\nMCU targets met: %d of %d" % (met, judged))
    for what, e in sorted(failed.items()):
        print("ERROR %s: %s" % (what, e))
    out = os.path.abspath(a.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "boards": doc_boards,
                   "rows": rows, "targets_met": met, "targets": judged, "errors": failed}, f, indent=2)
    print("results: %s" % out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
