# uaio on stm32.
#   make stm32 BOARD=...     MicroPython's stm32 port with uaio (USER_C_MODULES,
#                            tests/stm32/manifest.py freezes uaio's package in
#                            place of extmod/asyncio): build/stm32-BOARD/firmware.elf
#   make stm32-stock BOARD=...   the same board stock: build/stm32-stock-BOARD
#   make test-stm32          the Rust target port/rust_target.mk picks (for a
#                            table of cases and for every stm32 board's
#                            Makefile), and a hard-float Cortex-M4 image linked
#                            with every entry point (tests/stm32/test.sh)
#   make stm32-boards        every board above that no emulator runs, with uaio
#   make stm32-test          B_L475E_IOT01A_QEMU (tests/stm32/board/), uaio and
#                            stock, in qemu 10 (build/qemu10, scripts/qemu10.sh):
#                            asyncio suites, soft resets, then a comparison
#                            (in make test: ~2 s a test, a few min a run)
# Boards set up: B_L475E_IOT01A NUCLEO_F401RE NUCLEO_G0B1RE NUCLEO_H743ZI.
# lwip and mbedtls are not vendored: networking and SSL are left out.

STM32_BOARDS := B_L475E_IOT01A NUCLEO_F401RE NUCLEO_G0B1RE NUCLEO_H743ZI B_L475E_IOT01A_QEMU
STM32_BOARD := $(if $(filter command line environment,$(origin BOARD)),$(BOARD),B_L475E_IOT01A)
# What MicroPython 1.28.0 pins, except stm32lib: its pin is not vendored; the
# commit 1.25 pins builds 1.28's port for these boards.
STM32_PINS := 928df86 aa0fc2e 8380c7b
STM32_FLAGS = BOARD=$(STM32_BOARD) MICROPY_PY_LWIP=0 MICROPY_PY_SSL=0 MICROPY_SSL_MBEDTLS=0 \
	MICROPY_PY_NETWORK=0 MICROPY_PY_NETWORK_WIZNET5K=0 MICROPY_PY_NETWORK_CYW43=0 MICROPY_PY_BLUETOOTH=0
# The board as qemu 10 models it (make stm32-test): a board folder of ours.
STM32_BOARD_DIR_B_L475E_IOT01A_QEMU := $(CURDIR)/tests/stm32/board/B_L475E_IOT01A_QEMU
# NUCLEO_H743ZI without Ethernet (scripts/stm32-tree.sh makes the folder).
STM32_BOARD_DIR_NUCLEO_H743ZI := $(abspath $(MPY)/../stm32-boards/NUCLEO_H743ZI)
STM32_FLAGS += $(if $(STM32_BOARD_DIR_$(STM32_BOARD)),BOARD_DIR=$(STM32_BOARD_DIR_$(STM32_BOARD)))
STM32_UAIO_BUILD = $(abspath $(BUILD)/stm32-$(STM32_BOARD))
STM32_STOCK_BUILD = $(abspath $(BUILD)/stm32-stock-$(STM32_BOARD))

.PHONY: test-stm32 stm32 stm32-stock stm32-tree stm32-check-board

stm32-check-board:
	@$(if $(filter $(STM32_BOARD),$(STM32_BOARDS)),,echo "stm32: BOARD must be one of: $(STM32_BOARDS)"; exit 1)

stm32-tree: micropython
	bash scripts/stm32-tree.sh $(MPY) $(STM32_PINS)

stm32: stm32-check-board stm32-tree mpy-cross
	$(MAKE) -s -C $(MPY)/ports/stm32 -j$(JOBS) $(STM32_FLAGS) BUILD=$(STM32_UAIO_BUILD) \
		USER_C_MODULES=$(CURDIR) FROZEN_MANIFEST=$(CURDIR)/tests/stm32/manifest.py UAIO_PROFILE=full
	@arm-none-eabi-size $(STM32_UAIO_BUILD)/firmware.elf

stm32-stock: stm32-check-board stm32-tree mpy-cross
	$(MAKE) -s -C $(MPY)/ports/stm32 -j$(JOBS) $(STM32_FLAGS) BUILD=$(STM32_STOCK_BUILD)
	@arm-none-eabi-size $(STM32_STOCK_BUILD)/firmware.elf

