"""bench/mcu.py: a missing image stops it before anything is measured (exit
status 2, naming the image); a board run that fails is an ERROR row beside the
size rows, and exit status 1. The images are tiny Arm ELF files with the heap
symbols the script reads (arm-none-eabi-gcc, which `make deps` installs)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

MCU = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "mcu.py")
IMAGES = ["rp2-RPI_PICO", "rp2-stock-RPI_PICO", "stm32-B_L475E_IOT01A_QEMU",
          "stm32-stock-B_L475E_IOT01A_QEMU", "stm32-B_L475E_IOT01A", "stm32-stock-B_L475E_IOT01A"]


def tiny_elf(path):
    src = path + ".c"
    with open(src, "w") as f:
        f.write("int x = 1; int y;\n")
    syms = {"_heap_start": 0x20000000, "_heap_end": 0x20001000,
            "__GcHeapStart": 0x20000000, "__GcHeapEnd": 0x20002000}
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-nostdlib", "-Wl,-e,0"]
                   + ["-Wl,--defsym,%s=%#x" % kv for kv in syms.items()] + [src, "-o", path], check=True)


def bench(build, mpy):
    out = os.path.join(build, "mcu.json")
    r = subprocess.run([sys.executable, MCU, "--mpy", mpy, "--build", build, "--qemu", "/bin/false",
                        "--out", out], capture_output=True, text=True, timeout=60)
    return r, out


class Mcu(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.build = self.tmp.name
        elf = os.path.join(self.build, "tiny.elf")
        tiny_elf(elf)
        for name in IMAGES:
            os.makedirs(os.path.join(self.build, name))
            os.link(elf, os.path.join(self.build, name, "firmware.elf"))

    def test_a_missing_image_is_named(self):
        os.remove(os.path.join(self.build, "stm32-stock-B_L475E_IOT01A", "firmware.elf"))
        r, _ = bench(self.build, self.build)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("no stock image %s" % os.path.join(self.build, "stm32-stock-B_L475E_IOT01A"), r.stderr)

    def test_a_failed_board_run_is_an_error_row(self):
        # No tools/pyboard.py in this "MicroPython tree": every board run fails.
        r, out = bench(self.build, os.path.join(self.build, "no-micropython"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        with open(out) as f:
            rows = {row["key"]: row for row in json.load(f)["rows"]}
        switch = rows["m4_qemu_switch_us"]
        self.assertEqual(switch["errors"], ["stock", "uaio"])
        self.assertIsNone(switch["met"])
        self.assertIn("ERROR", [line.split()[-1] for line in r.stdout.splitlines() if "task switch" in line][0])
        # Sizes are measured all the same: 4 bytes of data, 4 of bss.
        self.assertEqual(rows["b_l475e_flash"]["uaio"], 4)
        self.assertEqual(rows["b_l475e_ram_static"]["stock"], 8)
        self.assertEqual(rows["rp2040_heap_size"]["uaio"], 0x2000)
        self.assertIn("ERROR m4_qemu uaio", r.stdout)


if __name__ == "__main__":
    unittest.main()
