# MicroPython's qemu port (ports/qemu) with uaio, on its Cortex-M3 boards.
#   make qemu BOARD=MPS2_AN385|NETDUINO2    build/qemu-BOARD/firmware.elf
#   make qemu-test BOARD=...                asyncio tests under qemu-system-arm,
#                                           and soft resets between programs
#   make qemu-test-all                      both boards
#   QEMU_PROFILE=default|lean               that profile (build/qemu-BOARD-PROFILE;
#                                           default: full), e.g. the Python Stream
#                                           on bare metal: make qemu-test QEMU_PROFILE=default
# Up to 1.26 the port has no clock, no `time` and no `select`: uaio brings a
# SysTick tick, a WFI idle wait and a `time` module (csrc/port_cortexm.c);
# from 1.27 on the port has its own tick and `time`, and uaio brings the idle
# wait alone (QEMU_UAIO_TICK, mk/versions.mk).

QEMU_BOARDS := MPS2_AN385 NETDUINO2
BOARD ?= MPS2_AN385
QEMU_PROFILE ?= full
QEMU_BUILD = $(abspath $(BUILD)/qemu-$(BOARD)$(if $(filter-out full,$(QEMU_PROFILE)),-$(QEMU_PROFILE)))
QEMU_ELF = $(QEMU_BUILD)/firmware.elf
QEMU_RUST_TARGET := thumbv7m-none-eabi
# The core clock qemu models, which SysTick counts: the MPS2 FPGA image's
# 25 MHz and the 120 MHz system clock of the netduino2's STM32F205.
QEMU_HZ_MPS2_AN385 := 25000000
QEMU_HZ_NETDUINO2 := 120000000
# Heaps: the port's default (140 KiB) is too small for tests/py/sleep_order.py's
# 1000 tasks, and too big for the netduino2's 128 KiB of RAM (the link fails);
# MPS2 has 4 MiB.
QEMU_HEAP_MPS2_AN385 := 1048576
QEMU_HEAP_NETDUINO2 := 102400
QEMU_MACHINE_MPS2_AN385 := mps2-an385
QEMU_MACHINE_NETDUINO2 := netduino2

# run-tests.py talks to qemu's serial pty through pyserial: the first python3
# that has it (Debian's python3-serial serves /usr/bin/python3).
QEMU_PYTHON ?= $(firstword $(foreach p,python3 /usr/bin/python3,$(shell $(p) -c 'import serial' 2>/dev/null && echo $(p))) python3)

# MicroPython's asyncio suite and the project's tests that need no sockets.
# Left out, with why: tests/py/sleep_order.py on NETDUINO2, whose 1000 tasks
# need more than the 100 KiB heap that 128 KiB of RAM allows (MemoryError).
# And on MPS2_AN385 from 1.27 on, where the port's own time.ticks_us() is
# the test's measuring clock: it reads the ms count and SysTick's counter
# without checking for a pending reload, so a reading can be up to 1 ms low
# (mcu/arm/ticks.c), and the test's measured deadline bounds with it (seen:
# one pair "out of order" in 1 of 4 runs). The scheduler reads its own
# corrected clock (csrc/port_cortexm.c, tick_read); the test runs on unix,
# rp2, and on the qemu port of 1.25/1.26 (make qemu-test MPY_VERSION=1.26.1),
# where the two clocks are one.
# (tsf_thread.py skips itself: the port has no _thread.)
QEMU_SKIP_NETDUINO2 := sleep_order.py
QEMU_SKIP_MPS2_AN385 = $(if $(filter 0,$(QEMU_UAIO_TICK)),sleep_order.py)
# Other profiles than full: without the tests that need a subpackage
# (NEEDS_SUBPACKAGE, mk/profiles.mk); lean runs MicroPython's suite alone.
QEMU_TESTS = $(filter-out $(addprefix %/,$(QEMU_SKIP_$(BOARD))), \
	$(sort $(wildcard $(MPY)/tests/extmod/asyncio_*.py)) \
	$(if $(filter lean,$(QEMU_PROFILE)),,$(abspath $(filter-out \
		$(if $(filter full,$(QEMU_PROFILE)),,$(shell grep -lE '$(NEEDS_SUBPACKAGE)' tests/py/*.py)), \
		$(shell grep -LE 'socket|select|open_connection|start_server' tests/py/*.py)))))

.PHONY: qemu qemu-test qemu-test-all

qemu: mpy-cross
	$(if $(QEMU_HZ_$(BOARD)),,$(error BOARD must be one of: $(QEMU_BOARDS)))
	$(MAKE) -s -C $(MPY)/ports/qemu -j$(JOBS) BOARD=$(BOARD) BUILD=$(QEMU_BUILD) \
		USER_C_MODULES=$(CURDIR) FROZEN_MANIFEST=$(CURDIR)/tests/profiles/manifest_$(QEMU_PROFILE).py UAIO_PROFILE=$(QEMU_PROFILE) \
		UAIO_CARGO_TARGET=$(QEMU_RUST_TARGET) UAIO_CORTEXM=1 UAIO_CORTEXM_TICK=$(QEMU_UAIO_TICK) \
		UAIO_PROVIDE_TIME=$(QEMU_UAIO_TICK) UAIO_PORT_CFLAGS=-DCPU_FREQ_HZ=$(QEMU_HZ_$(BOARD)) \
		UAIO_CORTEXM_HZ=$(QEMU_HZ_$(BOARD)) MICROPY_HEAP_SIZE=$(QEMU_HEAP_$(BOARD))
ifeq ($(BOARD),MPS2_AN385)
	@# The image runs from RAM and its startup copies .data upwards from
	@# the end of .text: 8-aligned initialised data would be corrupted.
	@arm-none-eabi-objdump -h $(QEMU_ELF) | awk '$$2 == ".data" && $$4 != $$5 { \
		print "qemu: .data is 8-aligned (load address differs): no initialised uint64_t statics"; exit 1 }'
endif

# A hung board cannot be interrupted (the port reads no Ctrl-C while code
# runs), and run-tests.py would wait for it forever: qemu gets a time limit.
QEMU_TEST_TIMEOUT ?= 1200

QEMU_RUN = timeout $(QEMU_TEST_TIMEOUT) qemu-system-arm -machine $(QEMU_MACHINE_$(BOARD)) \
	-nographic -monitor null -semihosting -serial pty -kernel $(QEMU_ELF)

# The suites, then soft resets between programs (tests/qemu/soft_reset.py).
qemu-test: qemu
	cd $(MPY)/tests && $(QEMU_PYTHON) ./run-tests.py -t execpty:"$(QEMU_RUN)" \
		--result-dir $(abspath $(BUILD)/results/qemu-$(BOARD)) $(QEMU_TESTS)
	$(QEMU_PYTHON) tests/qemu/soft_reset.py $(MPY) $(QEMU_RUN)

qemu-test-all:
	@rc=0; for b in $(QEMU_BOARDS); do $(MAKE) --no-print-directory qemu-test BOARD=$$b || rc=1; done; exit $$rc