test-stm32:
	cargo build --quiet --release -p uaio-staticlib --target thumbv7em-none-eabihf
	bash tests/stm32/test.sh $(BUILD)/stm32-test $(if $(wildcard $(MPY)/ports/stm32/Makefile),$(MPY))

# The boards no emulator here models, built with uaio as a user builds them
# (.ci/run's second stage, after make test). Their stock images:
# make stm32-stock BOARD=... (make size builds B_L475E_IOT01A's).
STM32_BUILD_ONLY := B_L475E_IOT01A NUCLEO_F401RE NUCLEO_G0B1RE NUCLEO_H743ZI
.PHONY: stm32-boards
stm32-boards:
	$(foreach b,$(STM32_BUILD_ONLY),$(MAKE) --no-print-directory stm32 BOARD=$(b) &&) true

# --- B-L475E-IOT01A in qemu 10 ----------------------------------------------

STM32_QEMU := build/qemu10/bin/qemu-system-arm
$(STM32_QEMU):
	bash scripts/qemu10.sh build/qemu10

# qemu runs with -icount shift=0,sleep=off: guest time is instructions (1 ns
# each), and while the guest waits (WFI) qemu jumps to its next timer instead
# of sleeping. Without it a test took ~20 s: qemu's USART takes in one byte
# per main-loop wake-up, i.e. per SysTick (~110 bytes/s with the SysTick
# clock fault qemu_systick.c works around, ~1000 bytes/s without), and every
# sleep took its wall time. One qemu serves a whole run (run-tests.py soft-
# resets the board between tests); a hung board cannot be interrupted: qemu
# gets a time limit.
STM32_TEST_TIMEOUT ?= 900
stm32_qemu_cmd = $(abspath $(STM32_QEMU)) -machine b-l475e-iot01a -icount shift=0,sleep=off \
	-nographic -monitor null -serial pty -kernel $1/firmware.elf
stm32_qemu_run = timeout $(STM32_TEST_TIMEOUT) $(stm32_qemu_cmd)
# MicroPython's asyncio suite and the project's tests that need no sockets
# (as qemu-test selects them). Left out: tests/py/sleep_order.py, whose 1000
# tasks need more than the board's ~85 KiB heap (MemoryError on both images,
# as on qemu's NETDUINO2). They skip themselves here (SKIP): tsf_thread.py
# (the board has no _thread), fault_sigint.py and loop_waits_sigint.py (no
# os.system to send a real SIGINT), aioespnow.py (it reads micropython-lib's
# source from a host folder named by os.getenv(), which a board has not).
STM32_TESTS = $(sort $(wildcard $(MPY)/tests/extmod/asyncio_*.py)) \
	$(filter-out %/sleep_order.py,$(abspath $(shell grep -LE 'socket|select|open_connection|start_server' tests/py/*.py)))

# $1: image folder, $2: result name. The stock image fails the project's
# tests of uaio's own behaviour: tests/rp2/compare.py judges both runs.
define stm32_run_tests
	cd $(MPY)/tests && $(QEMU_PYTHON) ./run-tests.py -t execpty:"$(call stm32_qemu_run,$1)" \
		--result-dir $(abspath $(BUILD)/results/$2) $(STM32_TESTS) || true
	$(QEMU_PYTHON) tests/qemu/soft_reset.py $(if $(filter %stock,$2),--stock) $(MPY) $(call stm32_qemu_run,$1)
endef

.PHONY: stm32-test
stm32-test: $(STM32_QEMU)
	$(MAKE) --no-print-directory stm32 stm32-stock BOARD=B_L475E_IOT01A_QEMU
	@echo "stm32-test: stock B_L475E_IOT01A_QEMU in qemu 10"
	$(call stm32_run_tests,$(abspath $(BUILD)/stm32-stock-B_L475E_IOT01A_QEMU),stm32-stock)
	@echo "stm32-test: B_L475E_IOT01A_QEMU with uaio in qemu 10"
	$(call stm32_run_tests,$(abspath $(BUILD)/stm32-B_L475E_IOT01A_QEMU),stm32-uaio)
	python3 tests/rp2/compare.py $(abspath $(BUILD))/results/stm32-stock/_results.json \
		$(abspath $(BUILD))/results/stm32-uaio/_results.json stm32
