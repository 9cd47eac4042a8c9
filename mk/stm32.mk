# uaio on stm32.
#   make stm32 BOARD=...     MicroPython's stm32 port with uaio (USER_C_MODULES,
#                            tests/stm32/manifest.py freezes uaio's package in
#                            place of extmod/asyncio): build/stm32-BOARD/firmware.elf
#   make stm32-stock BOARD=...   the same board stock: build/stm32-stock-BOARD
#   make test-stm32          the Rust target port/rust_target.mk picks (for a
#                            table of cases and for every stm32 board's
#                            Makefile), and a hard-float Cortex-M4 image linked
#                            with every entry point (tests/stm32/test.sh)
# Boards set up: B_L475E_IOT01A NUCLEO_F401RE NUCLEO_G0B1RE NUCLEO_H743ZI.
# lwip and mbedtls are not vendored: networking and SSL are left out.

STM32_BOARDS := B_L475E_IOT01A NUCLEO_F401RE NUCLEO_G0B1RE NUCLEO_H743ZI
STM32_BOARD := $(if $(filter command line environment,$(origin BOARD)),$(BOARD),B_L475E_IOT01A)
# What MicroPython 1.28.0 pins, except stm32lib: its pin is not vendored; the
# commit 1.25 pins builds 1.28's port for these boards.
STM32_PINS := 928df86 aa0fc2e 8380c7b
STM32_FLAGS = BOARD=$(STM32_BOARD) MICROPY_PY_LWIP=0 MICROPY_PY_SSL=0 MICROPY_SSL_MBEDTLS=0 \
	MICROPY_PY_NETWORK=0 MICROPY_PY_NETWORK_WIZNET5K=0 MICROPY_PY_NETWORK_CYW43=0 MICROPY_PY_BLUETOOTH=0
STM32_UAIO_BUILD = $(abspath $(BUILD)/stm32-$(STM32_BOARD))
STM32_STOCK_BUILD = $(abspath $(BUILD)/stm32-stock-$(STM32_BOARD))

.PHONY: test-stm32 stm32 stm32-stock stm32-tree stm32-check-board

stm32-check-board:
	@$(if $(filter $(STM32_BOARD),$(STM32_BOARDS)),,echo "stm32: BOARD must be one of: $(STM32_BOARDS)"; exit 1)

stm32-tree: micropython
	bash scripts/stm32-tree.sh $(MPY) $(STM32_PINS)

stm32: stm32-check-board stm32-tree mpy-cross
	$(MAKE) -s -C $(MPY)/ports/stm32 -j$(JOBS) $(STM32_FLAGS) BUILD=$(STM32_UAIO_BUILD) \
		USER_C_MODULES=$(CURDIR) FROZEN_MANIFEST=$(CURDIR)/tests/stm32/manifest.py
	@arm-none-eabi-size $(STM32_UAIO_BUILD)/firmware.elf

stm32-stock: stm32-check-board stm32-tree mpy-cross
	$(MAKE) -s -C $(MPY)/ports/stm32 -j$(JOBS) $(STM32_FLAGS) BUILD=$(STM32_STOCK_BUILD)
	@arm-none-eabi-size $(STM32_STOCK_BUILD)/firmware.elf

test-stm32:
	cargo build --quiet --release -p uaio-staticlib --target thumbv7em-none-eabihf
	bash tests/stm32/test.sh $(BUILD)/stm32-test $(if $(wildcard $(MPY)/ports/stm32/Makefile),$(MPY))
