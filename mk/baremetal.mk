# examples/baremetal: plain C on libuaio.a for qemu's mps2-an385 (Cortex-M3),
# with its own startup, linker script, SysTick tick and WFI idle wait.
#   make baremetal        build/baremetal/uaio_baremetal.elf
#   make baremetal-test   run it under qemu-system-arm, compare with the
#                         expected output (lines with measured times, '#', aside)

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

$(BM_ELF): $(BM_SRC) $(BM_DIR)/board.h $(BM_DIR)/mps2_an385.ld include/uaio.h $(BM_LIB)
	@mkdir -p $(@D)
	$(BM_CC) $(BM_CFLAGS) $(BM_LDFLAGS) -o $@ $(BM_SRC) $(BM_LIB) -lgcc

# qemu exits with the program's status (semihosting SYS_EXIT); timeout
# stops a hung image.
baremetal-test: $(BM_ELF)
	timeout $(BM_TIMEOUT) qemu-system-arm -machine mps2-an385 -nographic -monitor none \
		-semihosting -kernel $(BM_ELF) < /dev/null > $(BM_OUT)/output.txt; \
		rc=$$?; cat $(BM_OUT)/output.txt; \
		[ $$rc -eq 0 ] || { echo "baremetal-test: qemu exited $$rc"; exit 1; }
	grep -v '^#' $(BM_OUT)/output.txt | diff -u $(BM_DIR)/expected.txt -
	@echo "baremetal-test: ok"
