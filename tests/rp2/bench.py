#!/usr/bin/env python3
"""uaio against stock on the emulated RP2040 (rp2040js): task switch and
Event round trip (µs of the emulated 125 MHz core: its clock counts cycles),
flash (text+data) and RAM (data+bss) of the images, free heap after boot
and after `import asyncio`.

usage: bench.py <micropython dir> <stock image dir> <uaio image dir>
(an image dir holds firmware.elf and firmware.bin)
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def sizes(elf):
    out = subprocess.run(["arm-none-eabi-size", elf], check=True, capture_output=True, text=True).stdout
    text, data, bss = (int(v) for v in out.splitlines()[1].split()[:3])
    return {"flash_bytes": text + data, "ram_static_bytes": data + bss}


def run_on_board(mpy_dir, image_dir):
    sys.path.insert(0, os.path.join(mpy_dir, "tools"))
    import pyboard

    cmd = "exec:node %s --timeout 600 %s" % (os.path.join(HERE, "run.mjs"), os.path.join(image_dir, "firmware.bin"))
    board = pyboard.Pyboard(cmd)
    try:
        board.enter_raw_repl()
        with open(os.path.join(HERE, "bench_board.py"), "rb") as f:
            out = board.exec_(f.read(), timeout=600).decode()
    finally:
        board.close()
    values = {}
    for line in out.splitlines():
        name, value = line.split()
        values[name] = float(value)
    return values


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip())
        return 2
    mpy_dir, stock_dir, uaio_dir = sys.argv[1:]
    rows = {}
    for name, image in (("stock", stock_dir), ("uaio", uaio_dir)):
        rows[name] = sizes(os.path.join(image, "firmware.elf"))
        rows[name].update(run_on_board(mpy_dir, image))
    metrics = [
        ("switch_us", "task switch (µs)"),
        ("event_round_trip_us", "Event round trip (µs)"),
        ("task_bytes", "heap per sleeping task (bytes)"),
        ("flash_bytes", "flash: text+data (bytes)"),
        ("ram_static_bytes", "RAM: data+bss (bytes)"),
        ("heap_free_boot", "free heap after boot (bytes)"),
        ("heap_free_asyncio", "... after import asyncio (bytes)"),
    ]
    print("%-30s %12s %12s %8s" % ("RP2040 (rp2040js, RPI_PICO)", "stock", "uaio", "ratio"))
    for key, label in metrics:
        s, u = rows["stock"][key], rows["uaio"][key]
        print("%-30s %12s %12s %8s" % (label, "%.2f" % s if s % 1 else "%d" % s,
                                       "%.2f" % u if u % 1 else "%d" % u, "%.2f" % (u / s)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
