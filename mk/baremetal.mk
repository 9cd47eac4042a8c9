# examples/baremetal: plain C on libuaio.a for qemu's mps2-an385 (Cortex-M3),
# with its own startup and linker script, and the archive's Cortex-M port
# (SysTick tick, WFI idle wait: include/uaio_cortexm.h).
#   make baremetal        build/baremetal/uaio_baremetal.elf
#   make baremetal-test   run it under qemu-system-arm, compare with the
#                         expected output (lines with measured times, '#', aside);
#                         then that a wrong order and a fault make qemu exit 1

BM_DIR     := examples/baremetal
BM_OUT     := $(BUILD)/baremetal
BM_ELF     := $(BM_OUT)/uaio_baremetal.elf
BM_TARGET  := thumbv7m-none-eabi
BM_LIB     := target/$(BM_TARGET)/release/libuaio.a
BM_CC      := arm-none-eabi-gcc
BM_CFLAGS  := -mcpu=cortex-m3 -mthumb -Os -g -std=c99 -Wall -Wextra -Werror \
	-ffreestanding -ffunction-sections -fdata-sections -Iinclude
# No C library: the Rust archive brings memcpy and friends, libgcc the
# 64-bit division. The archive comes after the objects.
BM_LDFLAGS := -nostartfiles -nostdlib -Wl,--gc-sections -Wl,-z,noexecstack -T $(BM_DIR)/mps2_an385.ld
BM_SRC     := $(BM_DIR)/startup.c $(BM_DIR)/board.c $(BM_DIR)/main.c
BM_TIMEOUT ?= 30

.PHONY: baremetal baremetal-test

baremetal: $(BM_ELF)
	@arm-none-eabi-size $(BM_ELF)

$(BM_LIB): FORCE
	cargo build --quiet --release -p uaio-staticlib --target $(BM_TARGET)

$(BM_ELF): $(BM_SRC) $(BM_DIR)/board.h $(BM_DIR)/mps2_an385.ld include/uaio.h include/uaio_port.h include/uaio_cortexm.h $(BM_LIB)
	@mkdir -p $(@D)
	$(BM_CC) $(BM_CFLAGS) $(BM_LDFLAGS) -o $@ $(BM_SRC) $(BM_LIB) -lgcc

# The same program built to fail: BREAK_ORDER expects charlie and delta the
# other way round, FAULT runs an undefined instruction.
$(BM_OUT)/broken_%.elf: $(BM_SRC) $(BM_DIR)/board.h $(BM_DIR)/mps2_an385.ld include/uaio.h include/uaio_port.h include/uaio_cortexm.h $(BM_LIB)
	@mkdir -p $(@D)
	$(BM_CC) $(BM_CFLAGS) -D$* $(BM_LDFLAGS) -o $@ $(BM_SRC) $(BM_LIB) -lgcc

BM_QEMU = timeout $(BM_TIMEOUT) qemu-system-arm -machine mps2-an385 -nographic -monitor none \
	-semihosting -kernel

# qemu exits with the program's status (semihosting SYS_EXIT); timeout
# stops a hung image.
baremetal-test: $(BM_ELF) $(BM_OUT)/broken_BREAK_ORDER.elf $(BM_OUT)/broken_FAULT.elf
	$(BM_QEMU) $(BM_ELF) < /dev/null > $(BM_OUT)/output.txt; \
		rc=$$?; cat $(BM_OUT)/output.txt; \
		[ $$rc -eq 0 ] || { echo "baremetal-test: qemu exited $$rc"; exit 1; }
	grep -v '^#' $(BM_OUT)/output.txt | diff -u $(BM_DIR)/expected.txt -
	$(BM_QEMU) $(BM_OUT)/broken_BREAK_ORDER.elf < /dev/null > $(BM_OUT)/broken_order.txt; \
		[ $$? -eq 1 ] && grep -qx 'FAILED: deadline order' $(BM_OUT)/broken_order.txt \
		|| { cat $(BM_OUT)/broken_order.txt; echo "baremetal-test: a wrong order went unreported"; exit 1; }
	$(BM_QEMU) $(BM_OUT)/broken_FAULT.elf < /dev/null > $(BM_OUT)/broken_fault.txt; \
		[ $$? -eq 1 ] && grep -q '^fault:' $(BM_OUT)/broken_fault.txt \
		|| { cat $(BM_OUT)/broken_fault.txt; echo "baremetal-test: a fault went unreported"; exit 1; }
	@echo "baremetal-test: ok (and a wrong order and a fault are reported)"
