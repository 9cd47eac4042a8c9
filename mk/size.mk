# make size: the flash and RAM that uaio adds to the qemu MPS2_AN385 image,
# next to what MicroPython's stock asyncio adds (scripts/size.py tells how).
# Table on stdout, JSON in build/size/size.json.

SIZE_DIR   := $(abspath $(BUILD)/size)
SIZE_UAIO  := $(abspath $(BUILD)/qemu-MPS2_AN385)
SIZE_BASE  := $(abspath $(BUILD)/qemu-MPS2_AN385-base)
SIZE_STOCK := $(abspath $(BUILD)/qemu-MPS2_AN385-stock)
# The port as `make qemu` builds it, with the same heap so that the heap in
# .bss cancels out, but without uaio's C module.
SIZE_QEMU = $(MAKE) -C $(MPY)/ports/qemu BOARD=MPS2_AN385 MICROPY_HEAP_SIZE=$(QEMU_HEAP_MPS2_AN385)
SIZE_QEMU_BASE = $(SIZE_QEMU) BUILD=$(SIZE_BASE) FROZEN_MANIFEST=$(SIZE_DIR)/base_manifest.py

.PHONY: size

# base: nothing frozen; stock: stock asyncio's package frozen.
$(SIZE_DIR)/base_manifest.py:
	@mkdir -p $(@D) && : > $@
$(SIZE_DIR)/stock_manifest.py:
	@mkdir -p $(@D) && echo 'include("$$(MPY_DIR)/extmod/asyncio")' > $@

size: mpy-cross $(SIZE_DIR)/base_manifest.py $(SIZE_DIR)/stock_manifest.py
	@$(MAKE) --no-print-directory qemu BOARD=MPS2_AN385
	@$(SIZE_QEMU_BASE) -s -j$(JOBS)
	@$(SIZE_QEMU) -s -j$(JOBS) BUILD=$(SIZE_STOCK) FROZEN_MANIFEST=$(SIZE_DIR)/stock_manifest.py
	@# The port's own compile commands for stock's C modules (printed, not run).
	@$(SIZE_QEMU_BASE) -n V=1 $(foreach m,modasyncio modselect,-W ../../extmod/$(m).c $(SIZE_BASE)/extmod/$(m).o) \
		> $(SIZE_DIR)/stock_cc.txt
	@python3 scripts/size.py --mpy $(MPY) --uaio $(SIZE_UAIO) --base $(SIZE_BASE) \
		--stock $(SIZE_STOCK) --cc $(SIZE_DIR)/stock_cc.txt --out $(SIZE_DIR)
