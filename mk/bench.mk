# `make bench`: uaio against stock MicroPython of the same version (MPY_VERSION),
# both built from one tree, side by side in one run
# (bench/README.md). Needs valgrind, strace and /usr/bin/time (`make deps`).
# BENCH_FLAGS=--quick for smaller work sizes.
BENCH_OUT   ?= $(BUILD)/bench/results.json
BENCH_FLAGS ?=

.PHONY: bench bench-mcu test-bench
bench: unix stock
	python3 bench/run.py --uaio $(UNIX_BIN) --stock $(STOCK_BIN) --out $(BENCH_OUT) $(BENCH_FLAGS)
	$(MAKE) --no-print-directory bench-mcu

# The MCU rows (bench/mcu.py): task switch, Event round trip, heap, flash and
# RAM of real images, stock beside uaio: RPI_PICO in rp2040js,
# B_L475E_IOT01A_QEMU in qemu 10, and the real B_L475E_IOT01A's sizes.
# (A recipe, not prerequisites: the rp2 and stm32 fragments come later.)
bench-mcu:
	$(MAKE) --no-print-directory $(STM32_QEMU) $(RP2_NODE_MODULES)
	$(MAKE) --no-print-directory rp2 rp2-stock
	$(MAKE) --no-print-directory stm32 stm32-stock BOARD=B_L475E_IOT01A_QEMU
	$(MAKE) --no-print-directory stm32 stm32-stock BOARD=B_L475E_IOT01A
	$(QEMU_PYTHON) bench/mcu.py --mpy $(MPY) --build $(BUILD) --qemu $(STM32_QEMU) \
		--out $(dir $(BENCH_OUT))mcu.json

# The harness's own checks (no binaries built, nothing measured).
test-bench:
	python3 tests/bench/test_versions.py
	python3 tests/bench/test_mcu.py
