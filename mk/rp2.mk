# MicroPython's rp2 port with uaio, built as a user builds it (CMake,
# USER_C_MODULES=port/micropython.cmake, a manifest that freezes uaio's
# package in place of extmod/asyncio), and the same board stock; both run in
# the rp2040js emulator (tests/rp2/).
#   make rp2 BOARD=RPI_PICO     build/rp2-RPI_PICO/firmware.bin (uaio)
#   make rp2-stock              build/rp2-stock-RPI_PICO/firmware.bin
#   make rp2-test               asyncio suites and soft resets on both images
# Board: RPI_PICO with a UART0 REPL and no SSL (tests/rp2/board/).

RP2_BOARD := RPI_PICO
ifeq ($(origin BOARD),command line)
ifneq ($(filter rp2%,$(MAKECMDGOALS)),)
ifneq ($(BOARD),$(RP2_BOARD))
$(error rp2: only BOARD=$(RP2_BOARD) is set up (tests/rp2/board/))
endif
endif
endif

# What the MicroPython version pins: pico-sdk, TinyUSB, micropython-lib (only
# 1.28.0 is set up and tested here).
RP2_PINS_1.28.0 := a1438df aa0fc2e 8380c7b
RP2_PINS = $(or $(RP2_PINS_$(MPY_VERSION)),$(error rp2: no pico-sdk known for MPY_VERSION=$(MPY_VERSION) (1.28.0)))

RP2_UAIO_BUILD = $(abspath $(BUILD)/rp2-$(RP2_BOARD))
RP2_STOCK_BUILD = $(abspath $(BUILD)/rp2-stock-$(RP2_BOARD))

# Debian's Arm gcc has no libstdc++: the SDK's one C++ file (operator new)
# is compiled empty, and the firmware is linked by the C driver with libm.
RP2_CMAKE = CXXFLAGS=-DPICO_CXX_DISABLE_ALLOCATION_OVERRIDES=1 cmake -S $(MPY)/ports/rp2 \
	-DMICROPY_BOARD=$(RP2_BOARD) -DMICROPY_BOARD_DIR=$(CURDIR)/tests/rp2/board \
	-DPICO_NO_PICOTOOL=ON \
	'-DCMAKE_CXX_LINK_EXECUTABLE=<CMAKE_C_COMPILER> <FLAGS> <CMAKE_CXX_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES> -lm'

.PHONY: rp2 rp2-stock rp2-tree rp2-test

rp2-tree: micropython
	bash scripts/rp2-tree.sh $(MPY) $(RP2_PINS)

rp2: rp2-tree mpy-cross
	$(RP2_CMAKE) -B $(RP2_UAIO_BUILD) -DUSER_C_MODULES=$(CURDIR)/port/micropython.cmake \
		-DMICROPY_FROZEN_MANIFEST=$(CURDIR)/tests/rp2/manifest.py -DUAIO_PROFILE=full >/dev/null
	cmake --build $(RP2_UAIO_BUILD) -j$(JOBS) -- --no-print-directory -s
	@arm-none-eabi-size $(RP2_UAIO_BUILD)/firmware.elf

rp2-stock: rp2-tree mpy-cross
	$(RP2_CMAKE) -B $(RP2_STOCK_BUILD) >/dev/null
	cmake --build $(RP2_STOCK_BUILD) -j$(JOBS) -- --no-print-directory -s
	@arm-none-eabi-size $(RP2_STOCK_BUILD)/firmware.elf

# The emulator (npm rp2040js, pinned in tests/rp2/package.json; make deps).
RP2_NODE_MODULES := tests/rp2/node_modules/rp2040js/package.json
$(RP2_NODE_MODULES): tests/rp2/package.json
	cd tests/rp2 && npm ci --no-audit --no-fund --silent
	@touch $@

# A hung image cannot be interrupted while it runs: each run gets a limit.
RP2_TEST_TIMEOUT ?= 600
RP2_RUN = node $(CURDIR)/tests/rp2/run.mjs --timeout $(RP2_TEST_TIMEOUT)

# The tests qemu-test runs: MicroPython's asyncio suite and the project's
# tests that need no sockets; then soft resets between programs.
# Left out: the tests that start a thread (tsf_thread.py, ...), which would
# run on core 1, which rp2040js does not run (they would hang); and
# tests/py/sleep_order.py, whose 1000 tasks exhaust the Pico's ~230 KiB heap
# (MemoryError; 700 pass), as on qemu's NETDUINO2.
RP2_SKIP = $(notdir $(shell grep -l 'start_new_thread' tests/py/*.py)) sleep_order.py
# Then the emulator's own: asyncio streams over UART1, wired back by run.mjs.
RP2_TESTS = $(sort $(wildcard $(MPY)/tests/extmod/asyncio_*.py)) \
	$(filter-out $(addprefix %/,$(RP2_SKIP)),$(abspath $(shell grep -LE 'socket|select|open_connection|start_server' tests/py/*.py))) \
	$(abspath tests/rp2/uart_loopback.py)

# $1: image folder, $2: result name. The stock image fails the project's
# tests of uaio's own behaviour: tests/rp2/compare.py judges both runs after
# the soft-reset tests.
define rp2_run_tests
	cd $(MPY)/tests && python3 ./run-tests.py -t "exec:$(RP2_RUN) $1/firmware.bin" \
		--result-dir $(abspath $(BUILD)/results/$2) $(RP2_TESTS) || true
	python3 tests/qemu/soft_reset.py $(if $(filter %stock,$2),--stock) $(MPY) "exec:$(RP2_RUN) $1/firmware.bin"
	python3 tests/rp2/interrupt.py $(if $(filter %stock,$2),--stock) $(MPY) "exec:$(RP2_RUN) --realtime $1/firmware.bin"
endef

rp2-test: rp2 rp2-stock $(RP2_NODE_MODULES)
	@echo "rp2-test: stock RPI_PICO in rp2040js"
	$(call rp2_run_tests,$(RP2_STOCK_BUILD),rp2-stock)
	@echo "rp2-test: RPI_PICO with uaio in rp2040js"
	$(call rp2_run_tests,$(RP2_UAIO_BUILD),rp2-uaio)
	python3 tests/rp2/compare.py $(abspath $(BUILD))/results/rp2-stock/_results.json \
		$(abspath $(BUILD))/results/rp2-uaio/_results.json

# Stock against uaio on the emulated RP2040: task switch, Event round trip,
# flash, RAM and free heap (bench/mcu.py's RPI_PICO rows).
.PHONY: rp2-bench
rp2-bench: rp2 rp2-stock $(RP2_NODE_MODULES)
	python3 bench/mcu.py --mpy $(MPY) --build $(BUILD) --boards rp2040 --out $(BUILD)/bench/rp2.json
